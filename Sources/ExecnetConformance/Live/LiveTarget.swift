import Execnet

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
