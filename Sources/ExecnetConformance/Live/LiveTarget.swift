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

    public init(spec: String, python: String, pythonMajor: Int, gatewayBase: GatewayBase?, availableBases: [GatewayBase]) {
        self.spec = spec
        self.python = python
        self.pythonMajor = pythonMajor
        self.gatewayBase = gatewayBase
        self.availableBases = availableBases
    }

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

    /// A group whose gateways bootstrap this target.
    func makeGroup(options override: GatewayOptions? = nil) -> Group {
        Group(defaultSpec: spec, options: override ?? options)
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
