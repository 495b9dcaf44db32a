import ExecnetConformance
import ExecnetWire
import Foundation
import Testing

@Suite("Property tests")
struct PropertyTests {
    @Test(arguments: 0..<8)
    func randomValuesRoundTrip(seed: Int) throws {
        var values = RandomValues(seed: UInt64(seed) &* 0x1234_5678_9ABC)
        for _ in 0..<500 {
            let value = values.value()
            let encoded = try DumpEncoder().encode(value)
            let decoded = try DumpDecoder(options: DecodingOptions(limits: DecodingLimits(maxIntegerDigits: nil)))
                .decode(encoded)
            #expect(decoded == value)
            #expect(decoded.hashValue == value.hashValue)
            #expect(try DumpEncoder().encode(decoded) == encoded)
            let versioned = try DumpEncoder().encodeVersioned(value, format: .version1)
            #expect(Array(versioned.dropFirst()) == encoded)
        }
    }

    /// Dumps of 8 KiB and more go through the decoder's short-text cache.
    @Test(arguments: 0..<4)
    func largeDumpsWithRepeatedShortTextsRoundTrip(seed: Int) throws {
        var values = RandomValues(seed: UInt64(seed) &+ 99, maxDepth: 3, maxWidth: 6)
        let value = PyValue.list(PyItems((0..<3000).map { _ in values.value() }))
        let encoded = try DumpEncoder().encode(value)
        #expect(encoded.count > 8192)
        let unlimited = DumpDecoder(options: DecodingOptions(limits: DecodingLimits(maxIntegerDigits: nil)))
        #expect(try unlimited.decode(encoded) == value)
        // A bad short text after the cache is warm is still refused.
        var broken = Array(encoded.dropLast())
        var fixed = broken
        broken += [0x4E, 0, 0, 0, 2, 0xC3, 0x28]  // PY3STRING with invalid UTF-8
        fixed += [0x4E, 0, 0, 0, 2, 0xC3, 0xA9]  // the same length, valid
        for tail: [UInt8] in [[0x40, 0, 0, 0, 2, 0x51]] {
            #expect(throws: DumpDecodingError.self) { try unlimited.decode(broken + tail) }
            #expect(try unlimited.decode(fixed + tail) == .tuple([value, .str("é")]))
        }
    }

    @Test func equalityIsRepresentational() {
        #expect(PyValue.int(1) != .long(1))
        #expect(PyValue.float(.nan) == .float(.nan))
        #expect(PyValue.float(0.0) != .float(-0.0))
        #expect(PyValue.str("\u{E9}") != .str("e\u{301}"))  // Swift's == would call these equal
        #expect(PyValue.dict([1: 2, 3: 4]) != .dict([3: 4, 1: 2]))
        #expect(PyValue.str("a") != .unicode("a"))
    }
}
