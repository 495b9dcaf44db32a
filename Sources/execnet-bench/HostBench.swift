import Execnet
import Foundation

let hostUsage = """
    usage: execnet-bench host [OPTIONS]

    Times the Swift host driving stock execnet's gateway_base over popen
    (see scripts/bench, which runs the same workloads with stock execnet's
    own Python host and compares). Every workload is run once as a warm-up,
    then timed; each timed run is reported in seconds.

      --python PATH        remote interpreter (default python3)
      --stock-version V    gateway_base sent in exec mode (default 2.1.2)
      --startup-runs N     timed gateway startups per mode (default 10)
      --reps N             timed runs of the other workloads (default 5)
      --count N            items for roundtrip and pipelined (default 20000)
      --bulk-bytes N       size of the bulk bytes value (default 1048576)
      --bulk-echoes N      bulk echoes per run (default 300)
      --fanout N           gateways started together by fanout (default 16)
      --spec XSPEC         the gateway spec instead of popen//python=PATH
                           (ssh=…, socket=…, …//via=ID)
      --prelude XSPEC      a gateway made first in every group, outside the
                           clock (the hop a via spec names); repeatable
      --only NAME          run only this workload (startup, startup.matching,
                           roundtrip, roundtrip.pool, pipelined, bulk, floor
                           (floor.roundtrip and floor.pipelined), channels64,
                           floor.channels64, fanout, fanout64); repeatable
      --json               one JSON object on stdout instead of text
    """

struct HostOptions {
    var python = "python3"
    var stockVersion = "2.1.2"
    var startupRuns = 10
    var reps = 5
    var count = 20_000
    var bulkBytes = 1 << 20
    var bulkEchoes = 300
    var fanout = 16
    var only: Set<String> = []
    var json = false
    var spec: String?
    var prelude: [String] = []

    static let workloads = [
        "startup", "startup.matching", "roundtrip", "roundtrip.pool", "pipelined", "bulk", "floor", "channels64",
        "floor.channels64", "fanout", "fanout64",
    ]

    func runs(_ workload: String) -> Bool { only.isEmpty || only.contains(workload) }
}

func parseHostOptions(_ arguments: ArraySlice<String>) -> HostOptions? {
    var options = HostOptions()
    var rest = arguments
    func value(_ name: String) -> String {
        guard let value = rest.popFirst() else { fail("host: \(name) needs a value") }
        return value
    }
    func count(_ name: String, minimum: Int) -> Int {
        guard let n = Int(value(name)), n >= minimum else { fail("host: \(name) needs a count of at least \(minimum)") }
        return n
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "-h", "--help": return nil
        case "--python": options.python = value(argument)
        case "--stock-version": options.stockVersion = value(argument)
        case "--startup-runs": options.startupRuns = count(argument, minimum: 1)
        case "--reps": options.reps = count(argument, minimum: 1)
        case "--count": options.count = count(argument, minimum: 1)
        case "--bulk-bytes": options.bulkBytes = count(argument, minimum: 0)
        case "--bulk-echoes": options.bulkEchoes = count(argument, minimum: 1)
        case "--fanout": options.fanout = count(argument, minimum: 1)
        case "--only":
            let name = value(argument)
            guard HostOptions.workloads.contains(name) else {
                fail("host: --only takes one of \(HostOptions.workloads.joined(separator: ", "))")
            }
            options.only.insert(name)
        case "--json": options.json = true
        case "--spec": options.spec = value(argument)
        case "--prelude": options.prelude.append(value(argument))
        default: fail("host: unknown argument '\(argument)' (try --help)")
        }
    }
    return options
}

/// The timings of one workload: the warm-up run, then the timed runs.
struct HostTiming: Encodable {
    var warmup_s: Double
    var seconds: [Double]
    /// CPU time (user + system) this host process spent over the timed runs.
    var cpu_s: Double
    /// Startup and fanout only: CPU time of the remote processes started and
    /// ended (reaped) by the timed runs.
    var remote_cpu_s: Double? = nil
    /// Startup only: each timed run through the end of `terminate`.
    var through_terminate_s: [Double]?

    var median: Double { Measurement(seconds: seconds).median }
}

/// What `execnet-bench host --json` prints; scripts/bench_stock.py prints
/// the same shape for stock's host.
struct HostReport: Encodable {
    var host: String
    var python: String
    var gateway_base: String
    var count: Int
    var bulk_bytes: Int
    var bulk_echoes: Int
    var fanout: Int
    var fanout_mode: String
    var workloads: [String: HostTiming]
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
}

/// Remote code that sends every item back until the channel closes.
let echoSource = """
    for x in channel:
        channel.send(x)
    """

let clock = ContinuousClock()

