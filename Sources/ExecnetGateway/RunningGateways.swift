import Dispatch
import ExecnetTransport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every gateway whose I/O still runs: the last resort that ends them when
/// the process exits normally (scoped forms and `terminate` are the first).
/// Each is asked to terminate, all get up to a second in all, and what
/// still runs is killed. (A host killed outright cannot run this; its
/// remotes end on their own when their stdin reaches end of file.)
final class RunningGateways: Sendable {
    static let shared = RunningGateways()

    private let cores = Locked<[ObjectIdentifier: GatewayCore]>([:])

    private init() {
        atexit { RunningGateways.shared.endAll(grace: 1.0) }
    }

    func add(_ core: GatewayCore) {
        cores.withLock { $0[ObjectIdentifier(core)] = core }
    }

    func remove(_ core: GatewayCore) {
        _ = cores.withLock { $0.removeValue(forKey: ObjectIdentifier(core)) }
    }

    func endAll(grace seconds: Double) {
        let running = cores.withLock { Array($0.values) }
        guard !running.isEmpty else { return }
        for core in running { core.requestExit() }
        let exits = DispatchSemaphore(value: 0)
        let processes = running.compactMap { $0.transport.process }
        for process in processes { process.onExit { _ in exits.signal() } }
        let deadline = DispatchTime.now() + seconds
        for _ in processes where exits.wait(timeout: deadline) == .timedOut { break }
        for core in running {
            if let process = core.transport.process {
                if process.exitStatus == nil { process.kill() } else { process.killLeftovers() }
            }
        }
    }
}
