#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A local child process: its stdout and stdin are the byte stream, its
/// stderr is kept (the last 64 KiB) for error reports and optionally copied
/// to ours, and its exit is known as soon as it happens.
package final class PopenTransport: GatewayTransport {
    package let peerDescription: String
    package let inputDescriptor: Int32
    package let outputDescriptor: Int32
    package let child: ChildProcess
    private let open = Locked((input: true, output: true))
    private let stderrTail = Locked<[UInt8]>([])
    /// Whether stderr reached its end, and who waits for that.
    private let stderrDrained = Locked((done: false, waiters: [Waiter<Void>]()))

    static let stderrTailLimit = 64 * 1024

    /// Starts `arguments` (the program is looked up on PATH unless it
    /// contains a slash).
    package init(arguments: [String], forwardStandardError: Bool = true) throws(TransportError) {
        let name = arguments.first ?? ""
        let spawned: SpawnedChild
        do {
            spawned = try SpawnedChild.spawn(arguments)
        } catch {
            throw TransportError(.cannotStart, peer: "popen \(name)", underlying: error)
        }
        peerDescription = "popen \(name) (pid \(spawned.pid))"
        inputDescriptor = spawned.standardOutput
        outputDescriptor = spawned.standardInput
        child = ChildProcess(pid: spawned.pid)
        let errorFD = spawned.standardError
        startDetachedThread(name: "execnet-stderr") { [stderrTail, stderrDrained] in
            Self.drainStandardError(errorFD, forward: forwardStandardError, into: stderrTail)
            let waiters = stderrDrained.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: ()) }
        }
    }

    deinit { close() }

    package var process: (any TransportProcess)? { child }

    package func closeOutput() {
        let wasOpen = open.withLock { state in
            defer { state.output = false }
            return state.output
        }
        if wasOpen { FileDescriptorIO.closeIgnoringErrors(outputDescriptor) }
    }

    package func close() {
        closeOutput()
        let wasOpen = open.withLock { state in
            defer { state.input = false }
            return state.input
        }
        if wasOpen { FileDescriptorIO.closeIgnoringErrors(inputDescriptor) }
    }

    package var diagnostics: String {
        String(decoding: stderrTail.withLock { $0 }, as: UTF8.self)
    }

    package func settleDiagnostics(within limit: Duration) async {
        // A grandchild holding stderr keeps it open: then the limit ends the wait.
        let settled = Waiter<Void>()
        let done = stderrDrained.withLock { state in
            if !state.done { state.waiters.append(settled) }
            return state.done
        }
        if !done { _ = try? await settled.wait(timeout: limit) }
    }

    private static func drainStandardError(_ fd: Int32, forward: Bool, into tail: Locked<[UInt8]>) {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer {
            chunk.deallocate()
            FileDescriptorIO.closeIgnoringErrors(fd)
        }
        while true {
            guard let count = try? FileDescriptorIO.readSome(fd, into: chunk), count > 0 else { return }
            let received = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            if forward { try? FileDescriptorIO.writeAll(2, received) }
            tail.withLock { tail in
                tail.append(contentsOf: received)
                let excess = tail.count - stderrTailLimit
                if excess > 0 { tail.removeFirst(excess) }
            }
        }
    }
}
