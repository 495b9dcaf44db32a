import ExecnetGateway
import ExecnetWire

/// A Python interpreter driven object by object (Pushy's model): an agent
/// runs in the remote interpreter of a gateway, over one channel, and this
/// host works with its modules and objects through ``RemoteObject`` proxies.
///
/// ```swift
/// let python = try await RemotePython.open(on: gateway)
/// let pid = Int(try await python.modules.os.getpid())
/// let joined = String(try await python.modules.os.path.join("a", "b"))
/// ```
///
/// Proxies keep their remote objects alive. When the last copy of a proxy
/// goes away its object is queued for release, and queued releases go to
/// the agent in one message at most every `gcInterval` (never, when
/// `gcEnabled` is false, until the connection closes). Closing releases
/// everything.
public final class RemotePython: Sendable {
    public let gateway: Gateway
    /// The remote interpreter's major version (2 or 3).
    public let majorVersion: Int
    let connection: AgentConnection

    private init(gateway: Gateway, connection: AgentConnection, majorVersion: Int) {
        self.gateway = gateway
        self.connection = connection
        self.majorVersion = majorVersion
    }

    /// Starts the agent on `gateway` and waits until it serves requests.
    public static func open(
        on gateway: Gateway, gcEnabled: Bool = true, gcInterval: Duration = .seconds(5)
    ) async throws -> RemotePython {
        try await open(on: gateway, agent: AgentSource.python, gcEnabled: gcEnabled, gcInterval: gcInterval)
    }

    /// With another agent: the tests' misbehaving ones.
    static func open(on gateway: Gateway, agent: String, gcEnabled: Bool, gcInterval: Duration) async throws -> RemotePython {
        let channel = try await gateway.remoteExec(agent, fileName: "<execnet-swift agent>", dedenting: false)
        let connection = try AgentConnection(channel: channel, gcEnabled: gcEnabled, gcInterval: gcInterval)
        do {
            let major = try await connection.waitReady()
            // Python 2 byte strings stay bytes here (the agent's file chunks,
            // and str results, which String(_:) reads as UTF-8), rather than
            // Latin-1 text.
            if major == 2 { channel.setLocalCoercion(py2strAsPy3str: false) }
            return RemotePython(gateway: gateway, connection: connection, majorVersion: major)
        } catch {
            connection.close()
            throw error
        }
    }

    /// The remote interpreter's modules: `modules.os` imports `os` remotely
    /// when first used; `modules["os.path"]` names a dotted module.
    public var modules: RemoteModules { RemoteModules(connection: connection) }

    /// The remote `builtins` (`__builtin__` on Python 2) module.
    public var builtins: RemoteObject { RemoteObject(connection: connection, target: .builtins) }

    /// Imports `name` (dotted names too) and returns the module (Pushy's `remote_import`).
    public func `import`(_ name: String) async throws -> RemoteObject {
        try connection.object(from: try await connection.request("import", [.str(name)]))
    }

    /// Evaluates an expression in the agent's namespace, or in `globals` and
    /// `locals` (remote mappings; `locals` defaults to `globals`).
    public func eval(_ expression: String, globals: RemoteObject? = nil, locals: RemoteObject? = nil) async throws -> RemoteObject {
        try await evaluate(.value(.str(expression)), globals: globals, locals: locals)
    }

    /// Evaluates a code object that ``compile(_:mode:fileName:)`` returned.
    public func eval(_ code: RemoteObject, globals: RemoteObject? = nil, locals: RemoteObject? = nil) async throws -> RemoteObject {
        try await evaluate(.object(code), globals: globals, locals: locals)
    }

    private func evaluate(_ code: RemoteArgument, globals: RemoteObject?, locals: RemoteObject?) async throws -> RemoteObject {
        var held: [ObjectHandle] = []
        let arguments = [
            try code.tagged(connection, holding: &held),
            try globals.map { try $0.wireForm(for: connection, holding: &held) } ?? .none,
            try locals.map { try $0.wireForm(for: connection, holding: &held) } ?? .none,
        ]
        return try connection.object(from: try await connection.request("eval", arguments, holding: held))
    }

