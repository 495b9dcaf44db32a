#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension UUID: PyValueEncodable, PyValueDecodable {
    /// Lowercase, as Python's `str(uuid.UUID(...))`, so the texts compare equal there.
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .str(uuidString.lowercased()) }

    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        let text = try String(pyValue: pyValue, decoder: decoder, codingPath: codingPath)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.corrupted("expected a UUID, found '\(text)'", codingPath: codingPath)
        }
        self = uuid
    }
}
