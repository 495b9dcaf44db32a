#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Date: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) throws -> PyValue {
        switch encoder.dateEncodingStrategy {
        case .secondsSince1970:
            return .float(timeIntervalSince1970)
        case .millisecondsSince1970:
            guard let milliseconds = Int64(exactly: (timeIntervalSince1970 * 1000).rounded()) else {
                throw EncodingError.invalidValue(self, EncodingError.Context(
                    codingPath: codingPath, debugDescription: "\(self) has no 64-bit count of milliseconds since 1970"))
            }
            return .int(PyInt(milliseconds))
        case .iso8601:
            guard let text = ISO8601Text.format(secondsSince1970: timeIntervalSince1970) else {
                throw EncodingError.invalidValue(self, EncodingError.Context(
                    codingPath: codingPath, debugDescription: "\(self) is outside the years 1–9999 that Python's datetime holds"))
            }
            return .str(text)
        }
    }

    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        switch decoder.dateDecodingStrategy {
        case .secondsSince1970:
            self.init(timeIntervalSince1970: try Double(pyValue: pyValue, decoder: decoder, codingPath: codingPath))
        case .millisecondsSince1970:
            self.init(timeIntervalSince1970: try Double(pyValue: pyValue, decoder: decoder, codingPath: codingPath) / 1000)
        case .iso8601:
            let text = try String(pyValue: pyValue, decoder: decoder, codingPath: codingPath)
            guard let seconds = ISO8601Text.parse(text) else {
                throw DecodingError.corrupted(
                    "expected an ISO 8601 date and time with a UTC offset, found '\(text)'", codingPath: codingPath)
            }
            self.init(timeIntervalSince1970: seconds)
        }
    }
}
