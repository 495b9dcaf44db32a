/// The `Encoder` a value's `encode(to:)` writes into: one per value that
/// goes through its own Codable conformance.
final class ValueEncoder: Encoder {
    let options: PyValueEncoder
    let codingPath: [any CodingKey]
    private var slot: EncodedSlot?

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(options: PyValueEncoder, codingPath: [any CodingKey]) {
        self.options = options
        self.codingPath = codingPath
    }

    /// What was encoded; a value that encoded nothing is an empty dict, as
    /// with JSONEncoder.
    var finished: PyValue { slot?.finished ?? .dict(PyDict()) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let dict: EncodedDict
        switch slot {
        case nil:
            dict = EncodedDict()
            slot = .dict(dict)
        case .dict(let existing)?:
            dict = existing
        default:
            preconditionFailure("PyValueEncoder: a keyed container was asked for where another kind of value was already encoded")
        }
        return KeyedEncodingContainer(KeyedValueEncoding(options: options, dict: dict, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let list: EncodedList
        switch slot {
        case nil:
            list = EncodedList()
            slot = .list(list)
        case .list(let existing)?:
            list = existing
        default:
            preconditionFailure("PyValueEncoder: an unkeyed container was asked for where another kind of value was already encoded")
        }
        return UnkeyedValueEncoding(options: options, list: list, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueEncoding(encoder: self)
    }

    /// Stores a single value; containers already obtained here make that a
    /// programming error, as in JSONEncoder.
    func store(_ value: PyValue) {
        switch slot {
        case nil, .value?: slot = .value(value)
        default: preconditionFailure("PyValueEncoder: a single value was encoded where a container was already made")
        }
    }
}

extension PyValueEncoder {
    /// `value` as a Python value, encoded at `codingPath`.
    package func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> PyValue {
        if let direct = value as? any PyValueEncodable {
            return try direct.pyValue(encoder: self, codingPath: codingPath)
        }
        let encoder = ValueEncoder(options: self, codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.finished
    }
}
