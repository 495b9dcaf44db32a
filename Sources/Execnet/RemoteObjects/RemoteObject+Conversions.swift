import ExecnetWire

// Conversions of results that came back as values. They never ask the
// remote side (initialisers cannot wait): for a proxy they give nil; use
// `try await object.swift.value()` or `.decode(_:)` to fetch its value.

extension Int {
    public init?(_ object: RemoteObject) {
        guard let value = object.localValue?.intValue else { return nil }
        self = value
    }
}

extension Double {
    /// A float, or an int that a Double holds exactly enough.
    public init?(_ object: RemoteObject) {
        guard let value = object.localValue else { return nil }
        if let double = value.doubleValue {
            self = double
        } else if let int = value.intValue {
            self = Double(int)
        } else {
            return nil
        }
    }
}

extension Bool {
    public init?(_ object: RemoteObject) {
        guard let value = object.localValue?.boolValue else { return nil }
        self = value
    }
}

extension String {
    /// A `str` (or a Python 2 byte string that is valid UTF-8).
    public init?(_ object: RemoteObject) {
        guard let value = object.localValue else { return nil }
        switch value {
        case .str(let text), .unicode(let text): self = text
        case .py2str(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
            self = text
        default: return nil
        }
    }
}

extension Array where Element == PyValue {
    /// The members of a tuple result.
    public init?(_ object: RemoteObject) {
        guard let items = object.localValue?.items else { return nil }
        self = Array(items)
    }
}

extension PyValue {
    /// The value of a result that came back as one.
    public init?(_ object: RemoteObject) {
        guard let value = object.localValue else { return nil }
        self = value
    }
}
