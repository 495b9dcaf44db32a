import ExecnetWire
import Testing

private struct Address: Codable, Equatable {
    var street: String
    var unit: Int?
}

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(Double, Double)
    case empty
}

private struct Person: Codable, Equatable {
    var name: String
    var age: UInt8
    var tags: [String]
    var address: Address?
    var previous: [Address]
    var scores: [String: Double]
    var labels: [Int: String]
    var grid: [[Int]]
    var shape: Shape
    var raw: PyValue
}

private let ada = Person(
    name: "Ada", age: 36, tags: ["math", "engines"],
    address: Address(street: "St James's Square", unit: nil),
    previous: [Address(street: "Marylebone", unit: 12)],
    scores: ["analysis": 9.5], labels: [1: "one", -2: "minus two"],
    grid: [[1, 2], [], [3]], shape: .rect(2, 3.5),
    raw: .tuple([.py2str([0xFF]), .long(5), .complex(real: 1, imag: -1)]))

/// The path of a decoding error, as key strings.
private func path(of error: any Error) -> [String]? {
    let context: DecodingError.Context
    switch error as? DecodingError {
    case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?: context = c
    case .keyNotFound(let key, let c)?: return c.codingPath.map(\.stringValue) + [key.stringValue]
    default: return nil
    }
    return context.codingPath.map(\.stringValue)
}

private func message(of error: any Error) -> String? {
    switch error as? DecodingError {
    case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?, .keyNotFound(_, let c)?:
        return c.debugDescription
    default: return nil
    }
}

/// The error decoding `value` as `type` throws.
private func decodingError<T: Decodable>(_ type: T.Type, _ value: PyValue) -> (any Error)? {
    do {
        _ = try PyValueDecoder().decode(type, from: value)
        return nil
    } catch {
        return error
    }
}

private struct Holder<T: Codable & Equatable>: Codable, Equatable {
    var value: T
}

@Suite struct CodableTests {
    @Test func nestedStructRoundTrips() throws {
        let encoded = try PyValueEncoder().encode(ada)
        #expect(try PyValueDecoder().decode(Person.self, from: encoded) == ada)
    }

    @Test func structsBecomeDictsInDeclarationOrder() throws {
        let encoded = try PyValueEncoder().encode(ada)
        #expect(encoded.dictValue?.keys == ["name", "age", "tags", "address", "previous", "scores", "labels", "grid", "shape", "raw"])
        #expect(encoded["name"] == .str("Ada"))
        #expect(encoded["age"] == .int(36))
        #expect(encoded["tags"] == ["math", "engines"])
        // A nil optional is written as None, not left out.
        #expect(encoded["address"] == ["street": "St James's Square", "unit": .none])
        #expect(encoded["previous"] == [["street": "Marylebone", "unit": 12]])
        #expect(encoded["scores"] == ["analysis": 9.5])
        #expect(encoded["grid"] == [[1, 2], [], [3]])
        #expect(encoded["shape"] == ["rect": ["_0": 2.0, "_1": 3.5]])
        #expect(encoded["raw"] == ada.raw)
        let labels = try #require(encoded["labels"]?.dictValue)
        #expect(labels.count == 2 && labels[.int(1)] == "one" && labels[.int(-2)] == "minus two")
    }

    @Test func enumsWithAssociatedValuesRoundTrip() throws {
        for shape in [Shape.circle(radius: 1.5), .rect(1, 2), .empty] {
            #expect(try PyValueDecoder().decode(Shape.self, from: PyValueEncoder().encode(shape)) == shape)
        }
        #expect(try PyValueEncoder().encode(Shape.circle(radius: 1.5)) == ["circle": ["radius": 1.5]])
        #expect(try PyValueEncoder().encode(Shape.empty) == ["empty": [:]])
    }

