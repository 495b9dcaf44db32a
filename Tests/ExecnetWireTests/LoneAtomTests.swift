import ExecnetWire
import Testing

/// The decoder reads a dump that is one int, None or bool and STOP without
/// its stack machine. A versioned dump always goes through the machine, so
/// `decode(dump)` is compared with `decodeVersioned([2] + dump)` on every
/// input here: the same value, or the same error one byte further on.
@Suite struct LoneAtomTests {
    static func outcome(_ dump: [UInt8]) -> Result<PyValue, DumpDecodingError> {
        Result { () throws(DumpDecodingError) in try DumpDecoder().decode(dump) }
    }

    static func expectSameAsMachine(_ dump: [UInt8], _ note: String) {
        let quick = outcome(dump)
        let machine = Result { () throws(DumpDecodingError) in
            try DumpDecoder().decodeVersioned([DumpFormat.version2.rawValue] + dump, format: .version2).value
        }
        switch (quick, machine) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "\(note): \(a) vs \(b)")
        case (.failure(let a), .failure(let b)):
            #expect(a.reason == b.reason && a.opcode == b.opcode && a.offset + 1 == b.offset, "\(note): \(a) vs \(b)")
        default:
            Issue.record("\(note): \(quick) vs \(machine)")
        }
    }

    @Test func everyTwoByteDumpEndingInStop() {
        for first in 0...255 { Self.expectSameAsMachine([UInt8(first), 0x51], "byte \(first)") }
    }

    @Test func everyTwoByteDumpNotEndingInStop() {
        for second in 0...255 where second != 0x51 {
            for first in [0x43, 0x4C, 0x52, 0x46] {
                Self.expectSameAsMachine([UInt8(first), UInt8(second)], "[\(first), \(second)]")
            }
        }
    }

    @Test func intsAtTheEdgesAndInBetween() {
        var values: [Int32] = [0, 1, -1, 127, 128, -128, 255, 256, Int32.max, Int32.min, Int32.max - 1, Int32.min + 1]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<500 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int32(truncatingIfNeeded: seed >> 29))
        }
        for value in values {
            let dump = [0x46] + withUnsafeBytes(of: value.bigEndian, Array.init) + [0x51]
            Self.expectSameAsMachine(dump, "int \(value)")
            #expect((try? DumpDecoder().decode(dump)) == .int(PyInt(Int64(value))))
        }
    }

    /// Six bytes that are not INT, four bytes and STOP go through the machine
    /// (a channel reference, which a versioned dump may not hold, aside).
    @Test func otherSixByteDumps() {
        for first in 0x40...0x54 where first != 0x46 && first != 0x42 {
            Self.expectSameAsMachine([UInt8(first), 0, 0, 0, 1, 0x51], "opcode \(first)")
        }
        Self.expectSameAsMachine([0x46, 0, 0, 0, 1, 0x50], "INT without STOP")
        Self.expectSameAsMachine([0x4C, 0x51, 0, 0, 0, 0x51], "None, STOP, junk")
    }
}
