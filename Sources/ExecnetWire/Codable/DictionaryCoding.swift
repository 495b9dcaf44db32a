// Dictionaries that map to Python dicts with their own key types. Swift's
// Codable writes an `Int`-keyed dictionary as a keyed container whose keys
// are text, and other integer keys as a list alternating keys and values;
// both become dicts with `int` keys here. `String`-keyed dictionaries are
// decoded here too, so that a key that is not text is an error rather than
// silently dropped.

extension Dictionary: PyValueEncodable where Key: FixedWidthInteger & Encodable, Value: Encodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) throws -> PyValue {
        var entries: [(PyValue, PyValue)] = []
        entries.reserveCapacity(count)
        for (key, value) in self {
            entries.append((.int(PyInt(key)), try encoder.box(value, codingPath: codingPath + [PyCodingKey(integer: key)])))
        }
        return .dict(PyDict(entries))
    }
}

extension Dictionary: PyValueDecodable where Key: Decodable, Value: Decodable {
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        if Key.self == String.self {
            self = try Self.decodeEntries(of: pyValue, decoder: decoder, codingPath: codingPath) { key in
                let text = try String(pyValue: key, decoder: decoder, codingPath: codingPath)
                return (PyCodingKey(stringValue: text), text as! Key)
            }
        } else if let integerKey = Key.self as? any (FixedWidthInteger & PyValueDecodable).Type {
            self = try Self.decodeEntries(of: pyValue, decoder: decoder, codingPath: codingPath) { key in
                let integer = try integerKey.init(pyValue: key, decoder: decoder, codingPath: codingPath)
                return (PyCodingKey(integer: integer), integer as! Key)
            }
        } else {
            // Swift's own form for other keys: a list alternating keys and values.
            self = try Self(from: ValueDecoder(value: pyValue, codingPath: codingPath, options: decoder))
        }
    }

    private static func decodeEntries(
        of pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey],
        key decodeKey: (PyValue) throws -> (PyCodingKey, Key)
    ) throws -> Self {
        guard let dict = pyValue.dictValue else {
            throw DecodingError.mismatch(Self.self, expected: "dict", found: pyValue, codingPath: codingPath)
        }
        var result: Self = [:]
        result.reserveCapacity(dict.count)
        for (key, value) in dict {
            let (codingKey, decodedKey) = try decodeKey(key)
            // A later entry for the same key wins, as when Python builds the dict.
            result[decodedKey] = try decoder.unbox(Value.self, from: value, codingPath: codingPath + [codingKey])
        }
        return result
    }
}