    @Test func optionalsAreNone() throws {
        #expect(try PyValueEncoder().encode([1, nil, 3] as [Int?]) == [1, .none, 3])
        #expect(try PyValueEncoder().encode(Int?.none) == .none)
        #expect(try PyValueDecoder().decode([Int?].self, from: [.none, 2]) == [nil, 2])
        // A missing key and None both decode as nil.
        #expect(try PyValueDecoder().decode(Address.self, from: ["street": "a"]) == Address(street: "a"))
        #expect(try PyValueDecoder().decode(Address.self, from: ["street": "a", "unit": .none]) == Address(street: "a"))
    }

    @Test func everyIntegerWidthRoundTrips() throws {
        func check<T: FixedWidthInteger & Codable>(_: T.Type) throws {
            for extreme in [T.min, T.max, 0] {
                let encoded = try PyValueEncoder().encode(extreme)
                #expect(encoded == .int(PyInt(extreme)))
                #expect(try PyValueDecoder().decode(T.self, from: encoded) == extreme)
                #expect(try PyValueDecoder().decode(T.self, from: .long(PyInt(extreme))) == extreme)
            }
        }
        try check(Int.self); try check(Int8.self); try check(Int16.self); try check(Int32.self)
        try check(Int64.self); try check(Int128.self)
        try check(UInt.self); try check(UInt8.self); try check(UInt16.self); try check(UInt32.self)
        try check(UInt64.self); try check(UInt128.self)
        #expect(try PyValueEncoder().encode(UInt128.max) == .int(PyInt(decimal: "340282366920938463463374607431768211455")!))
    }

    @Test func integersOutOfRangeNameThePath() throws {
        func expectOverflow<T: FixedWidthInteger & Codable>(_: T.Type, _ values: [String]) {
            for text in values {
                let error = decodingError(Holder<[T]>.self, ["value": [0, .int(PyInt(decimal: text)!)]])
                guard case .dataCorrupted? = error as? DecodingError else {
                    Issue.record("\(T.self) from \(text): \(String(describing: error))")
                    continue
                }
                #expect(path(of: error!) == ["value", "Index 1"])
                #expect(message(of: error!) == "int \(text) does not fit in \(T.self)")
            }
        }
        let beyond = "1" + String(repeating: "0", count: 40)
        expectOverflow(Int8.self, ["128", "-129", beyond])
        expectOverflow(Int16.self, ["32768", "-32769"])
        expectOverflow(Int32.self, ["2147483648", "-2147483649"])
        expectOverflow(Int64.self, ["9223372036854775808", "-9223372036854775809"])
        expectOverflow(Int.self, ["9223372036854775808", "-9223372036854775809"])
        expectOverflow(Int128.self, ["170141183460469231731687303715884105728", "-170141183460469231731687303715884105729"])
        expectOverflow(UInt8.self, ["256", "-1"])
        expectOverflow(UInt16.self, ["65536", "-1"])
        expectOverflow(UInt32.self, ["4294967296", "-1"])
        expectOverflow(UInt64.self, ["18446744073709551616", "-1"])
        expectOverflow(UInt.self, ["18446744073709551616", "-1"])
        expectOverflow(UInt128.self, ["340282366920938463463374607431768211456", "-1", beyond])

        struct Inner: Codable { var small: Int8 }
        struct Outer: Codable { var inner: Inner }
        let error = try #require(decodingError(Outer.self, ["inner": ["small": 300]]))
        #expect(path(of: error) == ["inner", "small"])
    }

    @Test func boolsAndIntsStayApart() throws {
        #expect(try PyValueEncoder().encode(true) == .bool(true))
        #expect(try PyValueEncoder().encode(1) == .int(1))

        let intFromBool = try #require(decodingError(Holder<Int>.self, ["value": true]))
        guard case .typeMismatch? = intFromBool as? DecodingError else { Issue.record("\(intFromBool)"); return }
        #expect(message(of: intFromBool) == "expected int, found bool True")
        #expect(path(of: intFromBool) == ["value"])

        let boolFromInt = try #require(decodingError(Holder<Bool>.self, ["value": 1]))
        guard case .typeMismatch? = boolFromInt as? DecodingError else { Issue.record("\(boolFromInt)"); return }
        #expect(message(of: boolFromInt) == "expected bool, found int 1")
        #expect(decodingError(Holder<Double>.self, ["value": false]) != nil)
    }

