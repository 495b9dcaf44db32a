import Execnet
import Foundation
import Synchronization

/// `execnet-bench rsync`: the Swift RSync to popen targets, timed as
/// scripts/bench_rsync.py times stock's (see there).
func runRSync(_ arguments: ArraySlice<String>) async -> Int32 {
    var python = "python3"
    var source: String?
    var destinations: [String] = []
    var runs = 1
    var clear = false
    var version = "2.1.2"
    var rest = arguments
    func value(_ name: String) -> String {
        guard let next = rest.popFirst() else { fail("\(name) needs a value") }
        return next
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "--python": python = value(argument)
        case "--source": source = value(argument)
        case "--dest": destinations.append(value(argument))
        case "--runs":
            guard let count = Int(value(argument)), count > 0 else { fail("--runs needs a positive number") }
            runs = count
        case "--stock-version": version = value(argument)
        case "--clear": clear = true
        case "-h", "--help":
            print("usage: execnet-bench rsync --source DIR --dest DIR [--dest DIR ...] [--python PY] [--runs N] [--clear] [--stock-version V]")
            return 0
        default: fail("unknown option \(argument)")
        }
    }
    guard let source, !destinations.isEmpty else { fail("--source and at least one --dest are needed") }
    do {
        let base = try await StockCache.gatewayBase(version: version)
        try await withGroup(options: GatewayOptions(bootstrap: .exact(base))) { group in
            var gateways: [Gateway] = []
            for index in destinations.indices {
                gateways.append(try await group.makeGateway("popen//python=\(python)//id=gw\(index)"))
            }
            for _ in 0..<runs {
                if clear {
                    for destination in destinations { try? FileManager.default.removeItem(atPath: destination) }
                }
                let sent = Atomic<Int>(0)
                let cpuBefore = processCPUSeconds()
                let started = ContinuousClock.now
                let sync = RSync(sourceDirectory: source, progress: { event in
                    if case .sending(_, _, let bytes) = event { sent.add(bytes, ordering: .relaxed) }
                })
                for (gateway, destination) in zip(gateways, destinations) {
                    try await sync.addTarget(gateway, destination: destination)
                }
                try await sync.send()
                let seconds = (ContinuousClock.now - started).seconds
                let cpu = processCPUSeconds() - cpuBefore
                let line =
                    "{\"workload\": \"rsync\", \"targets\": \(destinations.count), \"seconds\": \(seconds), "
                    + "\"cpu_seconds\": \(cpu), \"bytes_sent\": \(sent.load(ordering: .relaxed))}\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
        return 0
    } catch {
        FileHandle.standardError.write(Data("execnet-bench rsync: \(error)\n".utf8))
        return 1
    }
}