#if canImport(Glibc)
private typealias RusageWho = __rusage_who_t
private let RUSAGE_SELF_WHO = RusageWho(RUSAGE_SELF.rawValue)
private let RUSAGE_CHILDREN_WHO = RusageWho(RUSAGE_CHILDREN.rawValue)
#else
private typealias RusageWho = Int32
private let RUSAGE_SELF_WHO = RUSAGE_SELF
private let RUSAGE_CHILDREN_WHO = RUSAGE_CHILDREN
#endif

/// User + system CPU seconds of this process so far (all threads).
func processCPUSeconds() -> Double { cpuSeconds(RUSAGE_SELF_WHO) }

/// User + system CPU seconds of the child processes reaped so far.
func childrenCPUSeconds() -> Double { cpuSeconds(RUSAGE_CHILDREN_WHO) }

private func cpuSeconds(_ who: RusageWho) -> Double {
    var usage = rusage()
    getrusage(who, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func runHost(_ arguments: ArraySlice<String>) async -> Int32 {
    guard let options = parseHostOptions(arguments) else {
        print(hostUsage)
        return 0
    }
    do {
        let report = try await hostBench(options)
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printHostReport(report)
        }
        return 0
    } catch {
        fail("host: \(error)", status: 1)
    }
}

func hostBench(_ options: HostOptions) async throws -> HostReport {
    let base = try await StockCache.gatewayBase(version: options.stockVersion)
    let exact = GatewayOptions(bootstrap: .exact(base))
    let spec = options.spec ?? "popen//python=\(options.python)"
    let prelude = options.prelude
    var workloads: [String: HostTiming] = [:]

    if options.runs("startup") {
        workloads["startup"] = try await startup(spec: spec, options: exact, runs: options.startupRuns, prelude: prelude)
    }
    if options.runs("startup.matching") {
        workloads["startup.matching"] = try await startup(
            spec: spec, options: GatewayOptions(), runs: options.startupRuns, prelude: prelude)
    }
    // The floor's runs alternate with the Swift host's runs of the same
    // workload (when both run), so that a drift in the machine's speed
    // weighs on both alike: minutes apart, this machine's round trip moved
    // by 20%.
    let floor = options.runs("floor") ? try FloorHost(python: options.python, base: base) : nil
    let frames = floor == nil ? [] : try FloorHost.frames(count: options.count)
    // A floor run blocks the thread it is on (the gateway's, under its
    // executor preference); the gateway is idle meanwhile.
    func alongside(_ run: @escaping (FloorHost) -> ([[UInt8]]) throws -> Duration) -> FloorRuns? {
        guard let floor else { return nil }
        return FloorRuns { try run(floor)(frames) }
    }
    let streaming = ["roundtrip", "roundtrip.pool", "pipelined", "bulk", "channels64"].filter(options.runs)
    if !streaming.isEmpty {
        let group = Group(options: exact)
        for hop in prelude { try await group.makeGateway(hop) }
        let gateway = try await group.makeGateway(spec)
        if options.runs("roundtrip") {
            // On the gateway's own executor: each echo resumes the loop on
            // the thread that read it (see Gateway.executor).
            let floorRuns = alongside(FloorHost.roundtrip)
            workloads["roundtrip"] = try await withTaskExecutorPreference(gateway.executor) {
                try await echoWorkload(gateway, reps: options.reps, alongside: floorRuns) { channel in
                    try await roundtrip(channel, count: options.count)
                }
            }
            if let floorRuns { workloads["floor.roundtrip"] = floorRuns.timing }
        }
        if options.runs("roundtrip.pool") {
            workloads["roundtrip.pool"] = try await echoWorkload(gateway, reps: options.reps) { channel in
                try await roundtrip(channel, count: options.count)
            }
        }
        if options.runs("pipelined") {
            let floorRuns = alongside(FloorHost.pipelined)
            workloads["pipelined"] = try await withTaskExecutorPreference(gateway.executor) {
                try await echoWorkload(gateway, reps: options.reps, alongside: floorRuns) { channel in
                    try await pipelined(channel, count: options.count)
                }
            }
            if let floorRuns { workloads["floor.pipelined"] = floorRuns.timing }
        }
        if options.runs("bulk") {
            let payload = PyValue.bytes((0..<options.bulkBytes).map { UInt8(truncatingIfNeeded: $0) })
            workloads["bulk"] = try await withTaskExecutorPreference(gateway.executor) {
                try await echoWorkload(gateway, reps: options.reps) { channel in
                    try await bulk(channel, payload: payload, size: options.bulkBytes, echoes: options.bulkEchoes)
                }
            }
        }
        if options.runs("channels64") {
            workloads["channels64"] = try await channels(gateway, channels: 64, items: 2000, reps: options.reps)
        }
        await group.terminate(timeout: .seconds(10))
    }
    if let floor {
        // The floor's workloads whose Swift counterpart did not run.
        for (name, run) in [("floor.roundtrip", floor.roundtrip), ("floor.pipelined", floor.pipelined)]
        where workloads[name] == nil {
            let runs = FloorRuns { try run(frames) }
            try runs.warmUp()
            for _ in 0..<options.reps { try runs.once() }
            workloads[name] = runs.timing
        }
        floor.close()
        _ = try await floor.process.waitForExit()
    }
    if options.runs("floor.channels64") {
        let floor = try FloorHost(python: options.python, base: base, channels: 64)
        let warmup = try floor.waves(channels: 64, rounds: 2000).seconds
        var seconds: [Double] = []
        let cpu = processCPUSeconds()
        for _ in 0..<options.reps { seconds.append(try floor.waves(channels: 64, rounds: 2000).seconds) }
        workloads["floor.channels64"] = HostTiming(warmup_s: warmup, seconds: seconds, cpu_s: processCPUSeconds() - cpu)
        floor.close()
        _ = try await floor.process.waitForExit()
    }
    for (name, n) in [("fanout64", 64)] where options.runs(name) {
        let warmup = try await fanout(spec: spec, options: exact, gateways: n).seconds
        var seconds: [Double] = []
        let cpu = processCPUSeconds()
        let remote = childrenCPUSeconds()
        for _ in 0..<options.reps { seconds.append(try await fanout(spec: spec, options: exact, gateways: n).seconds) }
        workloads[name] = HostTiming(
            warmup_s: warmup, seconds: seconds, cpu_s: processCPUSeconds() - cpu,
            remote_cpu_s: childrenCPUSeconds() - remote)
    }
    if options.runs("fanout") {
        let n = options.fanout
        let warmup = try await fanout(spec: spec, options: exact, gateways: n).seconds
        var seconds: [Double] = []
        let cpu = processCPUSeconds()
        let remote = childrenCPUSeconds()
        for _ in 0..<options.reps { seconds.append(try await fanout(spec: spec, options: exact, gateways: n).seconds) }
        workloads["fanout"] = HostTiming(
            warmup_s: warmup, seconds: seconds, cpu_s: processCPUSeconds() - cpu,
            remote_cpu_s: childrenCPUSeconds() - remote)
    }
    return HostReport(
        host: "execnet for Swift (release build)", python: options.python,
        gateway_base: "\(base.version ?? "?") exact (startup.matching: version probe)",
        count: options.count, bulk_bytes: options.bulkBytes, bulk_echoes: options.bulkEchoes,
        fanout: options.fanout, fanout_mode: "concurrent (TaskGroup)", workloads: workloads)
}

/// From nothing to the first result: a group, a gateway, remote_exec and
/// one receive. The group is terminated after the clock reading (a second
/// reading through the end of terminate is kept as well). With a prelude,
/// its gateways are made before the clock starts.
func startup(spec: String, options: GatewayOptions, runs: Int, prelude: [String] = []) async throws -> HostTiming {
    func once() async throws -> (Double, Double) {
        var prepared: Group?
        if !prelude.isEmpty {
            let made = Group(options: options)
            for hop in prelude { try await made.makeGateway(hop) }
            prepared = made
        }
        let start = clock.now
        let group = prepared ?? Group(options: options)
        let gateway = try await group.makeGateway(spec)
        let channel = try await gateway.remoteExec("channel.send(1)")
        let value = try await channel.receive()
        let first = clock.now - start
        await group.terminate(timeout: .seconds(10))
        let total = clock.now - start
        guard value == 1 else { throw BenchFailure(description: "startup received \(value), not 1") }
        return (first.seconds, total.seconds)
    }
    let warmup = try await once().0
    var first: [Double] = []
    var total: [Double] = []
    let cpu = processCPUSeconds()
    let remote = childrenCPUSeconds()
    for _ in 0..<runs {
        let (a, b) = try await once()
        first.append(a)
        total.append(b)
    }
    return HostTiming(
        warmup_s: warmup, seconds: first, cpu_s: processCPUSeconds() - cpu,
        remote_cpu_s: childrenCPUSeconds() - remote, through_terminate_s: total)
}

/// One echo channel on `gateway` for a warm-up run and `reps` timed runs.
func echoWorkload(
    _ gateway: Gateway, reps: Int, alongside floor: FloorRuns? = nil, _ run: (Channel) async throws -> Duration
) async throws -> HostTiming {
    let channel = try await gateway.remoteExec(echoSource)
    let warmup = try await run(channel).seconds
    try floor?.warmUp()
    var seconds: [Double] = []
    var used = 0.0
    for _ in 0..<reps {
        let cpu = processCPUSeconds()
        seconds.append(try await run(channel).seconds)
        used += processCPUSeconds() - cpu
        try floor?.once()
    }
    try channel.close()
    try await channel.waitClose(timeout: .seconds(10))
    return HostTiming(warmup_s: warmup, seconds: seconds, cpu_s: used)
}

/// `count` ints, each sent and received back before the next.
func roundtrip(_ channel: Channel, count: Int) async throws -> Duration {
    let start = clock.now
    for i in 0..<count {
        try await channel.send(.int(PyInt(i)))
        let value = try await channel.receive()
        guard case .int(let back) = value, back == PyInt(i) else {
            throw BenchFailure(description: "roundtrip: sent \(i), received \(value)")
        }
    }
    return clock.now - start
}

/// `channels` echo channels on one gateway, each driven by its own task
/// through `items` round trips, all at once.
func channels(_ gateway: Gateway, channels: Int, items: Int, reps: Int) async throws -> HostTiming {
    var echoes: [Channel] = []
    for _ in 0..<channels { echoes.append(try await gateway.remoteExec(echoSource)) }
    let all = echoes
    func once() async throws -> Double {
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for channel in all {
                tasks.addTask { _ = try await roundtrip(channel, count: items) }
            }
            try await tasks.waitForAll()
        }
        return (clock.now - start).seconds
    }
    let warmup = try await once()
    var seconds: [Double] = []
    let cpu = processCPUSeconds()
    for _ in 0..<reps { seconds.append(try await once()) }
    let used = processCPUSeconds() - cpu
    for channel in all { try channel.close() }
    return HostTiming(warmup_s: warmup, seconds: seconds, cpu_s: used)
}

