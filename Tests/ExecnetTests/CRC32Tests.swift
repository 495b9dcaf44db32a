@testable import Execnet
import Testing

/// The checksum putFile and getFile compare with the remote's zlib.crc32.
@Suite struct CRC32Tests {
    @Test func matchesZlibCheckValues() {
        var check = CRC32()
        Array("123456789".utf8).withUnsafeBytes { check.update($0) }
        #expect(check.value == 0xCBF4_3926)
        #expect(CRC32().value == 0)
        var zeros = CRC32()
        [UInt8](repeating: 0, count: 32).withUnsafeBytes { zeros.update($0) }
        #expect(zeros.value == 0x190A_55AD)
    }

    /// Any split into updates (tables for short and ragged parts, folding for
    /// the bulk, odd offsets) gives the value of one update over the whole.
    @Test func splitUpdatesEqualOneUpdate() {
        let bytes = (0..<5_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        var whole = CRC32()
        bytes.withUnsafeBytes { whole.update($0) }
        #expect(whole.value == 0xFE46_B9AB)  // zlib.crc32 of the same bytes
        for cut in [1, 7, 15, 16, 17, 33, 4_999] {
            var split = CRC32()
            bytes.withUnsafeBytes { raw in
                split.update(UnsafeRawBufferPointer(rebasing: raw[..<cut]))
                split.update(UnsafeRawBufferPointer(rebasing: raw[cut...]))
            }
            #expect(split.value == whole.value, "cut at \(cut)")
        }
    }

    /// Every length up to 700 (both sides of the folding threshold, every
    /// remainder mod 16 and 64) at every alignment mod 16, against a
    /// bit-at-a-time CRC written straight from the polynomial.
    @Test func everyLengthAndAlignmentEqualsBitwiseCRC() {
        let bytes = (0..<720).map { UInt8(truncatingIfNeeded: ($0 &* 40_503) >> 5 ^ $0) }
        var mismatches: [String] = []
        for offset in 0..<16 {
            // The bitwise CRC of every prefix from `offset`, in one pass: a
            // pass per length made this test hold a thread of the shared
            // pool for 12 s in a debug build (33 s under the thread
            // sanitizer), stalling the tests that wait on that pool.
            var expected: [UInt32] = []
            var state: UInt32 = 0xFFFF_FFFF
            for length in 0...700 where offset + length <= bytes.count {
                if length > 0 {
                    state ^= UInt32(bytes[offset + length - 1])
                    for _ in 0..<8 { state = state & 1 != 0 ? (state >> 1) ^ 0xEDB8_8320 : state >> 1 }
                }
                expected.append(~state)
            }
            for (length, value) in expected.enumerated() {
                var crc = CRC32()
                bytes[offset..<(offset + length)].withUnsafeBytes { crc.update($0) }
                if crc.value != value { mismatches.append("offset \(offset) length \(length)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