    @Test func mismatchesSayWhatWasFound() throws {
        let error = try #require(decodingError(Holder<[Int]>.self, ["value": [1, "abc"]]))
        guard case .typeMismatch? = error as? DecodingError else { Issue.record("\(error)"); return }
        #expect(message(of: error) == "expected int, found str 'abc'")
        #expect(path(of: error) == ["value", "Index 1"])

        let none = try #require(decodingError(Holder<String>.self, ["value": .none]))
        guard case .valueNotFound? = none as? DecodingError else { Issue.record("\(none)"); return }
        #expect(message(of: none) == "expected str, found None")

        let notADict = try #require(decodingError(Address.self, [1, 2]))
        #expect(message(of: notADict) == "expected dict, found list [1, 2]")
        let long = try #require(decodingError(String.self, .list(PyItems((0..<100).map { PyValue($0) }))))
        #expect(message(of: long)?.hasSuffix("…") == true)
    }

    @Test func missingKeysThrowAndExtraKeysAreIgnored() throws {
        #expect(try PyValueDecoder().decode(Address.self, from: ["street": "a", "unit": 2, "extra": [1]]) == Address(street: "a", unit: 2))
        struct Outer: Codable { var home: Address }
        let error = try #require(decodingError(Outer.self, ["home": ["unit": 1]]))
        guard case .keyNotFound(let key, let context)? = error as? DecodingError else { Issue.record("\(error)"); return }
        #expect(key.stringValue == "street")
        #expect(context.codingPath.map(\.stringValue) == ["home"])
    }

    @Test func floats() throws {
        #expect(try PyValueEncoder().encode(1.5) == .float(1.5))
        #expect(try PyValueEncoder().encode(Float(0.1)) == .float(0.1))
        #expect(try PyValueDecoder().decode(Float.self, from: .float(0.1)) == Float(0.1))
        #expect(try PyValueDecoder().decode(Double.self, from: .int(3)) == 3)
        #expect(try PyValueDecoder().decode(Double.self, from: .long(PyInt(decimal: "18446744073709551616")!)) == 0x1p64)
        #expect(try PyValueDecoder().decode(Float.self, from: .int(16_777_216)) == 16_777_216)
        #expect(decodingError(Double.self, .int(PyInt((1 << 53) + 1))) != nil)
        #expect(decodingError(Float.self, .int(16_777_217)) != nil)
        #expect(decodingError(Float.self, .float(1e300)) != nil)
        #expect(try PyValueDecoder().decode(Double.self, from: .float(.infinity)) == .infinity)
        #expect(decodingError(Int.self, .float(1.0)) != nil)
    }

    @Test func strings() throws {
        #expect(try PyValueEncoder().encode("é") == .str("é"))
        #expect(try PyValueDecoder().decode(String.self, from: .unicode("é")) == "é")
        #expect(try PyValueDecoder().decode(String.self, from: .py2str(Array("é".utf8))) == "é")
        let invalid = try #require(decodingError(String.self, .py2str([0x61, 0xFF])))
        guard case .dataCorrupted? = invalid as? DecodingError else { Issue.record("\(invalid)"); return }
        #expect(message(of: invalid) == "expected UTF-8 text, found Python 2 str not valid UTF-8 at byte 1")
        let bytes = try #require(decodingError(String.self, .bytes([0x61])))
        #expect(message(of: bytes) == "expected str, found bytes b'a'")
    }

