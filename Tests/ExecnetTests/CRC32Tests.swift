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
        func bitwise(_ slice: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in slice {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        var mismatches: [String] = []
        for offset in 0..<16 {
            for length in 0...700 where offset + length <= bytes.count {
                let slice = bytes[offset..<(offset + length)]
                var crc = CRC32()
                slice.withUnsafeBytes { crc.update($0) }
                if crc.value != bitwise(slice) { mismatches.append("offset \(offset) length \(length)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
