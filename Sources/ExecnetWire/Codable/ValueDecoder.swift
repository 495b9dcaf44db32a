/// The `Decoder` a value's `init(from:)` reads from: one per value that goes
/// through its own Codable conformance.
struct ValueDecoder: Decoder {
    let value: PyValue
    let codingPath: [any CodingKey]
    let options: PyValueDecoder

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let dict = value.dictValue else {
            throw DecodingError.mismatch(PyDict.self, expected: "dict", found: value, codingPath: codingPath)
        }
        return KeyedDecodingContainer(KeyedValueDecoding<Key>(dict: dict, options: options, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = value.items else {
            throw DecodingError.mismatch(PyItems.self, expected: "list", found: value, codingPath: codingPath)
        }
        return UnkeyedValueDecoding(items: items, options: options, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueDecoding(decoder: self)
    }
}

extension PyValueDecoder {
    /// `value` decoded as `type` at `codingPath`.
    package func unbox<T: Decodable>(_ type: T.Type, from value: PyValue, codingPath: [any CodingKey]) throws -> T {
        if let direct = T.self as? any PyValueDecodable.Type {
            // The cast back cannot fail: `direct` is `T`.
            return try direct.init(pyValue: value, decoder: self, codingPath: codingPath) as! T
        }
        return try T(from: ValueDecoder(value: value, codingPath: codingPath, options: self))
    }
}
