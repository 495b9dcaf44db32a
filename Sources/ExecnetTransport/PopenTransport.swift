#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A local child process; its stdin and stdout are the wire, its stderr is
/// kept (the last 64 KiB) for error reports and optionally forwarded to ours.
public final class PopenTransport: ByteTransport {
    public let peerDescription: String
    public let pid: Int32
    private let writeFD: Locked<Int32>
    private let readFD: Int32
    private let readClosed = Locked(false)
    private let state = Locked(ProcessState())

    private struct ProcessState {
        var exitStatus: ExitStatus?
        var exitWaiters: [CheckedContinuation<ExitStatus?, Never>] = []
        var stderrTail: [UInt8] = []
    }

    static let stderrTailLimit = 64 * 1024

    /// Starts `arguments` (the program is looked up on PATH unless it
    /// contains a slash).
    public init(arguments: [String], forwardStandardError: Bool = true) throws(TransportError) {
        let name = arguments.first ?? ""
        let child: SpawnedChild
        do {
            child = try SpawnedChild.spawn(arguments)
        } catch {
            throw TransportError(.cannotStart, peer: "popen \(name)", underlying: error)
        }
        pid = child.pid
        peerDescription = "popen \(name) (pid \(child.pid))"
        writeFD = Locked(child.standardInput)
        readFD = child.standardOutput
        let errorFD = child.standardError
        startDetachedThread(name: "execnet-stderr") { [self] in
            drainStandardError(errorFD, forward: forwardStandardError)
            reap()
        }
    }

    deinit {
        writeFD.withLock { fd in
            if fd >= 0 { FileDescriptorIO.closeIgnoringErrors(fd) }
        }
        if !readClosed.withLock({ $0 }) { FileDescriptorIO.closeIgnoringErrors(readFD) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) {
        let result: Result<Void, TransportError> = writeFD.withLock { fd in
            guard fd >= 0 else { return .failure(TransportError(.closed, peer: peerDescription)) }
            do throws(SystemError) {
                try FileDescriptorIO.writeAll(fd, bytes)
                return .success(())
            } catch {
                return .failure(TransportError(.broken, peer: peerDescription, underlying: error))
            }
        }
        try result.get()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        do {
            return try FileDescriptorIO.readSome(readFD, into: buffer)
        } catch {
            throw TransportError(.broken, peer: peerDescription, underlying: error)
        }
    }

    public func closeWrite() {
        writeFD.withLock { fd in
            if fd >= 0 {
                FileDescriptorIO.closeIgnoringErrors(fd)
                fd = -1
            }
        }
    }

    public func closeRead() {
        if !readClosed.withLock({ closed in defer { closed = true }; return closed }) {
            FileDescriptorIO.closeIgnoringErrors(readFD)
        }
    }

    public func kill() {
        let alive = state.withLock { $0.exitStatus == nil }
        if alive { sendKillSignal(pid) }
    }

    public var exitStatus: ExitStatus? { state.withLock { $0.exitStatus } }

    public func waitForExit() async -> ExitStatus? {
        await withCheckedContinuation { continuation in
            let status: ExitStatus?? = state.withLock { state in
                if let status = state.exitStatus { return .some(status) }
                state.exitWaiters.append(continuation)
                return .none
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    public var diagnostics: String {
        let bytes = state.withLock { $0.stderrTail }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func drainStandardError(_ fd: Int32, forward: Bool) {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer {
            chunk.deallocate()
            FileDescriptorIO.closeIgnoringErrors(fd)
        }
        while true {
            guard let count = try? FileDescriptorIO.readSome(fd, into: chunk), count > 0 else { return }
            let received = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            if forward { try? FileDescriptorIO.writeAll(2, received) }
            state.withLock { state in
                state.stderrTail.append(contentsOf: received)
                let excess = state.stderrTail.count - Self.stderrTailLimit
                if excess > 0 { state.stderrTail.removeFirst(excess) }
            }
        }
    }

    /// Runs on the stderr thread once the child closed its stderr (normally
    /// because it exited): collects the exit status and wakes waiters.
    private func reap() {
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(pid, &status, 0)
        } while result < 0 && errno == EINTR
        let exit: ExitStatus? = result == pid ? ExitStatus(waitStatus: status) : nil
        let waiters = state.withLock { state in
            state.exitStatus = exit ?? .exited(-1)
            defer { state.exitWaiters = [] }
            return state.exitWaiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }
}

private func sendKillSignal(_ pid: pid_t) {
    _ = kill(pid, SIGKILL)
}