    /// What a Python 2 remote sends for the same data: unicode and byte-string
    /// keys, byte-string text, longs, tuples and sets for arrays.
    @Test func decodesPython2Shapes() throws {
        let fromPython2: PyValue = .dict(PyDict([
            (.unicode("name"), .py2str(Array("Ada".utf8))),
            (.py2str(Array("age".utf8)), .long(36)),
            (.unicode("tags"), .tuple([.unicode("math"), .py2str(Array("engines".utf8))])),
            (.py2str(Array("address".utf8)), .dict(PyDict([(.unicode("street"), .unicode("St James's Square"))]))),
            (.unicode("previous"), .list([.dict(PyDict([(.py2str(Array("street".utf8)), .py2str(Array("Marylebone".utf8))),
                                                       (.py2str(Array("unit".utf8)), .long(12))]))])),
            (.unicode("scores"), .dict(PyDict([(.py2str(Array("analysis".utf8)), .float(9.5))]))),
            (.unicode("labels"), .dict(PyDict([(.long(1), .unicode("one")), (.int(-2), .py2str(Array("minus two".utf8)))]))),
            (.unicode("grid"), .tuple([.tuple([.int(1), .long(2)]), .frozenset([]), .set([.int(3)])])),
            (.unicode("shape"), .dict(PyDict([(.py2str(Array("rect".utf8)), .dict(PyDict([(.unicode("_0"), .int(2)), (.unicode("_1"), .float(3.5))])))]))),
            (.unicode("raw"), ada.raw),
        ]))
        #expect(try PyValueDecoder().decode(Person.self, from: fromPython2) == ada)
    }

    @Test func onlyASCIIByteStringKeysNameProperties() throws {
        struct Accented: Codable, Equatable { var café: Int }
        #expect(try PyValueDecoder().decode(Accented.self, from: .dict(PyDict([(.unicode("café"), 1)]))) == Accented(café: 1))
        let error = try #require(decodingError(Accented.self, .dict(PyDict([(.py2str(Array("café".utf8)), 1)]))))
        guard case .keyNotFound? = error as? DecodingError else { Issue.record("\(error)"); return }
    }

    @Test func integerKeyedDictionaries() throws {
        let labels: [Int: String] = [1: "a", 20: "b"]
        let encoded = try PyValueEncoder().encode(labels)
        #expect(Set(try #require(encoded.dictValue).keys) == [.int(1), .int(20)])
        #expect(try PyValueDecoder().decode([Int: String].self, from: encoded) == labels)

        let bytes: [UInt8: Int] = [0: 1, 255: 2]
        #expect(try PyValueDecoder().decode([UInt8: Int].self, from: PyValueEncoder().encode(bytes)) == bytes)
        #expect(try PyValueEncoder().encode([UInt64.max: true]) == .dict(PyDict([(.int(PyInt(UInt64.max)), .bool(true))])))

        let textKey = try #require(decodingError([Int: String].self, ["1": "a"]))
        #expect(message(of: textKey) == "expected int, found str '1'")
        let outOfRange = try #require(decodingError(Holder<[UInt8: Int]>.self, ["value": [256: 1]]))
        #expect(path(of: outOfRange) == ["value"])
        let badValue = try #require(decodingError(Holder<[Int: Int]>.self, ["value": [7: "x"]]))
        #expect(path(of: badValue) == ["value", "7"])
    }

    @Test func textKeyedDictionaries() throws {
        let scores: [String: [Int]] = ["a": [1], "b": []]
        let encoded = try PyValueEncoder().encode(scores)
        #expect(Set(try #require(encoded.dictValue).keys) == ["a", "b"])
        #expect(try PyValueDecoder().decode([String: [Int]].self, from: encoded) == scores)
        #expect(try PyValueDecoder().decode([String: Int].self, from: .dict(PyDict([(.unicode("u"), 1), (.py2str([0x62]), 2)]))) == ["u": 1, "b": 2])
        // Not silently dropped.
        let intKey = try #require(decodingError([String: Int].self, [1: 1]))
        #expect(message(of: intKey) == "expected str, found int 1")
    }

    @Test func otherDictionaryKeysUseSwiftsDefault() throws {
        let flags: [Bool: Int] = [true: 1]
        #expect(try PyValueEncoder().encode(flags) == [true, 1])
        #expect(try PyValueDecoder().decode([Bool: Int].self, from: [false, 0]) == [false: 0])
    }

