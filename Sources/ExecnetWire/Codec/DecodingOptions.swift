/// Which Python's reading of the loose corners of the format to follow.
public enum PythonDialect: Sendable {
    /// Python 3's `int()`: underscores between digits are allowed.
    case python3
    /// Python 2's `int()`/`long()`: no underscores; LONGLONG text may end in `L`.
    case python2
    /// PyPy 3's `int()`: as Python 3, and whitespace may also follow the sign.
    case pypy3
}

/// How the decoder reads strings and what it refuses.
public struct DecodingOptions: Sendable {
    /// Load Python 2 `str` (PY2STRING) as text decoded from Latin-1, as
    /// execnet's `py2str_as_py3str` does. Off: keep it as ``PyValue/py2str(_:)``.
    public var py2strAsPy3str: Bool
    /// Load Python 3 `str` (PY3STRING) as Python 2 `str` bytes, as execnet's
    /// `py3str_as_py2str` does. Off: keep it as ``PyValue/str(_:)``.
    public var py3strAsPy2str: Bool
    public var dialect: PythonDialect
    /// Whether CHANNEL opcodes are accepted. Stock's gateway-less `loads`
    /// cannot load them; a gateway can.
    public var allowsChannels: Bool
    public var limits: DecodingLimits

    public init(
        py2strAsPy3str: Bool = false, py3strAsPy2str: Bool = false, dialect: PythonDialect = .python3,
        allowsChannels: Bool = true, limits: DecodingLimits = DecodingLimits()
    ) {
        self.py2strAsPy3str = py2strAsPy3str
        self.py3strAsPy2str = py3strAsPy2str
        self.dialect = dialect
        self.allowsChannels = allowsChannels
        self.limits = limits
    }

    /// Lossless decoding, Python 3 rules, default limits.
    public static let lossless = DecodingOptions()
}

/// Bounds that keep hostile input from costing more than its size suggests.
public struct DecodingLimits: Sendable {
    /// Most decimal digits in one LONGINT/LONGLONG; nil for no limit.
    /// Defaults to 4300, CPython's `sys.get_int_max_str_digits()`.
    public var maxIntegerDigits: Int?
    /// NEWLIST pre-fills its list with `length` Nones before any SETITEM, so a
    /// six-byte dump can ask for 2**31-1 slots. The NEWLIST lengths of one
    /// dump may add up to this many slots plus the dump's length in bytes
    /// (every slot a real dump fills costs at least 7 bytes, so real dumps
    /// always fit).
    public var maxListSlots: Int

    public init(maxIntegerDigits: Int? = 4300, maxListSlots: Int = 1 << 20) {
        self.maxIntegerDigits = maxIntegerDigits
        self.maxListSlots = maxListSlots
    }
}
