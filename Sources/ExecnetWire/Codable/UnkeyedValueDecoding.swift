/// Reads an unkeyed container from a list, tuple, set or frozenset.
struct UnkeyedValueDecoding: UnkeyedDecodingContainer {
    let items: PyItems
    let options: PyValueDecoder
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(items: PyItems, options: PyValueDecoder, codingPath: [any CodingKey]) {
        self.items = items
        self.options = options
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var currentPath: [any CodingKey] { codingPath + [PyCodingKey(index: currentIndex)] }

    /// The next item, for a value of `type`; the index moves on only once
    /// the item decoded.
    private func next(for type: Any.Type) throws -> PyValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, DecodingError.Context(codingPath: currentPath, debugDescription: "no item left: the list has \(items.count)"))
        }
        return items[currentIndex]
    }

    private mutating func take<T: PyValueDecodable>(_ type: T.Type) throws -> T {
        let value = try T(pyValue: try next(for: type), decoder: options, codingPath: currentPath)
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard try next(for: Any?.self).isNone else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try take(type) }
    mutating func decode(_ type: String.Type) throws -> String { try take(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try take(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try take(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try take(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try take(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try take(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try take(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try take(type) }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try take(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try take(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try take(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try take(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try take(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try take(type) }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try take(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try options.unbox(type, from: try next(for: type), codingPath: currentPath)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try nextDecoder(for: PyDict.self).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try nextDecoder(for: PyItems.self).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = try nextDecoder(for: PyValue.self)
        currentIndex += 1
        return decoder
    }

    private func nextDecoder(for type: Any.Type) throws -> ValueDecoder {
        ValueDecoder(value: try next(for: type), codingPath: currentPath, options: options)
    }
}
