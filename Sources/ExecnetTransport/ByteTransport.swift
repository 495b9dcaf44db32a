/// A bidirectional byte pipe to a Python interpreter: the layer the gateway
/// speaks execnet's protocol over.
///
/// `read` is called from one dedicated reader thread only; `write` and
/// `closeWrite` may be called from any thread.
public protocol ByteTransport: AnyObject, Sendable {
    /// Names the peer in error messages, e.g. `popen python3 (pid 4242)`.
    var peerDescription: String { get }
    /// Writes every byte or throws.
    func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError)
    /// Blocks until some bytes arrive; returns 0 at end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int
    /// Closes our sending side; the peer reads end of stream.
    func closeWrite()
    /// Releases our receiving side. Only the reader thread calls this.
    func closeRead()
    /// Ends the peer forcibly (SIGKILL for a process).
    func kill()
    /// Waits until the peer process has ended; nil when there is none.
    func waitForExit() async -> ExitStatus?
    /// The peer's exit status if it has ended already.
    var exitStatus: ExitStatus? { get }
    /// What the peer said on its error stream lately (its last 64 KiB).
    var diagnostics: String { get }
}

extension ByteTransport {
    public func write(_ bytes: [UInt8]) throws(TransportError) {
        var failure: TransportError?
        bytes.withUnsafeBytes { buffer in
            do throws(TransportError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// A transport failure that names its peer.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The program could not be started (not found, not executable, …).
        case cannotStart
        /// The connection broke while writing or reading.
        case broken
        /// The write side was closed by us already.
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
