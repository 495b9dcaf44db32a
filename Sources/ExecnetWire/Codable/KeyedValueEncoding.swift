/// Writes a keyed container into a dict with `str` keys. Nil optionals are
/// written as `None` (not left out, as JSONEncoder does), so that Python
/// code sees every property as a key.
struct KeyedValueEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let options: PyValueEncoder
    let dict: EncodedDict
    let codingPath: [any CodingKey]

    private func put(_ value: some PyValueEncodable, _ key: Key) throws {
        dict.set(.value(try value.pyValue(encoder: options, codingPath: codingPath + [key])), for: key.stringValue)
    }

    private func put<T: Encodable>(ifPresent value: T?, _ key: Key) throws {
        let boxed = try value.map { try options.box($0, codingPath: codingPath + [key]) } ?? .none
        dict.set(.value(boxed), for: key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws { dict.set(.value(.none), for: key.stringValue) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try put(value, key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        dict.set(.value(try options.box(value, codingPath: codingPath + [key])), for: key.stringValue)
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: Int128?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent(_ value: UInt128?, forKey key: Key) throws { try put(ifPresent: value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try put(ifPresent: value, key) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedDict()
        dict.set(.dict(nested), for: key.stringValue)
        return KeyedEncodingContainer(KeyedValueEncoding<NestedKey>(options: options, dict: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = EncodedList()
        dict.set(.list(nested), for: key.stringValue)
        return UnkeyedValueEncoding(options: options, list: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: PyCodingKey.superKey) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key) }

    private func superEncoder(named key: any CodingKey) -> any Encoder {
        let encoder = ValueEncoder(options: options, codingPath: codingPath + [key])
        dict.set(.deferred(encoder), for: key.stringValue)
        return encoder
    }
}
