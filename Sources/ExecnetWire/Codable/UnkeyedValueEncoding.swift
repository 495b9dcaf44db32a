/// Writes an unkeyed container into a list.
struct UnkeyedValueEncoding: UnkeyedEncodingContainer {
    let options: PyValueEncoder
    let list: EncodedList
    let codingPath: [any CodingKey]

    var count: Int { list.items.count }

    private var nextPath: [any CodingKey] { codingPath + [PyCodingKey(index: count)] }

    private func put(_ value: some PyValueEncodable) throws {
        list.append(.value(try value.pyValue(encoder: options, codingPath: nextPath)))
    }

    mutating func encodeNil() throws { list.append(.value(.none)) }
    mutating func encode(_ value: Bool) throws { try put(value) }
    mutating func encode(_ value: String) throws { try put(value) }
    mutating func encode(_ value: Double) throws { try put(value) }
    mutating func encode(_ value: Float) throws { try put(value) }
    mutating func encode(_ value: Int) throws { try put(value) }
    mutating func encode(_ value: Int8) throws { try put(value) }
    mutating func encode(_ value: Int16) throws { try put(value) }
    mutating func encode(_ value: Int32) throws { try put(value) }
    mutating func encode(_ value: Int64) throws { try put(value) }
    mutating func encode(_ value: Int128) throws { try put(value) }
    mutating func encode(_ value: UInt) throws { try put(value) }
    mutating func encode(_ value: UInt8) throws { try put(value) }
    mutating func encode(_ value: UInt16) throws { try put(value) }
    mutating func encode(_ value: UInt32) throws { try put(value) }
    mutating func encode(_ value: UInt64) throws { try put(value) }
    mutating func encode(_ value: UInt128) throws { try put(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        list.append(.value(try options.box(value, codingPath: nextPath)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedDict()
        let path = nextPath
        list.append(.dict(nested))
        return KeyedEncodingContainer(KeyedValueEncoding<NestedKey>(options: options, dict: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodedList()
        let path = nextPath
        list.append(.list(nested))
        return UnkeyedValueEncoding(options: options, list: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = ValueEncoder(options: options, codingPath: nextPath)
        list.append(.deferred(encoder))
        return encoder
    }
}
