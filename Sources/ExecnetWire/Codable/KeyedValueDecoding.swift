/// Reads a keyed container from a dict. Keys are `str`, Python 2 `unicode`,
/// or ASCII Python 2 `str` (property names, which Python 2 writes as byte
/// strings); other keys, and keys the type does not know, are ignored. A
/// key given twice has the value of its last entry, as in Python.
struct KeyedValueDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let options: PyValueDecoder
    let codingPath: [any CodingKey]
    private let entries: [String: PyValue]
    /// The text keys in wire order, each once.
    private let orderedKeys: [String]

    init(dict: PyDict, options: PyValueDecoder, codingPath: [any CodingKey]) {
        self.options = options
        self.codingPath = codingPath
        var entries: [String: PyValue] = [:]
        var orderedKeys: [String] = []
        entries.reserveCapacity(dict.count)
        for (key, value) in dict {
            guard let name = Self.name(of: key) else { continue }
            if entries.updateValue(value, forKey: name) == nil { orderedKeys.append(name) }
        }
        self.entries = entries
        self.orderedKeys = orderedKeys
    }

    private static func name(of key: PyValue) -> String? {
        switch key {
        case .str(let text), .unicode(let text): return text
        case .py2str(let bytes) where bytes.allSatisfy({ $0 < 0x80 }): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    var allKeys: [Key] { orderedKeys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    private func value(for key: Key) throws -> PyValue {
        guard let value = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, DecodingError.Context(codingPath: codingPath, debugDescription: "no key '\(key.stringValue)' in the dict"))
        }
        return value
    }

    private func take<T: PyValueDecodable>(_ type: T.Type, _ key: Key) throws -> T {
        try T(pyValue: try value(for: key), decoder: options, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(for: key).isNone }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try take(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try take(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try take(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try take(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try take(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try take(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try take(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try take(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try take(type, key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try take(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try take(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try take(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try take(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try take(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try take(type, key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try take(type, key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try options.unbox(type, from: try value(for: key), codingPath: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try nestedDecoder(forKey: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nestedDecoder(forKey: key).unkeyedContainer()
    }

    /// A missing `super` key reads as None, as in JSONDecoder.
    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: entries[PyCodingKey.superKey.stringValue] ?? .none,
                     codingPath: codingPath + [PyCodingKey.superKey], options: options)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: entries[key.stringValue] ?? .none, codingPath: codingPath + [key], options: options)
    }

    private func nestedDecoder(forKey key: Key) throws -> ValueDecoder {
        ValueDecoder(value: try value(for: key), codingPath: codingPath + [key], options: options)
    }
}
