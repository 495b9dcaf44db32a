import Testing
@testable import ExecnetWire

private func hex(_ bytes: [UInt8]) -> String { bytes.map { hexByte($0) }.joined() }
private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}

@Suite("Codec basics")
struct CodecBasicsTests {
    @Test("scalars encode to their opcode layouts", arguments: [
        (PyValue.none, "4c51"),
        (.bool(true), "5251"),
        (.bool(false), "4351"),
        (.int(5), "460000000551"),
        (.int(-1), "46ffffffff51"),
        (.long(5), "470000000551"),
        (.int(PyInt(Int64(1) << 31)), "480000000a3231343734383336343851"),
        (.float(1.5), "443ff800000000000051"),
        (.bytes([0, 255]), "410000000200ff51"),
        (.str("é"), "4e00000002c3a951"),
        (.py2str([0xE9]), "4d00000001e951"),
        (.unicode("a"), "530000000161" + "51"),
        (.channel(id: 3), "420000000351"),
    ] as [(PyValue, String)])
    func scalarLayouts(value: PyValue, expected: String) throws {
        let encoded = try DumpEncoder().encode(value)
        #expect(hex(encoded) == expected)
        #expect(try DumpDecoder().decode(encoded) == value)
    }

    @Test func integersBelowInt32UseDecimalText() throws {
        let value = PyValue.int(PyInt(Int64(Int32.min) - 1))
        let encoded = try DumpEncoder().encode(value)
        #expect(encoded.first == Opcode.longInt.rawValue)
        #expect(String(decoding: encoded[5..<encoded.count - 1], as: UTF8.self) == "-2147483649")
        #expect(try DumpDecoder().decode(encoded) == value)
        #expect(hex(try DumpEncoder().encode(.int(PyInt(Int64(Int32.min))))) == "468000000051")
    }

    @Test func containersFollowStockLayout() throws {
        // [1] -> NEWLIST 1, INT 0, INT 1, SETITEM, STOP
        #expect(hex(try DumpEncoder().encode([1])) == "4b00000001" + "4600000000" + "4600000001" + "50" + "51")
        // {"a": None} -> NEWDICT, key, value, SETITEM
        #expect(hex(try DumpEncoder().encode(["a": .none])) == "4a" + "4e0000000161" + "4c" + "50" + "51")
        // (None,) -> NONE, BUILDTUPLE 1
        #expect(hex(try DumpEncoder().encode(.tuple([.none]))) == "4c" + "4000000001" + "51")
        #expect(hex(try DumpEncoder().encode(.frozenset([]))) == "4500000000" + "51")
    }

    @Test func versionedDumpsCarryTheirVersionByte() throws {
        let v1 = try DumpEncoder().encodeVersioned(.none, format: .version1)
        #expect(hex(v1) == "014c51")
        #expect(try DumpDecoder().decodeVersioned(v1).format == .version1)
        #expect(throws: DumpDecodingError.self) { try DumpDecoder().decodeVersioned(v1, format: .version2) }
        do {
            _ = try DumpDecoder().decodeVersioned(bytes("034c51"))
            Issue.record("accepted version 3")
        } catch {
            #expect(error.reason == .wrongVersion(found: 3, expected: [.version1, .version2]))
        }
    }

