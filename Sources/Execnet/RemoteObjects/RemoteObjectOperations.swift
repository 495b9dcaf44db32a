import ExecnetWire

/// The Swift-side API of a ``RemoteObject`` (reached as `object.swift`), kept
/// apart so that it never shadows a Python attribute.
public struct RemoteObjectOperations: Sendable {
    let object: RemoteObject
    var connection: AgentConnection { object.agentConnection }

    // MARK: What it is

    /// True when the object is a value held here (a result that was an
    /// immutable builtin), false for a proxy or an attribute not yet looked up.
    public var isValue: Bool { object.localValue != nil }

    /// The remote type's name of a proxy (`list`, `module`), or of a value.
    public var typeName: String? {
        guard object.lookupPath.isEmpty else { return nil }
        switch object.agentTarget {
        case .handle(let handle): return handle.typeName
        case .value(let value): return value.typeName
        case .module: return "module"
        case .builtins: return "module"
        }
    }

    /// The number the agent's table knows a proxy by (nil for anything else).
    public var objectID: Int? { object.lookupPath.isEmpty ? object.agentHandle?.id : nil }

    // MARK: Attributes and calls

    /// The attribute `name` (looked up when used), for names that the Swift
    /// API shadows, such as `swift`.
    public func attribute(_ name: String) -> RemoteObject { object[dynamicMember: name] }

    /// This object itself, its attribute chain looked up now: a proxy or a value.
    public func get() async throws -> RemoteObject {
        if object.lookupPath.isEmpty, case .handle = object.agentTarget { return object }
        if let value = object.localValue { return RemoteObject(connection: connection, value: value) }
        return try connection.object(from: try await object.agentRequest("get"))
    }

    public func setAttribute(_ name: String, to value: some RemoteArgumentConvertible) async throws {
        var held: [ObjectHandle] = []
        let tagged = try value.remoteArgument.tagged(connection, holding: &held)
        let target = object[dynamicMember: name]
        _ = try await target.agentRequest("set", [tagged], holding: held)
    }

    public func deleteAttribute(_ name: String) async throws {
        _ = try await object[dynamicMember: name].agentRequest("del")
    }

    /// Calls the object: `call([1, 2], keywords: [("reverse", true)])`.
    @discardableResult
    public func call(
        _ arguments: [any RemoteArgumentConvertible] = [],
        keywords: [(String, any RemoteArgumentConvertible)] = []
    ) async throws -> RemoteObject {
        var held: [ObjectHandle] = []
        let positional = try arguments.map { try $0.remoteArgument.tagged(connection, holding: &held) }
        var named: [PyValue] = []
        named.reserveCapacity(keywords.count * 2)
        for (name, value) in keywords {
            named.append(.str(name))
            named.append(try value.remoteArgument.tagged(connection, holding: &held))
        }
        // Empty argument lists are left out: the smaller the request, the
        // less the remote's loader has to do (protocol-spec.md §5.2).
        var arguments: [PyValue] = []
        if !positional.isEmpty || !named.isEmpty { arguments.append(.list(PyItems(positional))) }
        if !named.isEmpty { arguments.append(.list(PyItems(named))) }
        let reply: AgentReply
        if let handle = object.agentHandle {
            held.append(handle)
            reply = try await connection.call(handle.id, path: object.wirePath, arguments, holding: held)
        } else {
            reply = try await object.agentRequest("call", arguments, holding: held)
        }
        return try connection.object(from: reply)
    }

    // MARK: Items

    /// `object[key]`.
    public func item(_ key: some RemoteArgumentConvertible) async throws -> RemoteObject {
        var held: [ObjectHandle] = []
        let tagged = try key.remoteArgument.tagged(connection, holding: &held)
        return try connection.object(from: try await object.agentRequest("getitem", [tagged], holding: held))
    }

