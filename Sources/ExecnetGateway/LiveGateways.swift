import ExecnetTransport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every gateway whose receiver still runs, so that a normal process exit
/// ends them: each is asked to terminate, gets up to a second in all, and
/// is killed after that. Nothing is left running.
final class LiveGateways: Sendable {
    static let shared = LiveGateways()

    private let cores = Locked<[ObjectIdentifier: GatewayCore]>([:])

    private init() {
        atexit { LiveGateways.shared.endAll(grace: 1.0) }
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
        for core in running {
            if !core.isFinished { try? core.send(.gatewayTerminate) }
            core.transport.closeWrite()
        }
        var waited = 0.0
        while waited < seconds, running.contains(where: { $0.transport.exitStatus == nil }) {
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
            waited += 0.01
        }
        for core in running where core.transport.exitStatus == nil { core.transport.kill() }
    }
}

/// The default bootstrap: version matching over every stock release in the
/// cache, read once per process.
enum DefaultGatewayBases {
    private static let cached = Locked<[GatewayBase]?>(nil)

    static func matching() async throws -> BootstrapMode {
        if let bases = cached.withLock({ $0 }) { return .matching(bases) }
        let bases = try await StockCache.allGatewayBases(fetch: true)
        cached.withLock { $0 = bases }
        return .matching(bases)
    }
}
