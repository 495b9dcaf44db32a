import Execnet
import Foundation

/// One remote end the live suite runs against: an interpreter and the
/// gateway_base it is bootstrapped with.
public struct LiveTarget: Sendable {
    /// The spec gateways are made from, e.g. `popen//python=/usr/bin/python3.12`.
    public let spec: String
    /// How the target names its interpreter in reports, e.g. `cpython-3.12`.
    public let python: String
    public let pythonMajor: Int
    /// The gateway_base sent in exact mode; nil: version matching.
    public let gatewayBase: GatewayBase?
    /// Every release at hand, for the matching-mode scenario.
    public let availableBases: [GatewayBase]
    /// How the gateways are reached: popen, ssh, socket, via-popen, via-ssh, via-2hop.
    public let transport: String
    /// Gateways each group makes first, in order (the hops of a via target).
    public let prelude: [String]

    public init(
        spec: String, python: String, pythonMajor: Int, gatewayBase: GatewayBase?, availableBases: [GatewayBase],
        transport: String = "popen", prelude: [String] = [], unavailable: String? = nil
    ) {
        self.spec = spec
        self.python = python
        self.pythonMajor = pythonMajor
        self.gatewayBase = gatewayBase
        self.availableBases = availableBases
        self.transport = transport
        self.prelude = prelude
        self.unavailable = unavailable
    }

    /// Why this target cannot run here (its server is missing): every
    /// scenario is then reported as skipped with this reason.
    public let unavailable: String?

    /// A socket server runs the remote: no process here, its execmodel is the server's.
    var isSocket: Bool { transport == "socket" }
    /// Through stock's proxy nothing but the bootstrap may come first: no version probe.
    var isProxied: Bool { transport.hasPrefix("via") }

    public var gatewayBaseLabel: String { gatewayBase.map { $0.version ?? $0.path } ?? "matching" }

    /// The major version of the gateway_base the remote runs (1 or 2).
    var baseMajor: Int {
        if let version = gatewayBase?.version, let first = version.first, let major = Int(String(first)) { return major }
        return pythonMajor >= 3 ? 2 : 1
    }

    var options: GatewayOptions {
        GatewayOptions(
            bootstrap: gatewayBase.map { .exact($0) } ?? .matching(availableBases), forwardsStandardError: false)
    }

    /// A group whose gateways bootstrap this target, with the prelude's
    /// gateways made (ended again when one fails).
    func makeGroup(options override: GatewayOptions? = nil) async throws -> Group {
        let group = Group(defaultSpec: spec, options: override ?? options)
        do {
            for hop in prelude { try await group.makeGateway(hop) }
        } catch {
            await group.terminate(timeout: .seconds(2))
            throw error
        }
        return group
    }

    /// The gateways a scenario made, the prelude's left out.
    func ownGateways(of group: Group) -> [Gateway] {
        let hops = Set(prelude.compactMap { try? XSpec($0).id })
        return group.gateways.filter { !hops.contains($0.id) }
    }