    /// Executes statements in the agent's namespace, or in `globals` and `locals`.
    public func execute(_ source: String, globals: RemoteObject? = nil, locals: RemoteObject? = nil) async throws {
        var held: [ObjectHandle] = []
        let arguments = [
            PyValue.str(source),
            try globals.map { try $0.wireForm(for: connection, holding: &held) } ?? .none,
            try locals.map { try $0.wireForm(for: connection, holding: &held) } ?? .none,
        ]
        _ = try await connection.request("exec", arguments, holding: held)
    }

    /// How ``compile(_:mode:fileName:)`` reads its source (Python's compile modes).
    public enum CompileMode: String, Sendable {
        case exec, eval, single
    }

    /// Compiles `source` remotely and returns the code object (a proxy), for
    /// ``eval(_:globals:locals:)-(RemoteObject,_,_)``.
    public func compile(_ source: String, mode: CompileMode = .exec, fileName: String = "<remote>") async throws -> RemoteObject {
        let reply = try await connection.request("compile", [.str(source), .str(mode.rawValue), .str(fileName)])
        return try connection.object(from: reply)
    }

    /// A host closure to pass to remote code as a callable.
    public func callback(
        _ body: @escaping @Sendable (RemoteCallArguments) async throws -> any RemoteArgumentConvertible
    ) -> RemoteCallback {
        RemoteCallback(body)
    }

    /// Sends the queued releases now, rather than at the end of the interval.
    public func collectGarbage() {
        connection.flushReleases()
    }

    /// What the agent holds, and the release messages it has had.
    public func statistics() async throws -> RemoteObjectStatistics {
        guard case .value(let value) = try await connection.request("stats", []),
            let numbers = value.items?.compactMap(\.intValue), numbers.count == 3
        else { throw connection.error(.protocolViolation, "the agent's statistics are not three integers") }
        let counts = connection.releaseCounts
        return RemoteObjectStatistics(
            heldObjects: numbers[0], releaseMessagesReceived: numbers[1], agentThreads: numbers[2],
            releaseMessagesSent: counts.messages, releasesQueued: counts.queued)
    }

    /// Ends the agent: outstanding requests fail, every proxy becomes
    /// unusable, and the remote objects are let go. Closing twice does nothing.
    public func close() {
        connection.close()
    }

    public var isClosed: Bool { connection.isEnded }
}

/// The remote interpreter's modules, by name.
@dynamicMemberLookup
public struct RemoteModules: Sendable {
    let connection: AgentConnection

    public subscript(dynamicMember name: String) -> RemoteObject { self[name] }

    /// The module `name` (dotted names too), imported when first used.
    public subscript(name: String) -> RemoteObject { RemoteObject(connection: connection, target: .module(name)) }
}

/// Counts from both ends of a remote-objects connection.
public struct RemoteObjectStatistics: Sendable, Equatable {
    /// Objects in the agent's table.
    public let heldObjects: Int
    /// Release messages the agent has received.
    public let releaseMessagesReceived: Int
    /// Threads (or greenlets) serving requests.
    public let agentThreads: Int
    /// Release messages this host has sent.
    public let releaseMessagesSent: Int
    /// Releases queued here, not sent yet.
    public let releasesQueued: Int
}

/// Opens a ``RemotePython`` on `gateway`, runs `body` with it and closes it,
/// whether `body` returns or throws.
public func withRemotePython<Result: Sendable>(
    on gateway: Gateway, gcEnabled: Bool = true, gcInterval: Duration = .seconds(5),
    _ body: (RemotePython) async throws -> Result
) async throws -> Result {
    let python = try await RemotePython.open(on: gateway, gcEnabled: gcEnabled, gcInterval: gcInterval)
    do {
        let result = try await body(python)
        python.close()
        return result
    } catch {
        python.close()
        throw error
    }
}
