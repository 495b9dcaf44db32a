import ExecnetTransport
import ExecnetWire

/// A connection to a Python interpreter running stock execnet's
/// gateway_base (execnet's `Gateway`). Open one with ``Gateway/open(_:options:)``,
/// ``Gateway/withGateway(_:options:_:)`` or, usually, through a group.
public final class Gateway: Sendable, CustomStringConvertible {
    public let id: String
    public let spec: XSpec
    /// The gateway_base the remote runs (nil in import mode).
    public let gatewayBase: GatewayBase?
    /// The remote's Python version, when the version probe asked for it.
    public let remotePython: PythonVersion?
    /// Whether the remote imported its own execnet (stock's import mode).
    public let usesImportMode: Bool
    let core: GatewayCore
    private let remoteInfoCache = Locked<RemoteInfo?>(nil)

    init(spec: XSpec, id: String, core: GatewayCore, report: BootstrapReport) {
        self.id = id
        self.spec = spec
        self.core = core
        self.gatewayBase = report.gatewayBase
        self.remotePython = report.python
        self.usesImportMode = report.importMode
    }

    /// Opens a gateway, runs `body` with it, and ends the gateway when
    /// `body` returns, throws or is cancelled (terminate with `timeout`,
    /// then kill).
    public static func withGateway<Result: Sendable>(
        _ spec: XSpec, options: GatewayOptions = GatewayOptions(), terminateTimeout: Duration = .seconds(5),
        _ body: (Gateway) async throws -> Result
    ) async throws -> Result {
        let gateway = try await open(spec, options: options)
        do {
            let result = try await body(gateway)
            await gateway.terminate(timeout: terminateTimeout)
            return result
        } catch {
            await gateway.terminate(timeout: terminateTimeout)
            throw error
        }
    }

    /// The executor of this gateway's I/O thread. Code that waits on this
    /// gateway's channels in a tight loop can run under
    /// `withTaskExecutorPreference(gateway.executor) { … }`: each item then
    /// resumes it on the thread that read the item, with no hand-off.
    /// Such code must not block that thread synchronously.
    public var executor: ConnectionExecutor { core.connection.executor }

    // MARK: - Remote execution

    /// Runs `source` remotely (dedented as Python's `textwrap.dedent` does)
    /// with `channel` bound to the returned channel's other end.
    /// With `dedenting` false the source is sent as given, as stock does
    /// for a module's source.
    public func remoteExec(_ source: String, fileName: String? = nil, dedenting: Bool = true) async throws -> Channel {
        try await exec(ChannelExecPayload(source: dedenting ? pythonDedent(source) : source, fileName: fileName))
    }

    /// Runs `source` remotely, then calls the function `function` it defines
    /// as `function(channel, **kwargs)`.
    public func remoteExec(
        _ source: String, calling function: String, kwargs: [(String, PyValue)] = [], fileName: String? = nil
    ) async throws -> Channel {
        try await exec(ChannelExecPayload(source: source, fileName: fileName, callName: function, kwargs: kwargs))
    }

    /// `sourceAsBytes`: the source goes as a Python 2 `str` (UTF-8 bytes), as
    /// a Python 2 host sends it; Python 2 refuses to compile a unicode source
    /// that carries a coding declaration, as stock modules of 1.x do.
    func exec(_ payload: ChannelExecPayload, sourceAsBytes: Bool = false) async throws -> Channel {
        // Stock loads CHANNEL_EXEC without a channel factory: a channel among
        // the kwargs would end the remote gateway.
        if payload.kwargs.contains(where: { !channelIDs(in: $0.1).isEmpty }) {
            throw GatewayError(.unsendable(detail: "channels cannot be passed as keyword arguments"), gatewayID: id)
        }
        var value = payload.value
        if sourceAsBytes, case .tuple(let parts) = value {
            value = .tuple(PyItems([.py2str(Array(payload.source.utf8))] + Array(parts.dropFirst())))
        }
        let encoded = try DumpEncoder().encode(value)
        let channel = try newChannel()
        let frame = try core.frame(.channelExec, channelID: channel.id, payload: encoded)
        core.noteExecSent()
        try await core.send(frame)
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
        try await core.send(.status, channelID: record.id)
        let reply = try await core.receive(record, timeout: timeout)
        guard case .dict(let entries) = reply else {
            throw GatewayError(.protocolViolation(detail: "STATUS answered with \(reply)"), gatewayID: id)
        }
        return RemoteStatus(entries)
    }

