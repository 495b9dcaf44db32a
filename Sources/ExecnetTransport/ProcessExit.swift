#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process of this host and the one place its exit is awaited: a
/// thread blocks in waitpid(2) from the spawn on, so the exit status is
/// known the moment the child ends, whatever holds its pipes.
package final class ChildProcess: TransportProcess {
    package let pid: Int32
    private let state = Locked(State())

    private struct State {
        var status: ExitStatus?
        var handlers: [@Sendable (ExitStatus) -> Void] = []
    }

    package init(pid: Int32) {
        self.pid = pid
        startDetachedThread(name: "execnet-wait") { [self] in reap() }
    }

    package var exitStatus: ExitStatus? { state.withLock { $0.status } }

    package func onExit(_ handler: @escaping @Sendable (ExitStatus) -> Void) {
        let ended: ExitStatus? = state.withLock { state in
            if state.status == nil { state.handlers.append(handler) }
            return state.status
        }
        if let ended { handler(ended) }
    }

    package func waitForExit() async throws -> ExitStatus {
        // Without a timeout only an exit ends the wait.
        try await exitStatus(within: nil)!
    }

    package func kill() {
        // The group first: its leader may have been reaped already while
        // its children still run. A reaped leader's pid is not reused while
        // its group exists, so this cannot reach a stranger.
        signalProcess(-pid, SIGKILL)
        if exitStatus == nil { signalProcess(pid, SIGKILL) }
    }

    package func killLeftovers() {
        if exitStatus != nil { signalProcess(-pid, SIGKILL) }
    }

    private func reap() {
        var raw: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(pid, &raw, 0)
        } while result < 0 && errno == EINTR
        let status = result == pid ? ExitStatus(waitStatus: raw) : .exited(-1)
        let handlers = state.withLock { state in
            state.status = status
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler(status) }
    }
}

private func signalProcess(_ pid: pid_t, _ signal: Int32) {
    _ = kill(pid, signal)
}
