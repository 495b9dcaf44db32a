/// Which way tapped bytes went.
public enum TapDirection: Sendable {
    case written
    case read
}

/// A transport that shows every byte written and read to `tap`: how
/// sessions are recorded and compared with stock execnet's.
public final class TappedTransport: ByteTransport {
    private let base: any ByteTransport
    private let tap: @Sendable (TapDirection, [UInt8]) -> Void

    public init(_ base: any ByteTransport, tap: @escaping @Sendable (TapDirection, [UInt8]) -> Void) {
        self.base = base
        self.tap = tap
    }

    public var peerDescription: String { base.peerDescription }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        try base.write(bytes)
        tap(.written, Array(bytes))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        let count = try base.read(into: buffer)
        if count > 0 { tap(.read, Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))) }
        return count
    }

    public func closeWrite() { base.closeWrite() }
    public func closeRead() { base.closeRead() }
    public func kill() { base.kill() }
    public func waitForExit() async -> ExitStatus? { await base.waitForExit() }
    public var exitStatus: ExitStatus? { base.exitStatus }
    public var diagnostics: String { base.diagnostics }
}
