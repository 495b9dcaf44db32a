/// The serializer's opcodes: one byte each, `@` (0x40) to `T` (0x54).
public enum Opcode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case buildTuple = 0x40  // @
    case bytes = 0x41  // A
    case channel = 0x42  // B
    case `false` = 0x43  // C
    case float = 0x44  // D
    case frozenset = 0x45  // E
    case int = 0x46  // F
    case long = 0x47  // G
    case longInt = 0x48  // H
    case longLong = 0x49  // I
    case newDict = 0x4A  // J
    case newList = 0x4B  // K
    case none = 0x4C  // L
    case py2String = 0x4D  // M
    case py3String = 0x4E  // N
    case set = 0x4F  // O
    case setItem = 0x50  // P
    case stop = 0x51  // Q
    case `true` = 0x52  // R
    case unicode = 0x53  // S
    case complex = 0x54  // T

    /// `Opcode(rawValue:)` without its switch, for the decoder's hot loop.
    /// Cases are declared in raw-value order from 0x40, so a payload-free
    /// enum's tag (its declaration index) is the byte minus 0x40; a test
    /// checks this against `init(rawValue:)` for all 256 bytes.
    @inline(__always)
    init?(byte: UInt8) {
        let index = byte &- 0x40
        guard index < 21 else { return nil }
        self = unsafeBitCast(index, to: Opcode.self)
    }

    /// The upper-case name execnet gives the opcode, e.g. `BUILDTUPLE`.
    public var name: String {
        switch self {
        case .buildTuple: return "BUILDTUPLE"
        case .bytes: return "BYTES"
        case .channel: return "CHANNEL"
        case .false: return "FALSE"
        case .float: return "FLOAT"
        case .frozenset: return "FROZENSET"
        case .int: return "INT"
        case .long: return "LONG"
        case .longInt: return "LONGINT"
        case .longLong: return "LONGLONG"
        case .newDict: return "NEWDICT"
        case .newList: return "NEWLIST"
        case .none: return "NONE"
        case .py2String: return "PY2STRING"
        case .py3String: return "PY3STRING"
        case .set: return "SET"
        case .setItem: return "SETITEM"
        case .stop: return "STOP"
        case .true: return "TRUE"
        case .unicode: return "UNICODE"
        case .complex: return "COMPLEX"
        }
    }

    public var description: String { "\(name) (\(Character(UnicodeScalar(rawValue))))" }
}

/// The framing of a dump: bare inside messages, or led by a version byte
/// for `dumps`/`loads`.
public enum DumpFormat: UInt8, Sendable, CaseIterable {
    /// execnet 1.x `dumps`.
    case version1 = 1
    /// execnet 2.x `dumps`.
    case version2 = 2
}