    @Test func byteArrays() throws {
        #expect(try PyValueEncoder().encode([UInt8]([1, 255])) == [1, 255])
        #expect(try PyValueDecoder().decode([UInt8].self, from: [1, 255]) == [1, 255])
        #expect(try PyValueDecoder().decode([UInt8].self, from: .bytes([1, 255])) == [1, 255])
        #expect(try PyValueDecoder().decode([UInt8].self, from: .py2str([0xFF])) == [255])
        #expect(try PyValueDecoder().decode([UInt8].self, from: .unicode("a\u{FF}")) == [0x61, 0xFF])
        #expect(decodingError([UInt8].self, "\u{100}") != nil)
        let error = try #require(decodingError([UInt8].self, [1, 256]))
        #expect(path(of: error) == ["Index 1"])
    }

    @Test func unkeyedContainersReadEverySequenceKind() throws {
        for value: PyValue in [.list([1, 2]), .tuple([1, 2]), .set([1, 2]), .frozenset([1, 2])] {
            #expect(try PyValueDecoder().decode([Int].self, from: value) == [1, 2])
        }
        #expect(decodingError([Int].self, ["a": 1]) != nil)
        struct Pair: Decodable {
            var a: Int, b: Int
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                a = try container.decode(Int.self)
                b = try container.decode(Int.self)
            }
        }
        let short = try #require(decodingError(Pair.self, .tuple([1])))
        guard case .valueNotFound? = short as? DecodingError else { Issue.record("\(short)"); return }
        #expect(path(of: short) == ["Index 1"])
    }

    @Test func pyValuesPassThrough() throws {
        let odd: [PyValue] = [.py2str([0x80]), .unicode("u"), .long(1), .complex(real: 0, imag: 1), .set([1, 1]), .channel(id: 3), .none]
        for value in odd {
            #expect(try PyValueEncoder().encode(value) == value)
            #expect(try PyValueDecoder().decode(PyValue.self, from: value) == value)
            #expect(try PyValueEncoder().encode(Holder(value: value)) == ["value": value])
            #expect(try PyValueDecoder().decode(Holder<PyValue>.self, from: ["value": value]) == Holder(value: value))
        }
        #expect(try PyValueEncoder().encode(odd) == .list(PyItems(odd)))
    }

    @Test func superEncoderNestsUnderSuper() throws {
        let encoded = try PyValueEncoder().encode(Derived(id: 1, label: "x"))
        #expect(encoded == ["label": "x", "super": ["id": 1]])
        let decoded = try PyValueDecoder().decode(Derived.self, from: encoded)
        #expect(decoded.id == 1 && decoded.label == "x")
        let missing = try #require(decodingError(Derived.self, ["label": "x"]))
        #expect(path(of: missing) == ["super"])
    }

    @Test func userInfoReachesTheCodingKeys() throws {
        struct Probe: Codable {
            static let key = CodingUserInfoKey(rawValue: "probe")!
            var seen: String
            init(seen: String) { self.seen = seen }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(encoder.userInfo[Self.key] as? String ?? "none")
            }
            init(from decoder: any Decoder) throws { seen = decoder.userInfo[Self.key] as? String ?? "none" }
        }
        var encoder = PyValueEncoder()
        encoder.userInfo[Probe.key] = "on"
        #expect(try encoder.encode([Probe(seen: "")]) == ["on"])
        var decoder = PyValueDecoder()
        decoder.userInfo[Probe.key] = "in"
        #expect(try decoder.decode([Probe].self, from: [.none]).map(\.seen) == ["in"])
    }
}

private class Base: Codable {
    var id: Int
    init(id: Int) { self.id = id }
}

private final class Derived: Base {
    var label: String
    private enum CodingKeys: String, CodingKey { case label }

    init(id: Int, label: String) {
        self.label = label
        super.init(id: id)
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decode(String.self, forKey: .label)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try super.encode(to: container.superEncoder())
    }
}
