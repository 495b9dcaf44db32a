/// Encodes `Encodable` values as ``PyValue``s, ready to send on a channel.
///
/// | Swift | Python |
/// |---|---|
/// | struct, class, enum with associated values (a keyed container) | `dict` with `str` keys, in the order the keys were first encoded; a nil optional property is written as `None` |
/// | `superEncoder()` | a nested `dict` under the key `"super"` |
/// | array, set, other unkeyed container | `list` |
/// | `nil` | `None` |
/// | `Bool` | `bool` |
/// | `Int`, `Int8`…`Int128`, `UInt`…`UInt128` | `int` |
/// | `Double` | `float` |
/// | `Float` | `float`: the double nearest the float's shortest decimal text, so `0.1` arrives as `0.1` |
/// | `String` | `str` |
/// | `[String: V]` | `dict` with `str` keys |
/// | `[Int: V]`, and dictionaries with any fixed-width integer key | `dict` with `int` keys |
/// | dictionaries with other keys | Swift's default: a `list` alternating keys and values |
/// | `[UInt8]` | `list` of `int`, like any array (use `Data` or `PyValue.bytes` for `bytes`) |
/// | `PyValue` | itself, unchanged |
///
/// With the Execnet module linked (`import Execnet`), Foundation types map
/// as below; with ExecnetWire alone they use their own Codable forms.
///
/// | Swift | Python |
/// |---|---|
/// | `Data` | `bytes` (``DataEncodingStrategy/bytes``, the default) or a `list` of `int` (``DataEncodingStrategy/list``) |
/// | `Date` | by ``dateEncodingStrategy``: `float` seconds since 1970 (the default), `int` milliseconds since 1970, or ISO 8601 `str` |
/// | `URL` | `str`, its absolute string |
/// | `UUID` | `str`, lowercase with hyphens, as Python's `str(uuid)` |
/// | `Decimal` | `str`, which Python's `decimal.Decimal` reads |
///
/// Errors are Swift's `EncodingError`, with the coding path of the value
/// that failed.
public struct PyValueEncoder: Sendable {
    /// How `Data` is written.
    public enum DataEncodingStrategy: Sendable {
        /// As Python `bytes`.
        case bytes
        /// As a list of ints, 0–255.
        case list
    }

    /// How `Date` is written.
    public enum DateEncodingStrategy: Sendable {
        /// A float: seconds since 1970-01-01T00:00:00Z, as Python's `time.time()`.
        case secondsSince1970
        /// An int: milliseconds since 1970-01-01T00:00:00Z, rounded to the nearest.
        case millisecondsSince1970
        /// A str as Python's `datetime.isoformat()` writes an aware UTC
        /// datetime (`2024-05-06T07:08:09.123456+00:00`, microseconds only when
        /// not zero), which `datetime.fromisoformat` reads on Python 3.7 and later.
        case iso8601
    }

    public var dataEncodingStrategy: DataEncodingStrategy = .bytes
    public var dateEncodingStrategy: DateEncodingStrategy = .secondsSince1970
    /// Handed to every `encode(to:)` as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> PyValue {
        try box(value, codingPath: [])
    }
}