    @Test("stock's loose corners", arguments: [
        // stack[-length:] with length beyond the stack takes all of it
        ("4c4c4000000005" + "51", "(None, None)"),
        // a negative length keeps the bottom entries: stack[2:]
        ("4c4c52" + "40fffffffe" + "4000000003" + "51", "(None, None, (True,))"),
        // negative list index counts from the end
        ("4b00000002" + "46ffffffff" + "4600000007" + "50" + "51", "[None, 7]"),
        // bool as list index
        ("4b00000002" + "52" + "4600000007" + "50" + "51", "[None, 7]"),
        // NEWLIST with a negative length is an empty list
        ("4bffffffff51", "[]"),
        // bytes after STOP are ignored
        ("4c51ffff", "None"),
        // LONGINT text with spaces, sign, leading zeros and underscores
        ("48000000072b30315f323320" + "51", "123"),
    ] as [(String, String?)])
    func looseCorners(input: String, rendered: String?) throws {
        let value = try DumpDecoder().decode(bytes(input))
        if let rendered { #expect(value.description == rendered) }
    }

    @Test("refusals name the offset and opcode", arguments: [
        ("", DumpDecodingError.Reason.truncated, 0, nil),
        ("00", .unknownOpcode(0), 0, nil),
        ("4c", .truncated, 1, nil),
        ("460000", .truncated, 0, Opcode.int),
        ("4c4c51", .stackNotSingleAtStop(depth: 2), 2, .stop),
        ("51", .stackNotSingleAtStop(depth: 0), 0, .stop),
        ("4a4c50", .setItemNeedsThreeValues(depth: 2), 2, .setItem),
        ("4c4000000001" + "4c4c50", .setItemOnUnsupported(typeName: "tuple"), 8, .setItem),
        ("4b00000001" + "4600000001" + "4c50", .listIndexOutOfRange(index: "1", count: 1), 11, .setItem),
        ("4b00000001" + "440000000000000000" + "4c50", .listIndexNotInteger(typeName: "float"), 15, .setItem),
        ("4a" + "4b00000000" + "4c50", .unhashable(typeName: "list"), 7, .setItem),
        ("4a4b000000004000000001" + "4c50", .unhashable(typeName: "tuple"), 12, .setItem),
        ("4b00000000" + "4f00000001", .unhashable(typeName: "list"), 5, .set),
        ("4effffffff", .negativeLength(-1), 0, .py3String),
        ("4e00000002eda0", .invalidUTF8(byteOffset: 0), 0, .py3String),
        ("4800000003313261", .invalidIntegerText(Array("12a".utf8)), 0, .longInt),
        ("4b7fffffff51", .listSlotLimit(requested: 2147483647, limit: 1 << 20), 0, .newList),
    ] as [(String, DumpDecodingError.Reason, Int, Opcode?)])
    func refusals(input: String, reason: DumpDecodingError.Reason, offset: Int, opcode: Opcode?) {
        do {
            let value = try DumpDecoder().decode(bytes(input))
            Issue.record("accepted \(input) as \(value)")
        } catch {
            #expect(error.reason == reason)
            #expect(error.offset == offset)
            #expect(error.opcode == opcode)
        }
    }

    @Test func pythonTwoDialectReadsLongSuffix() throws {
        let input = bytes("4900000003313250" + "51")  // LONGLONG "12P" is invalid
        #expect(throws: DumpDecodingError.self) { try DumpDecoder().decode(input) }
        let suffixed = bytes("490000000331324c51")  // LONGLONG "12L"
        #expect(throws: DumpDecodingError.self) { try DumpDecoder().decode(suffixed) }
        let python2 = DumpDecoder(options: DecodingOptions(dialect: .python2))
        #expect(try python2.decode(suffixed) == .long(12))
        #expect(throws: DumpDecodingError.self) { try python2.decode(bytes("4800000003315f3251")) }
    }

    @Test func stringCoercionOptions() throws {
        let latin = bytes("4d00000001e951")
        let asText = DumpDecoder(options: DecodingOptions(py2strAsPy3str: true))
        #expect(try asText.decode(latin) == .str("é"))
        let asBytes = DumpDecoder(options: DecodingOptions(py3strAsPy2str: true))
        #expect(try asBytes.decode(bytes("4e00000002c3a951")) == .py2str([0xC3, 0xA9]))
    }

    @Test func integerDigitLimitIsConfigurable() throws {
        let digits = [UInt8](repeating: UInt8(ascii: "7"), count: 5000)
        var input: [UInt8] = [Opcode.longInt.rawValue, 0, 0, 0x13, 0x88] + digits
        input.append(Opcode.stop.rawValue)
        #expect(throws: DumpDecodingError.self) { try DumpDecoder().decode(input) }
        let unlimited = DumpDecoder(options: DecodingOptions(limits: DecodingLimits(maxIntegerDigits: nil)))
        let value = try unlimited.decode(input)
        #expect(value.integer?.description == String(decoding: digits, as: UTF8.self))
        #expect(try DumpEncoder().encode(value) == input)
    }
}

@Test func opcodeFromByteAgreesWithRawValueForEveryByte() {
    for byte in 0...255 {
        #expect(Opcode(byte: UInt8(byte)) == Opcode(rawValue: UInt8(byte)))
    }
}
