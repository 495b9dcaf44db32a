import Execnet
import Foundation

let objectsUsage = """
    usage: execnet-bench objects [--python PATH] [--reps N] [--calls N]
                                 [--file-mib N] [--dir DIR] [--only W,...]
                                 [--json]

    Remote objects against plain channels on the same gateway, in one run
    (each rep times every workload once, in turn):
      call      N calls of os.getpid() on a held proxy of os, one at a time,
                vs N ints echoed one at a time through a plain channel (in
                alternating slices of 100)
      proxies   10,000 proxies received (batches of 1,000 from a remote
                list) then released and seen gone from the agent's table,
                vs the same 10,000 ints received as 10 lists of 1,000 over a
                plain channel, one request each
      putfile   a file of --file-mib MiB copied to the remote side, and
      getfile   back, vs host.bulk: a 1 MiB bytes value echoed 300 times
                through a plain channel (MB/s each way)
    --only runs just the named workloads (channel.echo and objects.call run
    together; the others: channel.lists, objects.proxies, host.bulk,
    objects.putfile, objects.getfile, which brings putfile along), for
    profiling one of them.
    The gateway bootstraps stock gateway_base 2.1.2 in exec mode. Prints
    one JSON object with every workload's timed runs (seconds) under --json.
    """

struct ObjectsOptions {
    var python = "python3"
    var reps = 6
    var calls = 2000
    var fileMiB = 256
    var directory: String?
    var only: Set<String>?
    var json = false

    /// getfile copies back the file that putfile made, so it brings putfile along.
    func runs(_ workload: String) -> Bool {
        guard let only else { return true }
        return only.contains(workload) || (workload == "objects.putfile" && only.contains("objects.getfile"))
    }
}

struct ObjectsReport: Encodable {
    var python: String
    var calls: Int
    var proxies: Int
    var file_bytes: Int
    var bulk_bytes: Int
    var bulk_echoes: Int
    /// Timed runs in seconds, by workload.
    var workloads: [String: [Double]]
}

func runObjects(_ arguments: ArraySlice<String>) async -> Int32 {
    var options = ObjectsOptions()
    var rest = Array(arguments)
    func value(_ what: String) -> String {
        if rest.isEmpty { fail("objects: \(what) needs a value") }
        return rest.removeFirst()
    }
    func number(_ text: String) -> Int {
        guard let value = Int(text), value > 0 else { fail("objects: expected a positive number") }
        return value
    }
    while !rest.isEmpty {
        let argument = rest.removeFirst()
        switch argument {
        case "--python": options.python = value(argument)
        case "--reps": options.reps = number(value(argument))
        case "--calls": options.calls = number(value(argument))
        case "--file-mib": options.fileMiB = number(value(argument))
        case "--dir": options.directory = value(argument)
        case "--only": options.only = Set(value(argument).split(separator: ",").map(String.init))
        case "--json": options.json = true
        case "-h", "--help":
            print(objectsUsage)
            return 0
        default: fail("objects: unknown argument '\(argument)'\n\n\(objectsUsage)")
        }
    }
    do {
        let report = try await objectsBench(options)
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for (name, runs) in report.workloads.sorted(by: { $0.key < $1.key }) {
                print("\(name): median \(String(format: "%.4f", Measurement(seconds: runs).median)) s of \(runs.count)")
            }
        }
        return 0
    } catch {
        fail("objects: \(error)", status: 1)
    }
}

