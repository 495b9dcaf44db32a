/// A value under construction. Containers can be nested and handed out
/// before they are filled (`nestedContainer`, `superEncoder`), so the tree
/// holds references until the value that owns it is done.
enum EncodedSlot {
    case value(PyValue)
    case dict(EncodedDict)
    case list(EncodedList)
    /// What an encoder from `superEncoder` encodes, once it has.
    case deferred(ValueEncoder)

    var finished: PyValue {
        switch self {
        case .value(let value):
            return value
        case .dict(let dict):
            return .dict(PyDict(zip(dict.keys.lazy.map { PyValue.str($0) }, dict.values.lazy.map(\.finished))))
        case .list(let list):
            return .list(PyItems(list.items.lazy.map(\.finished)))
        case .deferred(let encoder):
            return encoder.finished
        }
    }
}

/// A keyed container's entries, in the order their keys were first encoded.
final class EncodedDict {
    private(set) var keys: [String] = []
    private(set) var values: [EncodedSlot] = []
    private var positions: [String: Int] = [:]

    /// Encoding a key again replaces its value and keeps its place.
    func set(_ slot: EncodedSlot, for key: String) {
        if let position = positions[key] {
            values[position] = slot
        } else {
            positions[key] = keys.count
            keys.append(key)
            values.append(slot)
        }
    }
}

final class EncodedList {
    private(set) var items: [EncodedSlot] = []

    func append(_ slot: EncodedSlot) { items.append(slot) }
}
