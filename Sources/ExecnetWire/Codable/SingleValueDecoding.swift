struct SingleValueDecoding: SingleValueDecodingContainer {
    let decoder: ValueDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    private func take<T: PyValueDecodable>(_ type: T.Type) throws -> T {
        try T(pyValue: decoder.value, decoder: decoder.options, codingPath: codingPath)
    }

    func decodeNil() -> Bool { decoder.value.isNone }
    func decode(_ type: Bool.Type) throws -> Bool { try take(type) }
    func decode(_ type: String.Type) throws -> String { try take(type) }
    func decode(_ type: Double.Type) throws -> Double { try take(type) }
    func decode(_ type: Float.Type) throws -> Float { try take(type) }
    func decode(_ type: Int.Type) throws -> Int { try take(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try take(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try take(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try take(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try take(type) }
    func decode(_ type: Int128.Type) throws -> Int128 { try take(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try take(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try take(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try take(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try take(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try take(type) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try take(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.options.unbox(type, from: decoder.value, codingPath: codingPath)
    }
}
