/// A value that execnet's serializer can carry, one case per kind of object
/// its opcodes build.
///
/// The model is lossless: decoding a dump stock execnet wrote and encoding the
/// result gives the same bytes. It therefore keeps distinctions Python 3 folds
/// away: Python 2's `str` (``py2str``) and `unicode` (``unicode``) next to
/// Python 3's `str` (``str``), Python 2's `long` next to `int`, dict entries
/// and set members in wire order, and exact float bits.
///
/// Equality is representational: two values are equal when they encode to
/// the same bytes. So `.int(1) != .long(1)`, `.float(.nan) == .float(.nan)`
/// (same bits), `0.0 != -0.0`, and dicts or sets listing the same members in
/// another order differ. Text compares by its UTF-8 bytes, not by Swift's
/// canonical equivalence. `hash(into:)` follows the same rule.
///
/// Comparing, hashing, describing, encoding and releasing a value never
/// recurse, so values nested arbitrarily deep are safe.
public enum PyValue: Sendable {
    case none
    case bool(Bool)
    /// Python `int` (opcodes INT and LONGINT).
    case int(PyInt)
    /// Python 2 `long` (opcodes LONG and LONGLONG).
    case long(PyInt)
    case float(Double)
    case complex(real: Double, imag: Double)
    /// Python 3 `bytes`.
    case bytes([UInt8])
    /// Python 3 `str`.
    case str(String)
    /// Python 2 `str`: bytes without an encoding.
    case py2str([UInt8])
    /// Python 2 `unicode`.
    case unicode(String)
    case list(PyItems)
    case tuple(PyItems)
    case set(PyItems)
    case frozenset(PyItems)
    case dict(PyDict)
    /// A reference to channel `id` of the gateway the value travels through.
    case channel(id: Int32)

    var containerStorage: PyStorage? {
        switch self {
        case .list(let items), .tuple(let items), .set(let items), .frozenset(let items): return items.storage
        case .dict(let dict): return dict.storage
        default: return nil
        }
    }
}

// MARK: - Typed accessors

extension PyValue {
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The integer of an `int` or `long`.
    public var integer: PyInt? {
        switch self {
        case .int(let i), .long(let i): return i
        default: return nil
        }
    }

    /// The integer of an `int` or `long` when it fits in `Int`.
    public var intValue: Int? { integer?.int }

    public var doubleValue: Double? {
        if case .float(let d) = self { return d }
        return nil
    }

    /// The text of a Python 3 `str` or Python 2 `unicode`.
    public var stringValue: String? {
        switch self {
        case .str(let s), .unicode(let s): return s
        default: return nil
        }
    }

    /// The bytes of a Python 3 `bytes` or Python 2 `str`.
    public var bytesValue: [UInt8]? {
        switch self {
        case .bytes(let b), .py2str(let b): return b
        default: return nil
        }
    }

    /// The elements of a list, tuple, set or frozenset.
    public var items: PyItems? {
        switch self {
        case .list(let i), .tuple(let i), .set(let i), .frozenset(let i): return i
        default: return nil
        }
    }

    public var dictValue: PyDict? {
        if case .dict(let d) = self { return d }
        return nil
    }

    public var channelID: Int32? {
        if case .channel(let id) = self { return id }
        return nil
    }

    /// Element `index` of a list or tuple (Python's negative indices count
    /// from the end); nil when out of range or not a sequence.
    public subscript(index: Int) -> PyValue? {
        switch self {
        case .list(let items), .tuple(let items):
            let position = index < 0 ? items.count + index : index
            return items.indices.contains(position) ? items[position] : nil
        default: return nil
        }
    }

    /// The value for `key` in a dict.
    public subscript(key: PyValue) -> PyValue? { dictValue?[key] }

    /// The value for a text key in a dict.
    public subscript(key: String) -> PyValue? { dictValue?[key] }

    /// The Python type name, as `type(x).__name__` says on the producing side.
    public var typeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .complex: return "complex"
        case .bytes: return "bytes"
        case .str, .py2str: return "str"
        case .unicode: return "unicode"
        case .list: return "list"
        case .tuple: return "tuple"
        case .set: return "set"
        case .frozenset: return "frozenset"
        case .dict: return "dict"
        case .channel: return "Channel"
        }
    }
}

// MARK: - Literals

extension PyValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(PyInt(value)) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(stringLiteral value: String) { self = .str(value) }
    public init(arrayLiteral elements: PyValue...) { self = .list(PyItems(elements)) }
    public init(dictionaryLiteral elements: (PyValue, PyValue)...) { self = .dict(PyDict(elements)) }
}

extension PyValue {
    public init(_ value: Int) { self = .int(PyInt(value)) }
    public init(_ value: Double) { self = .float(value) }
    public init(_ value: String) { self = .str(value) }
    public init(_ value: Bool) { self = .bool(value) }
    public init(bytes: some Sequence<UInt8>) { self = .bytes(Array(bytes)) }
}
