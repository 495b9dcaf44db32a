#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Decimal: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .str(description) }

    /// Text in Python's `Decimal` syntax, an int, or a float (by its shortest
    /// decimal text, so 0.1 reads as 0.1).
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        let text: String
        switch pyValue {
        case .int(let integer), .long(let integer): text = integer.description
        case .float(let value) where value.isFinite: text = "\(value)"
        case .float: throw DecodingError.corrupted("Decimal has no \(pyValue)", codingPath: codingPath)
        default: text = try String(pyValue: pyValue, decoder: decoder, codingPath: codingPath)
        }
        if text.lowercased() == "nan" {
            self = .nan
            return
        }
        // Decimal(string:) reads a leading number and ignores what follows, so check the whole text first.
        guard Self.isDecimalNumber(text), let value = Decimal(string: text) else {
            throw DecodingError.corrupted("expected a finite decimal number, found '\(text)'", codingPath: codingPath)
        }
        self = value
    }

    /// `[+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]`
    private static func isDecimalNumber(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
