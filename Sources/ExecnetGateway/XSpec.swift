/// An execution specification such as `popen//python=python3.12//id=w1`:
/// `key=value` pairs separated by `//`, parsed by execnet's rules.
///
/// A key without `=value` is true; a duplicate key and a key starting with
/// `_` are errors; `env:NAME=value` entries collect into ``environment``.
/// Unknown keys are kept and can be read with ``subscript(_:)``.
public struct XSpec: Sendable, Hashable, CustomStringConvertible {
    /// One value of a spec key: `key=text`, or a bare `key` meaning true.
    public enum Value: Sendable, Hashable {
        case flag
        case text(String)

        public var text: String? {
            if case .text(let value) = self { return value }
            return nil
        }
    }

    /// The spec string as given.
    public let string: String
    /// Keys in the order they appear, `env:` entries excluded.
    public private(set) var keys: [String] = []
    // Keyed by scalars: Python tells canonically equivalent keys apart.
    private var values: [[Unicode.Scalar]: Value] = [:]
    /// The `env:NAME=value` entries, in order.
    public private(set) var environment: [(name: String, value: String)] = []

    public static let knownKeys: Set<String> = [
        "popen", "ssh", "socket", "vagrant_ssh", "python", "chdir", "nice", "id", "execmodel",
        "dont_write_bytecode", "via", "installvia", "ssh_config",
    ]

    public init(_ string: String) throws(XSpecError) {
        self.string = string
        // Python works on code points, so this works on scalars, not
        // Characters: a combining mark after `/`, `=` or `_` must not hide it.
        let scalars = Array(string.unicodeScalars)
        var parts: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        var index = 0
        while index + 1 < scalars.count {
            if scalars[index] == "/" && scalars[index + 1] == "/" {
                parts.append(scalars[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        parts.append(scalars[start...])
        var seenEnvironment: Set<[Unicode.Scalar]> = []
        for part in parts {
            let key: [Unicode.Scalar]
            let value: Value
            if let equals = part.firstIndex(of: "=") {
                key = Array(part[..<equals])
                value = .text(Self.string(part[(equals + 1)...]))
            } else {
                key = Array(part)
                value = .flag
            }
            let keyString = Self.string(key)
            guard let first = key.first else { throw XSpecError(.emptyKey, key: keyString, spec: string) }
            if first == "_" { throw XSpecError(.reservedKey, key: keyString, spec: string) }
            if key.starts(with: "env:".unicodeScalars) {
                // As in stock, a repeated `env:NAME` is not an error: the last one wins.
                let name = Array(key.dropFirst(4))
                let text = value.text ?? "True"
                if seenEnvironment.insert(name).inserted {
                    environment.append((Self.string(name), text))
                } else if let index = environment.firstIndex(where: { $0.name.unicodeScalars.elementsEqual(name) }) {
                    environment[index].value = text
                }
                continue
            }
            // Stock's duplicate check also covers its own attribute `env`.
            guard values[key] == nil, !key.elementsEqual("env".unicodeScalars) else {
                throw XSpecError(.duplicateKey, key: keyString, spec: string)
            }
            values[key] = value
            keys.append(keyString)
        }
    }

    private static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        String(String.UnicodeScalarView(scalars))
    }

    /// The value of any key, known or not.
    public subscript(_ key: String) -> Value? { values[Array(key.unicodeScalars)] }

    func text(_ key: String) -> String? {
        switch self[key] {
        case .text(let value): return value
        case .flag: return "True"
        case nil: return nil
        }
    }

    func flag(_ key: String) -> Bool { self[key] != nil }

    public var popen: Bool { flag("popen") }
    public var ssh: String? { text("ssh") }
    public var socket: String? { text("socket") }
    public var vagrantSSH: String? { text("vagrant_ssh") }
    public var python: String? { text("python") }
    public var chdir: String? { text("chdir") }
    public var nice: String? { text("nice") }
    public var id: String? { text("id") }
    public var execmodel: String? { text("execmodel") }
    public var dontWriteBytecode: Bool { flag("dont_write_bytecode") }
    public var via: String? { text("via") }
    public var installvia: String? { text("installvia") }
    public var sshConfig: String? { text("ssh_config") }

    /// The same spec with `key` set (used to fill in an automatic id).
    public func setting(_ key: String, to value: String) -> XSpec {
        var copy = self
        if copy.values.updateValue(.text(value), forKey: Array(key.unicodeScalars)) == nil { copy.keys.append(key) }
        return copy
    }

    public var description: String { string }

    public static func == (a: XSpec, b: XSpec) -> Bool { a.string == b.string }
    public func hash(into hasher: inout Hasher) { hasher.combine(string) }
}

/// Why a spec string was refused; always names the key.
public struct XSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case emptyKey
        case reservedKey
        case duplicateKey
    }

    public let reason: Reason
    public let key: String
    public let spec: String

    init(_ reason: Reason, key: String, spec: String) {
        self.reason = reason
        self.key = key
        self.spec = spec
    }

    public var description: String {
        switch reason {
        case .emptyKey: return "empty key in spec \(pythonRepr(spec))"
        case .reservedKey: return "\(pythonRepr(key)) is not a valid spec key: keys may not start with '_'"
        case .duplicateKey: return "duplicate key \(pythonRepr(key)) in spec \(pythonRepr(spec))"
        }
    }
}
