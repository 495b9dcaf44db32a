#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension URL: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .str(absoluteString) }

    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        let text = try String(pyValue: pyValue, decoder: decoder, codingPath: codingPath)
        guard let url = URL(string: text) else {
            throw DecodingError.corrupted("expected a URL, found '\(text)'", codingPath: codingPath)
        }
        self = url
    }
}
