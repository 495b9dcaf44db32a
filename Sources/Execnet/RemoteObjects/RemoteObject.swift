import ExecnetWire

/// A Python object in the interpreter of a ``RemotePython``, or a value
/// that came back from it.
///
/// Members are looked up dynamically and lazily: `python.modules.os.path.join`
/// names a remote attribute without asking anything, and calling it
/// (`try await python.modules.os.path.join("a", "b")`) resolves the chain and
/// calls in one round trip. The Swift-side API lives behind ``swift`` (a
/// namespace no Python attribute is shadowed by, except one named `swift`,
/// which `obj.swift.attribute("swift")` still reaches).
///
/// Immutable builtins (None, bool, int, float, complex, str, bytes and
/// tuples of them) come back as values, held here; anything else is a proxy
/// of the remote object, which the agent keeps for as long as a copy of the
/// proxy exists on this host.
@dynamicMemberLookup
@dynamicCallable
public struct RemoteObject: Sendable, RemoteArgumentConvertible {
    enum Target: Sendable {
        case module(String)
        case builtins
        case handle(ObjectHandle)
        case value(PyValue)
    }

    // Internal names in camelCase, which Python attributes rarely use, so
    // that even a testable import leaves dynamic members alone.
    let agentConnection: AgentConnection
    let agentTarget: Target
    /// Attributes still to look up from `agentTarget`.
    let lookupPath: [String]

    init(connection: AgentConnection, target: Target, path: [String] = []) {
        self.agentConnection = connection
        self.agentTarget = target
        self.lookupPath = path
    }

    init(connection: AgentConnection, value: PyValue) {
        self.init(connection: connection, target: .value(value))
    }

    init(handle: ObjectHandle) {
        self.init(connection: handle.connection, target: .handle(handle))
    }

    /// The attribute `name` of this object (looked up when it is used).
    public subscript(dynamicMember name: String) -> RemoteObject {
        RemoteObject(connection: agentConnection, target: agentTarget, path: lookupPath + [name])
    }

    /// Calls this object with positional arguments.
    @discardableResult
    public func dynamicallyCall(withArguments arguments: [any RemoteArgumentConvertible]) async throws -> RemoteObject {
        try await swift.call(arguments)
    }

    /// Calls this object; arguments with an empty label are positional, the
    /// others keyword arguments (`try await re.compile("a+", flags: 2)`).
    @discardableResult
    public func dynamicallyCall(
        withKeywordArguments arguments: KeyValuePairs<String, any RemoteArgumentConvertible>
    ) async throws -> RemoteObject {
        var positional: [any RemoteArgumentConvertible] = []
        var keywords: [(String, any RemoteArgumentConvertible)] = []
        for (label, argument) in arguments {
            if label.isEmpty {
                positional.append(argument)
            } else {
                keywords.append((label, argument))
            }
        }
        return try await swift.call(positional, keywords: keywords)
    }

    /// The Swift-side operations on this object: conversions, items,
    /// iteration, operators, attributes by name.
    public var swift: RemoteObjectOperations { RemoteObjectOperations(object: self) }

    public var remoteArgument: RemoteArgument { .object(self) }

    // MARK: The wire form

    var wireTarget: PyValue {
        switch agentTarget {
        case .module(let name): return .tuple(["m", .str(name)])
        case .builtins: return .tuple(["b"])
        case .handle(let handle): return .int(PyInt(handle.id))
        case .value(let value): return .tuple(["v", value])
        }
    }

    /// The attribute chain, dotted (`""` for none).
    var wirePath: PyValue { .str(lookupPath.joined(separator: ".")) }

    var agentHandle: ObjectHandle? {
        if case .handle(let handle) = agentTarget { return handle }
        return nil
    }

    /// How the agent finds this object when it is an argument.
    func wireForm(for connection: AgentConnection, holding held: inout [ObjectHandle]) throws -> PyValue {
        guard connection === agentConnection else {
            throw connection.error(.foreignObject, "a proxy of another connection (gateway '\(agentConnection.gatewayID)') was passed as an argument")
        }
        if let agentHandle { held.append(agentHandle) }
        if lookupPath.isEmpty, let agentHandle { return .tuple(["o", .int(PyInt(agentHandle.id))]) }
        if lookupPath.isEmpty { return wireTarget }
        return .tuple(["r", wireTarget, wirePath])
    }

    /// The value this is, when it is a value here with nothing to look up.
    var localValue: PyValue? {
        if case .value(let value) = agentTarget, lookupPath.isEmpty { return value }
        return nil
    }

    /// Sends `operation` with this object's target and path first, then
    /// `arguments`, keeping this object's handle until the reply.
    func agentRequest(_ operation: String, _ arguments: [PyValue] = [], holding extra: [ObjectHandle] = []) async throws -> AgentReply {
        var held = extra
        if let agentHandle { held.append(agentHandle) }
        return try await agentConnection.request(operation, [wireTarget, wirePath] + arguments, holding: held)
    }
}