    /// `object[key] = value`.
    public func setItem(_ key: some RemoteArgumentConvertible, to value: some RemoteArgumentConvertible) async throws {
        var held: [ObjectHandle] = []
        let taggedKey = try key.remoteArgument.tagged(connection, holding: &held)
        let taggedValue = try value.remoteArgument.tagged(connection, holding: &held)
        _ = try await object.agentRequest("setitem", [taggedKey, taggedValue], holding: held)
    }

    /// `del object[key]`.
    public func deleteItem(_ key: some RemoteArgumentConvertible) async throws {
        var held: [ObjectHandle] = []
        let tagged = try key.remoteArgument.tagged(connection, holding: &held)
        _ = try await object.agentRequest("delitem", [tagged], holding: held)
    }

    /// `len(object)`.
    public func count() async throws -> Int {
        let result = try await object.agentRequest("len")
        guard case .value(let value) = result, let count = value.intValue else {
            throw connection.error(.protocolViolation, "len() gave no integer")
        }
        return count
    }

    // MARK: Text and truth

    /// `repr(object)`.
    public func repr() async throws -> String { try await text("repr") }

    /// `str(object)`.
    public func str() async throws -> String { try await text("str") }

    /// `bool(object)`.
    public func isTrue() async throws -> Bool {
        if let value = object.localValue, let bool = value.boolValue { return bool }
        guard case .value(let value) = try await object.agentRequest("bool"), let bool = value.boolValue else {
            throw connection.error(.protocolViolation, "bool() gave no bool")
        }
        return bool
    }

    private func text(_ operation: String) async throws -> String {
        guard case .value(let value) = try await object.agentRequest(operation), let text = value.agentText else {
            throw connection.error(.protocolViolation, "\(operation)() gave no text")
        }
        return text
    }

    // MARK: Values

    /// The object as a value: the value itself, or for a proxy whatever
    /// execnet can carry of it (lists, dicts, sets…); a remote object that
    /// execnet cannot serialise throws ``RemoteError`` (a TypeError).
    public func value() async throws -> PyValue {
        if let value = object.localValue { return value }
        guard case .value(let value) = try await object.agentRequest("value") else {
            throw connection.error(.protocolViolation, "a value request gave no value")
        }
        return value
    }

    /// The elements of a remote list, tuple, set or other sequence value.
    public func values() async throws -> [PyValue] {
        let value = try await value()
        guard let items = value.items else {
            throw connection.error(.notAValue, "a \(value.typeName) is not a sequence of values")
        }
        return Array(items)
    }

    /// The object's value decoded as `type` (``PyValueDecoder``'s mapping).
    public func decode<T: Decodable>(_ type: T.Type, decoder: PyValueDecoder = PyValueDecoder()) async throws -> T {
        try decoder.decode(type, from: try await value())
    }

    // MARK: Iteration and operators

    /// The items of `iter(object)`, fetched `batchSize` at a time.
    public func iterate(batchSize: Int = 64) -> RemoteIteration {
        RemoteIteration(object: object, batchSize: max(1, batchSize))
    }

    /// The `operator` module's function for `operation` applied to this
    /// object and `operands` (`apply(.add, 1)` is `object + 1`).
    public func apply(_ operation: RemoteOperator, _ operands: any RemoteArgumentConvertible...) async throws -> RemoteObject {
        var held: [ObjectHandle] = []
        let tagged = try operands.map { try $0.remoteArgument.tagged(connection, holding: &held) }
        let name: PyValue = .str(operation.rawValue)
        let reply = try await connection.request(
            "op", [name, object.wireTarget, object.wirePath, .list(PyItems(tagged))], holding: held + (object.agentHandle.map { [$0] } ?? []))
        return try connection.object(from: reply)
    }

    /// A comparison (`.lessThan`, `.equal`…) whose result is a bool.
    public func compare(_ operation: RemoteOperator, _ other: some RemoteArgumentConvertible) async throws -> Bool {
        try await apply(operation, other).swift.isTrue()
    }
}
