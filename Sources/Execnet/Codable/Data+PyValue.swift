#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Data: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue {
        switch encoder.dataEncodingStrategy {
        case .bytes: return .bytes(Array(self))
        case .list: return .list(PyItems(lazy.map { .int(PyInt($0)) }))
        }
    }

    /// `bytes`, Python 2 `str`, or a list of ints, whatever the encoder's strategy was.
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        self.init(try [UInt8](pyValue: pyValue, decoder: decoder, codingPath: codingPath))
    }
}
