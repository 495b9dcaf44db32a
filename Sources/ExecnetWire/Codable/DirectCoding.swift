/// A type the encoder turns into a `PyValue` itself rather than through its
/// `Encodable` conformance: scalars, `PyValue`, integer-keyed dictionaries,
/// and (from the Execnet module, which may import Foundation) Foundation's
/// `Data`, `Date`, `URL`, `UUID` and `Decimal`.
///
/// The encoder finds conformances with a dynamic cast, so a conformance
/// declared in any linked module takes effect: this is how the Foundation
/// mappings reach a wire module that does not import Foundation.
package protocol PyValueEncodable: Encodable {
    func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) throws -> PyValue
}

/// The decoding half of ``PyValueEncodable``: a type the decoder builds
/// from a `PyValue` itself rather than through its `Decodable` conformance.
package protocol PyValueDecodable: Decodable {
    init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws
}

extension PyValue: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) throws -> PyValue { self }

    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        self = pyValue
    }
}
