import ExecnetTransport
import ExecnetWire

/// A connection to a Python interpreter running stock execnet's
/// gateway_base (execnet's `Gateway`). Open one with ``Gateway/open(_:options:)``
/// or, usually, through a group.
public final class Gateway: Sendable, CustomStringConvertible {
    public let id: String
    public let spec: XSpec
    /// The gateway_base the remote runs (nil in import mode).
    public let gatewayBase: GatewayBase?
    /// The remote's Python version, when the version probe asked for it.
    public let remotePython: PythonVersion?
    let core: GatewayCore
    private let remoteInfoCache = Locked<RemoteInfo?>(nil)

    private init(spec: XSpec, id: String, core: GatewayCore, report: BootstrapReport) {
        self.id = id
        self.spec = spec
        self.core = core
        self.gatewayBase = report.gatewayBase
        self.remotePython = report.python
    }

    /// Starts the interpreter `spec` describes, bootstraps gateway_base in
    /// it, and applies the spec's `chdir`, `nice` and `env:` settings.
    public static func open(_ spec: XSpec, options: GatewayOptions = GatewayOptions()) async throws -> Gateway {
        let id = spec.id ?? "gw"
        guard spec.popen else {
            let kind = spec.ssh != nil ? "ssh" : spec.socket != nil ? "socket" : spec.via != nil ? "via" : nil
            let detail = kind.map { "\($0) gateways are not supported yet (only popen is)" }
                ?? "no gateway type in spec \(pythonRepr(spec.string)) (expected popen)"
            throw GatewayError(.unsupportedSpec(detail: detail), gatewayID: id)
        }
        var nice = 0
        if let text = spec.nice {
            guard let value = Int(text) else {
                throw GatewayError(.unsupportedSpec(detail: "nice=\(text) is not an integer"), gatewayID: id)
            }
            nice = value
        }
        let mode: BootstrapMode
        if let chosen = options.bootstrap { mode = chosen } else { mode = try await DefaultGatewayBases.matching() }
        let program = spec.python ?? options.defaultPython
        var arguments = shellSplit(program)
        guard !arguments.isEmpty else {
            throw GatewayError(.unsupportedSpec(detail: "empty python= value"), gatewayID: id)
        }
        arguments.append("-u")
        if spec.dontWriteBytecode { arguments.append("-B") }
        arguments += ["-c", BootstrapLines.popenProgram]

        var transport: any ByteTransport
        do {
            transport = try PopenTransport(arguments: arguments, forwardStandardError: options.forwardsStandardError)
        } catch {
            throw GatewayError(.cannotStart(program: arguments[0], detail: "\(error.underlying.map { "\($0)" } ?? "\(error)")"), gatewayID: id)
        }
        if let tap = options.tap { transport = TappedTransport(transport, tap: tap) }
        let core = GatewayCore(id: id, transport: transport, tracer: Tracer.shared)
        LiveGateways.shared.add(core)
        let receiver = Receiver(core: core, mode: mode, execmodel: spec.execmodel ?? "thread")
        let report: BootstrapReport = try await withCheckedThrowingContinuation { continuation in
            startDetachedThread(name: "execnet-\(id)") {
                receiver.run { result in continuation.resume(with: result) }
                LiveGateways.shared.remove(core)
            }
        }
        let gateway = Gateway(spec: spec, id: id, core: core, report: report)
        if spec.chdir != nil || nice != 0 || !spec.environment.isEmpty {
            do {
                try await gateway.applySettings(chdir: spec.chdir, nice: nice, environment: spec.environment)
            } catch {
                gateway.exit()
                gateway.kill()
                throw error
            }
        }
        return gateway
    }

    private func applySettings(chdir: String?, nice: Int, environment: [(name: String, value: String)]) async throws {
        let channel = try remoteExec(RemoteSnippets.applySettings)
        let variables = PyDict(environment.map { (PyValue.str($0.name), PyValue.str($0.value)) })
        try channel.send(.tuple([chdir.map(PyValue.str) ?? .none, .int(PyInt(nice)), .dict(variables)]))
        try await channel.waitClose()
    }

    // MARK: - Remote execution

    /// Runs `source` remotely (dedented as Python's `textwrap.dedent` does)
    /// with `channel` bound to the returned channel's other end.
    /// With `dedenting` false the source is sent as given, as stock does
    /// for a module's source.
    public func remoteExec(_ source: String, fileName: String? = nil, dedenting: Bool = true) throws -> Channel {
        try exec(ChannelExecPayload(source: dedenting ? pythonDedent(source) : source, fileName: fileName))
    }

    /// Runs `source` remotely, then calls the function `function` it defines
    /// as `function(channel, **kwargs)`.
    public func remoteExec(
        _ source: String, calling function: String, kwargs: [(String, PyValue)] = [], fileName: String? = nil
    ) throws -> Channel {
        try exec(ChannelExecPayload(source: source, fileName: fileName, callName: function, kwargs: kwargs))
    }