    /// Sets how strings load, for this side and the remote side, on
    /// channels created from now on.
    public func reconfigure(py2strAsPy3str: Bool = true, py3strAsPy2str: Bool = false) async throws {
        core.coercion = StringCoercion(py2strAsPy3str: py2strAsPy3str, py3strAsPy2str: py3strAsPy2str)
        let message = Message.reconfigure(py2strAsPy3str: py2strAsPy3str, py3strAsPy2str: py3strAsPy2str)
        try await core.send(.reconfigure, payload: message.payload)
    }

    /// The remote's executable, version, platform, working directory and
    /// pid; asked once and remembered unless `update` is true.
    public func remoteInfo(update: Bool = false, timeout: Duration? = nil) async throws -> RemoteInfo {
        if !update, let cached = remoteInfoCache.withLock({ $0 }) { return cached }
        let channel = try await remoteExec(RemoteSnippets.remoteInfo)
        let reply = try await channel.receive(timeout: timeout)
        try await channel.waitClose(timeout: timeout)
        guard case .dict(let entries) = reply else {
            throw GatewayError(.protocolViolation(detail: "rinfo answered with \(reply)"), gatewayID: id)
        }
        let info = RemoteInfo(entries)
        remoteInfoCache.withLock { $0 = info }
        return info
    }

    // MARK: - Ending

    /// Asks the remote to terminate (GATEWAY_TERMINATE behind everything
    /// queued, then the half-close) and leaves its group. Returns at once,
    /// whatever the pipe's state; see ``join(timeout:)`` and ``terminate(timeout:)``.
    public func exit() {
        core.requestExit()
    }

    /// Waits until the receiver has ended; false when `timeout` passed
    /// first. Throws `CancellationError` when cancelled.
    @discardableResult
    public func join(timeout: Duration? = nil) async throws -> Bool {
        try await core.join(timeout: timeout)
    }

    /// Ends the gateway within `timeout` plus a short grace: ``exit()``,
    /// then waits for the receiver and the process; at the timeout the
    /// process and whatever it left in its process group are killed and
    /// the connection is dropped. Never throws; when cancelled it kills at once.
    public func terminate(timeout: Duration? = .seconds(5)) async {
        exit()
        let ended: Bool
        do {
            let joined = try await join(timeout: timeout)
            ended = joined ? try await waitForExitStatus(timeout: timeout) : false
        } catch {
            ended = false
        }
        if !ended { kill() }
        core.transport.process?.killLeftovers()
        // The grace: a killed process is reaped within milliseconds.
        _ = try? await join(timeout: Self.killGrace)
        _ = try? await waitForExitStatus(timeout: Self.killGrace)
    }

    /// How long ``terminate(timeout:)`` waits after a kill.
    public static let killGrace: Duration = .seconds(1)

    private func waitForExitStatus(timeout: Duration?) async throws -> Bool {
        guard let process = core.transport.process else { return true }
        return try await process.exitStatus(within: timeout) != nil
    }

    /// Whether the receiver still runs.
    public var hasReceiver: Bool { !core.isReceiverDone }

    /// Ends the remote process forcibly (and what it left in its process
    /// group); without a process, drops the connection.
    public func kill() {
        if let process = core.transport.process { process.kill() }
        core.connection.abort("killed by this host")
    }

    /// Waits for the remote process to end and returns how it ended (nil
    /// when the transport has no process). Throws `CancellationError` when cancelled.
    @discardableResult
    public func waitForExit() async throws -> ExitStatus? {
        guard let process = core.transport.process else {
            _ = try await join()
            return nil
        }
        return try await process.waitForExit()
    }

    /// How the remote process ended, once it has.
    public var exitStatus: ExitStatus? { core.transport.process?.exitStatus }

    /// The last 64 KiB the remote wrote to its stderr.
    public var remoteStandardError: String { core.transport.diagnostics }

    /// Why the gateway ended, when it ended without a normal termination.
    public var endReason: String? { core.endReason }

    /// Calls `hook` once when ``exit()`` is first called (at once if it was):
    /// how a group lets go of a gateway that exits.
    public func onExit(_ hook: @escaping @Sendable () -> Void) {
        core.addExitHook(hook)
    }

    public var description: String {
        "<Gateway id=\(pythonRepr(id)) \(hasReceiver ? "receive-live" : "not-receiving"), \(core.openChannelCount) active channels>"
    }
}