    /// The transport cells for each interpreter, with the newest release it
    /// runs: ssh to the loopback sshd, socket to a stock socket server under
    /// it, popen through a popen via gateway, ssh through one, and popen
    /// through two hops. Without `servers` the cells that need them are
    /// listed as unavailable, with `why`.
    public static func transports(
        interpreters: [Interpreter], bases: [GatewayBase], servers: LiveServers?, why: String = "no sshd here"
    ) -> [LiveTarget] {
        var targets: [LiveTarget] = []
        for interpreter in interpreters {
            let python = PythonVersion(major: interpreter.major, minor: interpreter.minor, micro: 99)
            guard let base = bases.last(where: { $0.minimumPython <= python }) else { continue }
            let label = "\(interpreter.implementation)-\(interpreter.version)"
            let popen = "popen//python=\(interpreter.path)"
            let hop1 = "\(popen)//id=hop1"
            let hop2 = "\(popen)//via=hop1//id=hop2"
            func cell(_ transport: String, _ spec: String, prelude: [String] = [], unavailable: String? = nil) -> LiveTarget {
                LiveTarget(
                    spec: spec, python: label, pythonMajor: interpreter.major, gatewayBase: base, availableBases: bases,
                    transport: transport, prelude: prelude, unavailable: unavailable)
            }
            let ssh = servers.map { $0.ssh(python: interpreter.path) } ?? "ssh=execnet-loopback//python=\(interpreter.path)"
            targets.append(cell("ssh", ssh, unavailable: servers == nil ? why : nil))
            if let socket = servers?.socketServers[interpreter.path] {
                targets.append(cell("socket", socket.spec))
            } else {
                targets.append(cell("socket", "socket=127.0.0.1:0", unavailable: servers == nil ? why : "no socket server under \(interpreter.path)"))
            }
            targets.append(cell("via-popen", "\(popen)//via=hop1", prelude: [hop1]))
            targets.append(cell("via-ssh", "\(ssh)//via=hop1", prelude: [hop1], unavailable: servers == nil ? why : nil))
            targets.append(cell("via-2hop", "\(popen)//via=hop2", prelude: [hop1, hop2]))
        }
        return targets
    }

    /// Stock's `main_thread_only` execmodel (2.1 and later) over popen, for
    /// each interpreter that runs such a release, with the newest one.
    public static func execmodels(interpreters: [Interpreter], bases: [GatewayBase]) -> [LiveTarget] {
        let releases = bases.filter { ($0.version ?? "").split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes([2, 1]) == false }
        guard let base = releases.last else { return [] }
        var targets: [LiveTarget] = interpreters.compactMap { interpreter in
            guard base.minimumPython <= PythonVersion(major: interpreter.major, minor: interpreter.minor, micro: 99) else { return nil }
            return LiveTarget(
                spec: "popen//python=\(interpreter.path)//execmodel=main_thread_only",
                python: "\(interpreter.implementation)-\(interpreter.version)", pythonMajor: interpreter.major,
                gatewayBase: base, availableBases: bases, transport: "popen/main_thread_only")
        }
        // eventlet and gevent: one CPython 3 with both installed in a venv
        // of the cache (scripts/execmodel-venv makes it).
        let venv = StockCache.root + "/venvs/execmodels/bin/python"
        let present = FileManager.default.isExecutableFile(atPath: venv)
        let missing = present ? nil : "no eventlet/gevent venv: run python3 scripts/execmodel-venv"
        targets.append(LiveTarget(
            spec: "popen//python=\(venv)//execmodel=eventlet", python: "cpython-venv", pythonMajor: 3, gatewayBase: base,
            availableBases: bases, transport: "popen/eventlet", unavailable: missing))
        targets.append(LiveTarget(
            spec: "popen//python=\(venv)//execmodel=gevent", python: "cpython-venv", pythonMajor: 3, gatewayBase: base,
            availableBases: bases, transport: "popen/gevent",
            unavailable: missing ?? Self.geventHangs))
        return targets
    }

    /// Why the gevent cell is a documented skip: stock's own host hangs
    /// the same way (stock execnet issues #75 and #123 report gevent hangs).
    public static let geventHangs = "stock 2.1.2's own host hangs too: under gevent 26.9.0 the remote never "
        + "answers remote_exec (channel.send(1) not received within 20 s; stock issues #75, #123)"

    /// Every pair of local interpreter and stock release that release supports.
    public static func discover(
        interpreters: [Interpreter], bases: [GatewayBase]
    ) -> [LiveTarget] {
        var targets: [LiveTarget] = []
        for interpreter in interpreters {
            let python = PythonVersion(major: interpreter.major, minor: interpreter.minor, micro: 99)
            for base in bases where base.minimumPython <= python {
                targets.append(
                    LiveTarget(
                        spec: "popen//python=\(interpreter.path)",
                        python: "\(interpreter.implementation)-\(interpreter.version)",
                        pythonMajor: interpreter.major, gatewayBase: base, availableBases: bases))
            }
        }
        return targets
    }
}
