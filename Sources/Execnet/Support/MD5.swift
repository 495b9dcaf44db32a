/// MD5 (RFC 1321): stock's rsync remote asks for a file with the digest of
/// its own copy (an equal digest here means the file need not cross).
struct MD5 {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)
    /// Bytes of an unfinished block, and the length so far.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var md5 = MD5()
        md5.update(bytes)
        return md5.finalize()
    }

    /// Adds `bytes` to the message (for a digest worked out in pieces).
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            guard pending.count == 64 else { return }
            let block = pending
            block.withUnsafeBytes { compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = offset + (bytes.count - offset) / 64 * 64
        while offset < whole {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 64]))
            offset += 64
        }
        pending.append(contentsOf: bytes[offset...])
    }

    /// The digest of everything added.
    mutating func finalize() -> [UInt8] {
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        let bits = length &* 8
        for shift in stride(from: 0, to: 64, by: 8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        tail.withUnsafeBytes { block in
            var start = 0
            while start < block.count {
                compress(UnsafeRawBufferPointer(rebasing: block[start..<start + 64]))
                start += 64
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for word in [state.0, state.1, state.2, state.3] {
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return out
    }

    @inline(__always)
    private static func rotate(_ x: UInt32, _ count: UInt32) -> UInt32 { (x << count) | (x >> (32 - count)) }

    /// One 64-byte block, the 64 steps of RFC 1321 written out (a loop over
    /// tables runs at a quarter of the speed, which putFile would feel).
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        @inline(__always) func word(_ index: Int) -> UInt32 {
            UInt32(littleEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        }
        let rotate = Self.rotate
        let m0 = word(0)
        let m1 = word(1)
        let m2 = word(2)
        let m3 = word(3)
        let m4 = word(4)
        let m5 = word(5)
        let m6 = word(6)
        let m7 = word(7)
        let m8 = word(8)
        let m9 = word(9)
        let m10 = word(10)
        let m11 = word(11)
        let m12 = word(12)
        let m13 = word(13)
        let m14 = word(14)
        let m15 = word(15)
        var (a, b, c, d) = state
        a = b &+ rotate(a &+ ((b & c) | (~b & d)) &+ m0 &+ 0xd76aa478, 7)
        d = a &+ rotate(d &+ ((a & b) | (~a & c)) &+ m1 &+ 0xe8c7b756, 12)
        c = d &+ rotate(c &+ ((d & a) | (~d & b)) &+ m2 &+ 0x242070db, 17)
        b = c &+ rotate(b &+ ((c & d) | (~c & a)) &+ m3 &+ 0xc1bdceee, 22)
        a = b &+ rotate(a &+ ((b & c) | (~b & d)) &+ m4 &+ 0xf57c0faf, 7)
        d = a &+ rotate(d &+ ((a & b) | (~a & c)) &+ m5 &+ 0x4787c62a, 12)
        c = d &+ rotate(c &+ ((d & a) | (~d & b)) &+ m6 &+ 0xa8304613, 17)
        b = c &+ rotate(b &+ ((c & d) | (~c & a)) &+ m7 &+ 0xfd469501, 22)
        a = b &+ rotate(a &+ ((b & c) | (~b & d)) &+ m8 &+ 0x698098d8, 7)
        d = a &+ rotate(d &+ ((a & b) | (~a & c)) &+ m9 &+ 0x8b44f7af, 12)
        c = d &+ rotate(c &+ ((d & a) | (~d & b)) &+ m10 &+ 0xffff5bb1, 17)
        b = c &+ rotate(b &+ ((c & d) | (~c & a)) &+ m11 &+ 0x895cd7be, 22)
        a = b &+ rotate(a &+ ((b & c) | (~b & d)) &+ m12 &+ 0x6b901122, 7)
        d = a &+ rotate(d &+ ((a & b) | (~a & c)) &+ m13 &+ 0xfd987193, 12)
        c = d &+ rotate(c &+ ((d & a) | (~d & b)) &+ m14 &+ 0xa679438e, 17)
        b = c &+ rotate(b &+ ((c & d) | (~c & a)) &+ m15 &+ 0x49b40821, 22)
        a = b &+ rotate(a &+ ((d & b) | (~d & c)) &+ m1 &+ 0xf61e2562, 5)
        d = a &+ rotate(d &+ ((c & a) | (~c & b)) &+ m6 &+ 0xc040b340, 9)
        c = d &+ rotate(c &+ ((b & d) | (~b & a)) &+ m11 &+ 0x265e5a51, 14)
        b = c &+ rotate(b &+ ((a & c) | (~a & d)) &+ m0 &+ 0xe9b6c7aa, 20)
        a = b &+ rotate(a &+ ((d & b) | (~d & c)) &+ m5 &+ 0xd62f105d, 5)
        d = a &+ rotate(d &+ ((c & a) | (~c & b)) &+ m10 &+ 0x02441453, 9)
        c = d &+ rotate(c &+ ((b & d) | (~b & a)) &+ m15 &+ 0xd8a1e681, 14)
        b = c &+ rotate(b &+ ((a & c) | (~a & d)) &+ m4 &+ 0xe7d3fbc8, 20)
        a = b &+ rotate(a &+ ((d & b) | (~d & c)) &+ m9 &+ 0x21e1cde6, 5)
        d = a &+ rotate(d &+ ((c & a) | (~c & b)) &+ m14 &+ 0xc33707d6, 9)
        c = d &+ rotate(c &+ ((b & d) | (~b & a)) &+ m3 &+ 0xf4d50d87, 14)
        b = c &+ rotate(b &+ ((a & c) | (~a & d)) &+ m8 &+ 0x455a14ed, 20)
        a = b &+ rotate(a &+ ((d & b) | (~d & c)) &+ m13 &+ 0xa9e3e905, 5)
        d = a &+ rotate(d &+ ((c & a) | (~c & b)) &+ m2 &+ 0xfcefa3f8, 9)
        c = d &+ rotate(c &+ ((b & d) | (~b & a)) &+ m7 &+ 0x676f02d9, 14)
        b = c &+ rotate(b &+ ((a & c) | (~a & d)) &+ m12 &+ 0x8d2a4c8a, 20)
        a = b &+ rotate(a &+ (b ^ c ^ d) &+ m5 &+ 0xfffa3942, 4)
        d = a &+ rotate(d &+ (a ^ b ^ c) &+ m8 &+ 0x8771f681, 11)
        c = d &+ rotate(c &+ (d ^ a ^ b) &+ m11 &+ 0x6d9d6122, 16)
        b = c &+ rotate(b &+ (c ^ d ^ a) &+ m14 &+ 0xfde5380c, 23)
        a = b &+ rotate(a &+ (b ^ c ^ d) &+ m1 &+ 0xa4beea44, 4)
        d = a &+ rotate(d &+ (a ^ b ^ c) &+ m4 &+ 0x4bdecfa9, 11)
        c = d &+ rotate(c &+ (d ^ a ^ b) &+ m7 &+ 0xf6bb4b60, 16)
        b = c &+ rotate(b &+ (c ^ d ^ a) &+ m10 &+ 0xbebfbc70, 23)
        a = b &+ rotate(a &+ (b ^ c ^ d) &+ m13 &+ 0x289b7ec6, 4)
        d = a &+ rotate(d &+ (a ^ b ^ c) &+ m0 &+ 0xeaa127fa, 11)
        c = d &+ rotate(c &+ (d ^ a ^ b) &+ m3 &+ 0xd4ef3085, 16)
        b = c &+ rotate(b &+ (c ^ d ^ a) &+ m6 &+ 0x04881d05, 23)
        a = b &+ rotate(a &+ (b ^ c ^ d) &+ m9 &+ 0xd9d4d039, 4)
        d = a &+ rotate(d &+ (a ^ b ^ c) &+ m12 &+ 0xe6db99e5, 11)
        c = d &+ rotate(c &+ (d ^ a ^ b) &+ m15 &+ 0x1fa27cf8, 16)
        b = c &+ rotate(b &+ (c ^ d ^ a) &+ m2 &+ 0xc4ac5665, 23)
        a = b &+ rotate(a &+ (c ^ (b | ~d)) &+ m0 &+ 0xf4292244, 6)
        d = a &+ rotate(d &+ (b ^ (a | ~c)) &+ m7 &+ 0x432aff97, 10)
        c = d &+ rotate(c &+ (a ^ (d | ~b)) &+ m14 &+ 0xab9423a7, 15)
        b = c &+ rotate(b &+ (d ^ (c | ~a)) &+ m5 &+ 0xfc93a039, 21)
        a = b &+ rotate(a &+ (c ^ (b | ~d)) &+ m12 &+ 0x655b59c3, 6)
        d = a &+ rotate(d &+ (b ^ (a | ~c)) &+ m3 &+ 0x8f0ccc92, 10)
        c = d &+ rotate(c &+ (a ^ (d | ~b)) &+ m10 &+ 0xffeff47d, 15)
        b = c &+ rotate(b &+ (d ^ (c | ~a)) &+ m1 &+ 0x85845dd1, 21)
        a = b &+ rotate(a &+ (c ^ (b | ~d)) &+ m8 &+ 0x6fa87e4f, 6)
        d = a &+ rotate(d &+ (b ^ (a | ~c)) &+ m15 &+ 0xfe2ce6e0, 10)
        c = d &+ rotate(c &+ (a ^ (d | ~b)) &+ m6 &+ 0xa3014314, 15)
        b = c &+ rotate(b &+ (d ^ (c | ~a)) &+ m13 &+ 0x4e0811a1, 21)
        a = b &+ rotate(a &+ (c ^ (b | ~d)) &+ m4 &+ 0xf7537e82, 6)
        d = a &+ rotate(d &+ (b ^ (a | ~c)) &+ m11 &+ 0xbd3af235, 10)
        c = d &+ rotate(c &+ (a ^ (d | ~b)) &+ m2 &+ 0x2ad7d2bb, 15)
        b = c &+ rotate(b &+ (d ^ (c | ~a)) &+ m9 &+ 0xeb86d391, 21)
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
