import ExecnetConformance
import Foundation

let liveUsage = """
    usage: execnet-conform live [--python PATH]... [--spec XSPEC]...
                                [--gateway-base VERSION|PATH] [--format text|json]
                                [--scenario NAME]... [--no-transports]

    Runs the live scenario suite: a Swift host drives stock execnet remote
    ends (gateway_base 1.9.0, 2.0.2, 2.1.2 from the wheel cache, fetched from
    PyPI on first use) through every host behaviour, error paths included.
    With no --python and no --spec it runs every interpreter found on PATH
    and under `pyenv root`/versions with every stock release it supports
    over popen, and then, with the newest release each runs, the transport
    cells: ssh to a loopback sshd and socket to stock's socket server (both
    started by scripts/test-servers and stopped afterwards; without sshd
    those cells are listed as skipped, with the reason), popen and ssh
    through a popen via gateway, and popen through two hops.
    Prints a scenario-by-target matrix and 'N passed, N failed'; exits 1 on
    any failure.

      --python PATH         an interpreter to run (repeatable)
      --spec XSPEC          a gateway spec to run as given (repeatable)
      --gateway-base V|P    only this stock release, or a gateway_base.py file
      --format text|json    report format (default text)
      --scenario NAME       only this scenario (repeatable)
      --no-transports       popen cells only
    """

func runLive(_ arguments: ArraySlice<String>) async -> Int32 {
    var pythons: [String] = []
    var specs: [String] = []
    var gatewayBase: String?
    var format = "text"
    var only: [String] = []
    var transports = true
    var rest = arguments
    func value(_ option: String) -> String {
        guard let value = rest.popFirst() else { fail("\(option) needs a value") }
        return value
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "-h", "--help": print(liveUsage); return 0
        case "--python": pythons.append(value(argument))
        case "--spec": specs.append(value(argument))
        case "--gateway-base": gatewayBase = value(argument)
        case "--scenario": only.append(value(argument))
        case "--no-transports": transports = false
        case "--format":
            format = value(argument)
            guard format == "text" || format == "json" else { fail("--format must be text or json") }
        default: fail("live: unknown argument '\(argument)'")
        }
    }
    var scenarios = LiveScenarios.all
    if !only.isEmpty {
        let known = Set(scenarios.map(\.name))
        for name in only where !known.contains(name) { fail("unknown scenario '\(name)'") }
        scenarios = scenarios.filter { only.contains($0.name) }
    }
    var targets: [LiveTarget]
    do {
        targets = try await LiveTargets.resolve(pythons: pythons, specs: specs, gatewayBase: gatewayBase)
    } catch {
        fail("\(error)")
    }
    guard !targets.isEmpty else { fail("no interpreters to run") }
    var servers: LiveServers?
    if transports && pythons.isEmpty && specs.isEmpty {
        let cells = await LiveTargets.transportCells(gatewayBase: gatewayBase)
        targets += cells.targets
        servers = cells.servers
    }
    let runner = LiveRunner(scenarios: scenarios)
    let results = await runner.run(targets)
    await servers?.stop()
    if format == "json" {
        print(LiveReport.json(results))
    } else {
        print("live: \(targets.count) targets x \(scenarios.count) scenarios")
        print(LiveReport.text(results, targets: targets, scenarios: scenarios))
    }
    return LiveReport.summary(results).failed == 0 ? 0 : 1
}