func objectsBench(_ options: ObjectsOptions) async throws -> ObjectsReport {
    let base = try await StockCache.gatewayBase(version: "2.1.2")
    let group = Group(options: GatewayOptions(bootstrap: .exact(base)))
    defer { Task { await group.terminate(timeout: .seconds(10)) } }
    let gateway = try await group.makeGateway("popen//python=\(options.python)")
    let remote = try await RemotePython.open(on: gateway, gcInterval: .seconds(3600))
    let echo = try await gateway.remoteExec(echoSource)
    let lists = try await gateway.remoteExec("""
        for start in channel:
            channel.send(list(range(start, start + 1000)))
        """)
    let directory = options.directory ?? NSTemporaryDirectory()
    let scratch = directory + "/execnet-bench-objects-\(getpid())"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let fileBytes = options.fileMiB << 20
    try writePattern(scratch + "/source", bytes: fileBytes)
    let bulkBytes = 1 << 20, bulkEchoes = 300
    let payload = PyValue.bytes((0..<bulkBytes).map { UInt8(truncatingIfNeeded: $0) })
    let os = try await remote.modules.os.swift.get()

    let workloads: [(String, () async throws -> Duration)] = [
        ("channel.lists", { try await receiveLists(lists, items: 10_000) }),
        ("objects.proxies", { try await proxies(remote, count: 10_000) }),
        ("host.bulk", { try await bulk(echo, payload: payload, size: bulkBytes, echoes: bulkEchoes) }),
        ("objects.putfile", {
            let start = clock.now
            try await remote.putFile(scratch + "/source", scratch + "/remote")
            return clock.now - start
        }),
        ("objects.getfile", {
            let start = clock.now
            try await remote.getFile(scratch + "/remote", scratch + "/back")
            return clock.now - start
        }),
    ]
    var runs: [String: [Double]] = [:]
    let timesCalls = options.runs("channel.echo") || options.runs("objects.call")
    try await withTaskExecutorPreference(gateway.executor) {
        for rep in -1..<options.reps {
            // Round trips feel every scheduling hiccup of a noisy machine:
            // the two run in alternating slices of 100, so both see the same.
            var echoTime = Duration.zero, callTime = Duration.zero
            for _ in 0..<(timesCalls ? max(1, options.calls / 100) : 0) {
                echoTime += try await roundtrip(echo, count: 100)
                callTime += try await calls(os, count: 100)
            }
            if rep >= 0, timesCalls {
                runs["channel.echo", default: []].append(echoTime.seconds)
                runs["objects.call", default: []].append(callTime.seconds)
            }
            for (name, workload) in workloads where options.runs(name) {
                let seconds = try await workload().seconds
                if rep >= 0 { runs[name, default: []].append(seconds) }
            }
        }
    }
    remote.close()
    try echo.close()
    try lists.close()
    await group.terminate(timeout: .seconds(10))
    return ObjectsReport(
        python: options.python, calls: max(1, options.calls / 100) * 100, proxies: 10_000, file_bytes: fileBytes,
        bulk_bytes: bulkBytes, bulk_echoes: bulkEchoes, workloads: runs)
}

/// `count` calls of `getpid()` on the held proxy `os`.
func calls(_ os: RemoteObject, count: Int) async throws -> Duration {
    let start = clock.now
    var last = 0
    for _ in 0..<count {
        guard let pid = Int(try await os.getpid()) else { throw BenchFailure(description: "getpid() gave no int") }
        last = pid
    }
    let elapsed = clock.now - start
    guard last > 0 else { throw BenchFailure(description: "getpid() gave \(last)") }
    return elapsed
}

/// `count` proxies received in batches of 1,000, dropped, and released.
func proxies(_ remote: RemotePython, count: Int) async throws -> Duration {
    let baseline = try await remote.statistics().heldObjects
    let start = clock.now
    var received = 0
    do {
        let objects = try await remote.eval("[object() for _ in range(\(count))]")
        for try await object in objects.swift.iterate(batchSize: 1000) where object.swift.objectID != nil {
            received += 1
        }
    }
    remote.collectGarbage()
    while try await remote.statistics().heldObjects != baseline {}
    let elapsed = clock.now - start
    guard received == count else { throw BenchFailure(description: "proxies: received \(received) of \(count)") }
    return elapsed
}

/// `items` ints received as lists of 1,000, one request per list.
func receiveLists(_ channel: Channel, items: Int) async throws -> Duration {
    let start = clock.now
    var received = 0
    for first in stride(from: 0, to: items, by: 1000) {
        try await channel.send(.int(PyInt(first)))
        received += try await channel.receive().items?.count ?? 0
    }
    let elapsed = clock.now - start
    guard received == items else { throw BenchFailure(description: "lists: received \(received) of \(items)") }
    return elapsed
}

func writePattern(_ path: String, bytes: Int) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw BenchFailure(description: "cannot create \(path)")
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var block = [UInt8](repeating: 0, count: 1 << 20)
    var state: UInt32 = 1
    var written = 0
    while written < bytes {
        for index in block.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            block[index] = UInt8(truncatingIfNeeded: state >> 24)
        }
        let count = min(block.count, bytes - written)
        try handle.write(contentsOf: block[0..<count])
        written += count
    }
}