/// `count` ints sent without waiting, then all received.
func pipelined(_ channel: Channel, count: Int) async throws -> Duration {
    let start = clock.now
    for i in 0..<count { try await channel.send(.int(PyInt(i))) }
    for i in 0..<count {
        let value = try await channel.receive()
        guard case .int(let back) = value, back == PyInt(i) else {
            throw BenchFailure(description: "pipelined: expected \(i), received \(value)")
        }
    }
    return clock.now - start
}

/// One bytes value sent and received back `echoes` times.
func bulk(_ channel: Channel, payload: PyValue, size: Int, echoes: Int) async throws -> Duration {
    let start = clock.now
    var last: PyValue = .none
    for _ in 0..<echoes {
        try await channel.send(payload)
        last = try await channel.receive()
        guard case .bytes(let back) = last, back.count == size else {
            throw BenchFailure(description: "bulk: received \(last) instead of \(size) bytes")
        }
    }
    let elapsed = clock.now - start
    guard last == payload else { throw BenchFailure(description: "bulk: the echo differs from what was sent") }
    return elapsed
}

/// `gateways` gateways started concurrently, each answering once, then all
/// terminated; timed through the end of terminate.
func fanout(spec: String, options: GatewayOptions, gateways: Int) async throws -> Duration {
    let start = clock.now
    let group = Group(options: options)
    do {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<gateways {
                tasks.addTask {
                    let gateway = try await group.makeGateway(spec)
                    let channel = try await gateway.remoteExec("channel.send(1)")
                    let value = try await channel.receive()
                    guard value == 1 else { throw BenchFailure(description: "fanout received \(value), not 1") }
                }
            }
            try await tasks.waitForAll()
        }
    } catch {
        await group.terminate(timeout: .seconds(10))
        throw error
    }
    await group.terminate(timeout: .seconds(10))
    return clock.now - start
}

func printHostReport(_ report: HostReport) {
    func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1e3) }
    let w = report.workloads
    print("\(report.host) -> \(report.python), gateway_base \(report.gateway_base)")
    if let t = w["startup"] {
        print("startup: \(ms(t.median)) to the first result (median of \(t.seconds.count)), "
            + "\(ms(Measurement(seconds: t.through_terminate_s ?? []).median)) through terminate")
    }
    if let t = w["startup.matching"] {
        print("startup.matching: \(ms(t.median)) to the first result (median of \(t.seconds.count))")
    }
    if let t = w["roundtrip"] {
        print("roundtrip: \(String(format: "%.2f", t.median / Double(report.count) * 1e6)) µs per round trip")
    }
    if let t = w["pipelined"] {
        print("pipelined: \(String(format: "%.0f", Double(report.count) / t.median)) messages/s")
    }
    if let t = w["bulk"] {
        let rate = Double(report.bulk_bytes * report.bulk_echoes) / 1e6 / t.median
        print("bulk: \(String(format: "%.1f", rate)) MB/s each way")
    }
    if let t = w["fanout"] {
        print("fanout\(report.fanout): \(ms(t.median)) (\(report.fanout_mode))")
    }
}