    private func exec(_ payload: ChannelExecPayload) throws -> Channel {
        // Stock loads CHANNEL_EXEC without a channel factory: a channel among
        // the kwargs would end the remote gateway.
        if payload.kwargs.contains(where: { !channelIDs(in: $0.1).isEmpty }) {
            throw GatewayError(.unsendable(detail: "channels cannot be passed as keyword arguments"), gatewayID: id)
        }
        let encoded = try DumpEncoder().encode(payload.value)
        let channel = try newChannel()
        try core.send(.channelExec, channelID: channel.id, payload: encoded)
        return channel
    }

    /// A new channel with the next host id; send it to remote code as a value.
    public func newChannel() throws -> Channel {
        Channel(gateway: self, record: try core.newChannel())
    }

    /// The channel a received `.channel(id:)` value refers to.
    public func channel(_ value: PyValue) throws -> Channel {
        guard case .channel(let channelID) = value else {
            throw GatewayError(.protocolViolation(detail: "\(value) is not a channel"), gatewayID: id)
        }
        guard let record = core.channel(id: channelID) else {
            throw GatewayError(.notConnected(detail: "connection already closed"), gatewayID: id)
        }
        return Channel(gateway: self, record: record)
    }

    // MARK: - Status and configuration

    /// The remote's channel and execution counts (execnet's `remote_status`).
    public func remoteStatus(timeout: Duration? = nil) async throws -> RemoteStatus {
        let record = try core.newChannel()
        defer { core.forget(record) }
        try core.send(.status, channelID: record.id)
        let reply = try await core.receive(record, timeout: timeout)
        guard case .dict(let entries) = reply else {
            throw GatewayError(.protocolViolation(detail: "STATUS answered with \(reply)"), gatewayID: id)
        }
        return RemoteStatus(entries)
    }

    /// Sets how strings load, for this side and the remote side, on
    /// channels created from now on.
    public func reconfigure(py2strAsPy3str: Bool = true, py3strAsPy2str: Bool = false) throws {
        core.coercion = StringCoercion(py2strAsPy3str: py2strAsPy3str, py3strAsPy2str: py3strAsPy2str)
        let message = Message.reconfigure(py2strAsPy3str: py2strAsPy3str, py3strAsPy2str: py3strAsPy2str)
        try core.send(.reconfigure, payload: message.payload)
    }

    /// The remote's executable, version, platform, working directory and
    /// pid; asked once and remembered unless `update` is true.
    public func remoteInfo(update: Bool = false) async throws -> RemoteInfo {
        if !update, let cached = remoteInfoCache.withLock({ $0 }) { return cached }
        let channel = try remoteExec(RemoteSnippets.remoteInfo)
        let reply = try await channel.receive()
        try await channel.waitClose()
        guard case .dict(let entries) = reply else {
            throw GatewayError(.protocolViolation(detail: "rinfo answered with \(reply)"), gatewayID: id)
        }
        let info = RemoteInfo(entries)
        remoteInfoCache.withLock { $0 = info }
        return info
    }

    // MARK: - Ending

    /// Asks the remote to terminate (GATEWAY_TERMINATE) and closes the
    /// sending side. Returns at once; see ``join(timeout:)``.
    public func exit() {
        core.trace("gateway.exit() called")
        if !core.isFinished { try? core.send(.gatewayTerminate) }
        core.transport.closeWrite()
    }

    /// Waits until the receiver has ended; false when `timeout` passed first.
    @discardableResult
    public func join(timeout: Duration? = nil) async -> Bool {
        await core.join(timeout: timeout)
    }

    /// Whether the receiver still runs.
    public var hasReceiver: Bool { !core.isReceiverDone }

    /// Ends the remote process forcibly.
    public func kill() { core.transport.kill() }

    /// Waits for the remote process to end and returns how it ended.
    public func waitForExit() async -> ExitStatus? { await core.transport.waitForExit() }

    /// How the remote process ended, once it has.
    public var exitStatus: ExitStatus? { core.transport.exitStatus }

    /// The last 64 KiB the remote wrote to its stderr.
    public var remoteStandardError: String { core.transport.diagnostics }

    /// Why the gateway ended, when it ended without a normal termination.
    public var endReason: String? { core.endReason }

    public var description: String {
        "<Gateway id=\(pythonRepr(id)) \(hasReceiver ? "receive-live" : "not-receiving"), \(core.openChannelCount) active channels>"
    }
}

/// How ``Gateway/open(_:options:)`` starts and bootstraps an interpreter.
public struct GatewayOptions: Sendable {
    /// nil: version matching over every stock release in the cache
    /// (fetched from PyPI on first use).
    public var bootstrap: BootstrapMode?
    /// The interpreter when the spec names none.
    public var defaultPython: String
    /// Copy the remote's stderr to ours (it is kept for error reports either way).
    public var forwardsStandardError: Bool
    /// Sees every byte written and read, for recording sessions.
    public var tap: (@Sendable (TapDirection, [UInt8]) -> Void)?

    public init(
        bootstrap: BootstrapMode? = nil, defaultPython: String = "python3", forwardsStandardError: Bool = true,
        tap: (@Sendable (TapDirection, [UInt8]) -> Void)? = nil
    ) {
        self.bootstrap = bootstrap
        self.defaultPython = defaultPython
        self.forwardsStandardError = forwardsStandardError
        self.tap = tap
    }
}


