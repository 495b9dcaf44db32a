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
    private var values: [String: Value] = [:]
    /// The `env:NAME=value` entries, in order.
    public private(set) var environment: [(name: String, value: String)] = []

    public static let knownKeys: Set<String> = [
        "popen", "ssh", "socket", "vagrant_ssh", "python", "chdir", "nice", "id", "execmodel",
        "dont_write_bytecode", "via", "installvia", "ssh_config",
    ]

    public init(_ string: String) throws(XSpecError) {
        self.string = string
        var seenEnvironment: Set<String> = []
        for part in string.split(separator: "//", omittingEmptySubsequences: false) {
            let key: String
            let value: Value
            if let equals = part.firstIndex(of: "=") {
                key = String(part[..<equals])
                value = .text(String(part[part.index(after: equals)...]))
            } else {
                key = String(part)
                value = .flag
            }
            guard let first = key.first else { throw XSpecError(.emptyKey, key: key, spec: string) }
            if first == "_" { throw XSpecError(.reservedKey, key: key, spec: string) }
            if key.hasPrefix("env:") {
                // As in stock, a repeated `env:NAME` is not an error: the last one wins.
                let name = String(key.dropFirst(4))
                let text = value.text ?? "True"
                if seenEnvironment.insert(name).inserted {
                    environment.append((name, text))
                } else if let index = environment.firstIndex(where: { $0.name == name }) {
                    environment[index].value = text
                }
                continue
            }
            // Stock's duplicate check also covers its own attribute `env`.
            guard values[key] == nil, key != "env" else {
                throw XSpecError(.duplicateKey, key: key, spec: string)
            }
            values[key] = value
            keys.append(key)
        }
    }

    /// The value of any key, known or not.
    public subscript(_ key: String) -> Value? { values[key] }

    func text(_ key: String) -> String? {
        switch values[key] {
        case .text(let value): return value
        case .flag: return "True"
        case nil: return nil
        }
    }

    func flag(_ key: String) -> Bool { values[key] != nil }

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
        if copy.values.updateValue(.text(value), forKey: key) == nil { copy.keys.append(key) }
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
