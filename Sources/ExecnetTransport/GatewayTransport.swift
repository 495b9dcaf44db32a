/// What a gateway runs over: a byte stream in each direction, handed to the
/// gateway as file descriptors. The gateway owns all I/O on them (it makes
/// them non-blocking and drives them from its own thread); the transport
/// owns the descriptors' lifetime and whatever stands behind them.
///
/// Every transport is one of these: a child process (popen, ssh) gives its
/// stdout and stdin pipes and a ``TransportProcess``; a TCP connection gives
/// one socket for both directions and no process; a transport whose bytes
/// travel some other way (inside another gateway's channel) bridges them
/// through a socket pair. See protocol-spec.md §2.
public protocol GatewayTransport: AnyObject, Sendable {
    /// Names the far end in errors: `popen python3 (pid 4242)`, `socket 127.0.0.1:8888`.
    var peerDescription: String { get }
    /// The descriptor the gateway reads the peer's bytes from.
    var inputDescriptor: Int32 { get }
    /// The descriptor the gateway writes to; may equal ``inputDescriptor``.
    var outputDescriptor: Int32 { get }
    /// Half-closes the sending side: the peer reads end of stream. Called
    /// once, by the gateway, after everything queued was written.
    func closeOutput()
    /// Releases every descriptor. Called once, by the gateway, after its I/O
    /// has ended.
    func close()
    /// The far end's process, when there is one this host can wait for and kill.
    var process: (any TransportProcess)? { get }
    /// What the far end reported out of band lately (a child's stderr tail).
    var diagnostics: String { get }
    /// Waits, at most `limit`, until everything the far end reported out of
    /// band has arrived (a child's stderr reached its end), so that errors
    /// quote all of it.
    func settleDiagnostics(within limit: Duration) async
}

extension GatewayTransport {
    public var process: (any TransportProcess)? { nil }
    public var diagnostics: String { "" }
    public func settleDiagnostics(within limit: Duration) async {}
}

extension TransportProcess {
    /// Waits at most `timeout` (nil: as long as it takes) for the process
    /// to end; nil when the timeout passed first. Throws `CancellationError`.
    package func exitStatus(within timeout: Duration?) async throws -> ExitStatus? {
        let waiter = Waiter<ExitStatus>()
        onExit { waiter.resume(returning: $0) }
        do {
            return try await waiter.wait(timeout: timeout)
        } catch is WaitTimedOut {
            return nil
        }
    }
}

/// A process at the far end of a transport.
public protocol TransportProcess: AnyObject, Sendable {
    var pid: Int32 { get }
    /// How it ended, once it has.
    var exitStatus: ExitStatus? { get }
    /// Waits until it has ended; throws `CancellationError` when cancelled.
    func waitForExit() async throws -> ExitStatus
    /// Calls `handler` once, on some thread, as soon as the process has
    /// ended (at once when it already has).
    func onExit(_ handler: @escaping @Sendable (ExitStatus) -> Void)
    /// Ends it forcibly (SIGKILL), with every process it started that
    /// stayed in its process group.
    func kill()
    /// Kills what the process started and left behind in its process group
    /// once it has ended itself; does nothing while it runs.
    func killLeftovers()
}

/// A transport failure that names its peer.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The program could not be started (not found, not executable, …).
        case cannotStart
        /// The connection broke while writing or reading.
        case broken
        /// The sending side was closed already.
        case closed
    }

    public let kind: Kind
    public let peer: String
    public let underlying: SystemError?

    public init(_ kind: Kind, peer: String, underlying: SystemError? = nil) {
        self.kind = kind
        self.peer = peer
        self.underlying = underlying
    }

    public var description: String {
        switch kind {
        case .cannotStart:
            return "cannot start \(peer): \(underlying.map { "\($0)" } ?? "unknown error")"
        case .broken:
            return "connection to \(peer) broke\(underlying.map { ": \($0)" } ?? "")"
        case .closed:
            return "connection to \(peer) is closed for writing"
        }
    }
}
