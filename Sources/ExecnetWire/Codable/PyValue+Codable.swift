/// `PyValue` is Codable so that Codable types can hold raw Python values.
/// ``PyValueEncoder`` and ``PyValueDecoder`` pass such values through
/// unchanged; other coders (JSONEncoder, …) have no faithful form for
/// them, so these conformances throw.
extension PyValue: Codable {
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(
            self, EncodingError.Context(codingPath: encoder.codingPath, debugDescription: "a PyValue encodes only through PyValueEncoder"))
    }

    public init(from decoder: any Decoder) throws {
        throw DecodingError.corrupted("a PyValue decodes only through PyValueDecoder", codingPath: decoder.codingPath)
    }
}
