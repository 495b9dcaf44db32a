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

    /// Any split into updates (the tail loop, the sixteen-byte loop, odd
    /// offsets) gives the value of one update over the whole.
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
}
