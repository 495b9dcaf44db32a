extension PyValue {
    /// The kind and a short repr of a value, for error messages:
    /// "str 'abc'", "long 5", "Python 2 str b'\xff'", "None".
    package var foundDescription: String {
        let kind: String
        switch self {
        case .none: return "None"
        case .py2str: kind = "Python 2 str"
        default: kind = typeName
        }
        let limit = 60
        var repr = description
        if repr.count > limit { repr = repr.prefix(limit) + "…" }
        return "\(kind) \(repr)"
    }
}

extension DecodingError {
    /// `value` is not what `type` decodes from. None is reported as
    /// `valueNotFound`, anything else as `typeMismatch`.
    package static func mismatch(
        _ type: Any.Type, expected: String, found value: PyValue, codingPath: [any CodingKey]
    ) -> DecodingError {
        let context = Context(codingPath: codingPath, debugDescription: "expected \(expected), found \(value.foundDescription)")
        return value.isNone ? .valueNotFound(type, context) : .typeMismatch(type, context)
    }

    package static func corrupted(_ message: String, codingPath: [any CodingKey]) -> DecodingError {
        .dataCorrupted(Context(codingPath: codingPath, debugDescription: message))
    }
}
