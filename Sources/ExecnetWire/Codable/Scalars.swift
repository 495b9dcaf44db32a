// The scalar mappings. Containers call these directly for the primitive
// overloads; generic values reach them through the dynamic cast.

extension Bool: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .bool(self) }

    /// A Python bool only: `int` is a different type here, though Python's
    /// bool subclasses it.
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        guard case .bool(let value) = pyValue else {
            throw DecodingError.mismatch(Bool.self, expected: "bool", found: pyValue, codingPath: codingPath)
        }
        self = value
    }
}

extension String: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .str(self) }

    /// `str`, Python 2 `unicode`, or a Python 2 `str` holding UTF-8: Python 2
    /// remotes send plain string literals as byte strings.
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        switch pyValue {
        case .str(let text), .unicode(let text):
            self = text
        case .py2str(let bytes):
            if let offset = bytes.withUnsafeBytes({ firstInvalidUTF8Offset($0) }) {
                throw DecodingError.corrupted(
                    "expected UTF-8 text, found Python 2 str not valid UTF-8 at byte \(offset)", codingPath: codingPath)
            }
            self = String(decoding: bytes, as: UTF8.self)
        default:
            throw DecodingError.mismatch(String.self, expected: "str", found: pyValue, codingPath: codingPath)
        }
    }
}

extension Double: PyValueEncodable, PyValueDecodable {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .float(self) }

    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        switch pyValue {
        case .float(let value):
            self = value
        case .int(let integer), .long(let integer):
            guard let value = integer.exactDouble else {
                throw DecodingError.corrupted("int \(integer) does not convert exactly to Double", codingPath: codingPath)
            }
            self = value
        default:
            throw DecodingError.mismatch(Double.self, expected: "float", found: pyValue, codingPath: codingPath)
        }
    }
}

extension Float: PyValueEncodable, PyValueDecodable {
    /// The double nearest the float's shortest decimal text, so that 0.1 as
    /// a `Float` reaches Python as 0.1 rather than 0.10000000149011612.
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue {
        if let nearest = Double(description), Float(nearest) == self { return .float(nearest) }
        return .float(Double(self))
    }

    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        switch pyValue {
        case .float(let value):
            let narrowed = Float(value)
            if narrowed.isInfinite && value.isFinite {
                throw DecodingError.corrupted("float \(pyValue) does not fit in Float", codingPath: codingPath)
            }
            self = narrowed
        case .int(let integer), .long(let integer):
            guard let value = integer.exactDouble.flatMap({ Float(exactly: $0) }) else {
                throw DecodingError.corrupted("int \(integer) does not convert exactly to Float", codingPath: codingPath)
            }
            self = value
        default:
            throw DecodingError.mismatch(Float.self, expected: "float", found: pyValue, codingPath: codingPath)
        }
    }
}

extension PyValueEncodable where Self: FixedWidthInteger {
    package func pyValue(encoder: PyValueEncoder, codingPath: [any CodingKey]) -> PyValue { .int(PyInt(self)) }
}

extension PyValueDecodable where Self: FixedWidthInteger {
    /// An `int` or Python 2 `long` in range; never a bool.
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        guard let integer = pyValue.integer else {
            throw DecodingError.mismatch(Self.self, expected: "int", found: pyValue, codingPath: codingPath)
        }
        guard let value = integer.exactly(Self.self) else {
            throw DecodingError.corrupted("int \(integer) does not fit in \(Self.self)", codingPath: codingPath)
        }
        self = value
    }
}

extension Int: PyValueEncodable, PyValueDecodable {}
extension Int8: PyValueEncodable, PyValueDecodable {}
extension Int16: PyValueEncodable, PyValueDecodable {}
extension Int32: PyValueEncodable, PyValueDecodable {}
extension Int64: PyValueEncodable, PyValueDecodable {}
extension Int128: PyValueEncodable, PyValueDecodable {}
extension UInt: PyValueEncodable, PyValueDecodable {}
extension UInt8: PyValueEncodable, PyValueDecodable {}
extension UInt16: PyValueEncodable, PyValueDecodable {}
extension UInt32: PyValueEncodable, PyValueDecodable {}
extension UInt64: PyValueEncodable, PyValueDecodable {}
extension UInt128: PyValueEncodable, PyValueDecodable {}

extension PyInt {
    /// The value as `T`, when it fits.
    func exactly<T: FixedWidthInteger>(_: T.Type) -> T? {
        if let small = int64 { return T(exactly: small) }
        // Beyond Int64: the text parser checks the range (UInt64's top half, 128-bit types).
        return T(description)
    }

    /// The value as a `Double`, when it converts without rounding.
    var exactDouble: Double? {
        if let small = int64 { return Double(exactly: small) }
        if let wide = Int128(description) { return Double(exactly: wide) }
        return UInt128(description).flatMap { Double(exactly: $0) }
    }
}
