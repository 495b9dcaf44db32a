/// Decodes `Decodable` values from ``PyValue``s, such as channel items.
///
/// It reads what ``PyValueEncoder`` writes, and what Python 2 and 3 remotes
/// send for the same data:
///
/// | Swift | Python |
/// |---|---|
/// | struct, class, enum with associated values (a keyed container) | `dict` with `str`, `unicode` or ASCII Python 2 `str` keys; other keys and extra keys are ignored; a missing key throws `DecodingError.keyNotFound` |
/// | `superDecoder()` | the value under the key `"super"` (None when there is none) |
/// | array, set, other unkeyed container | `list`, `tuple`, `set` or `frozenset` |
/// | `nil` (an optional) | `None`, or a missing key |
/// | `Bool` | `bool` only, never an `int` |
/// | `Int`, `Int8`…`Int128`, `UInt`…`UInt128` | `int` or Python 2 `long`, never a `bool`; out of range throws `DecodingError.dataCorrupted` |
/// | `Double`, `Float` | `float`, or an `int` or `long` that converts exactly; a finite float too large for `Float` throws |
/// | `String` | `str`, `unicode`, or Python 2 `str` holding UTF-8 (Python 2 sends plain strings that way); other bytes throw. A channel delivers Python 2 `str` as Latin-1 `str` unless reconfigured with `py2strAsPy3str: false` |
/// | `[String: V]` | `dict` whose keys are text (as for `String`); another key throws |
/// | `[Int: V]`, and dictionaries with any fixed-width integer key | `dict` with `int` or `long` keys |
/// | dictionaries with other keys | Swift's default: a list alternating keys and values |
/// | `[UInt8]` | a list of ints, `bytes`, Python 2 `str`, or text of code points below U+0100 as Latin-1 (a Python 2 byte string under a channel's default `py2strAsPy3str`) |
/// | `PyValue` | any value, unchanged |
///
/// With the Execnet module linked (`import Execnet`), Foundation types map
/// as below; with ExecnetWire alone they use their own Codable forms.
///
/// | Swift | Python |
/// |---|---|
/// | `Data` | as `[UInt8]`, whatever the encoder's strategy was |
/// | `Date` | by ``dateDecodingStrategy``: `float` or `int` seconds since 1970 (the default), `int` or `float` milliseconds, or ISO 8601 text with a UTC offset (`Z` or `±HH:MM`) |
/// | `URL` | text that `URL(string:)` accepts |
/// | `UUID` | text that `UUID(uuidString:)` accepts, either case |
/// | `Decimal` | text in Python's `Decimal` syntax (finite values and `NaN`), `int`, or `float` |
///
/// Errors are Swift's `DecodingError`, with the coding path of the value and
/// what was found there ("expected int, found str 'abc'").
public struct PyValueDecoder: Sendable {
    /// How `Date` is read.
    public enum DateDecodingStrategy: Sendable {
        /// Seconds since 1970-01-01T00:00:00Z, a float or an int.
        case secondsSince1970
        /// Milliseconds since 1970-01-01T00:00:00Z, an int or a float.
        case millisecondsSince1970
        /// ISO 8601 text with a UTC offset, such as Python's `isoformat()`
        /// of an aware datetime; a time without an offset throws, since its
        /// zone is unknown.
        case iso8601
    }

    public var dateDecodingStrategy: DateDecodingStrategy = .secondsSince1970
    /// Handed to every `init(from:)` as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: PyValue) throws -> T {
        try unbox(type, from: value, codingPath: [])
    }
}
