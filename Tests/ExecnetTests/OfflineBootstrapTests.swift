import Foundation
import Testing
@testable import Execnet

/// The default bootstrap with an empty cache and no reachable package
/// index, run in a helper host so that its environment is its own.
@Suite struct OfflineBootstrapTests {
    static let localPythonHasExecnet: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import execnet"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    func runOffline(_ specs: [String], pythonPath: String?) async throws -> [String] {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("execnet-empty-cache-\(UUID())")
        defer { try? FileManager.default.removeItem(at: cache) }
        var environment = ProcessInfo.processInfo.environment
        environment["EXECNET_SWIFT_CACHE"] = cache.path
        environment["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple"
        environment["PIP_NO_CACHE_DIR"] = "1"
        environment["PIP_FIND_LINKS"] = cache.path
        environment["PIP_RETRIES"] = "0"
        environment["PIP_TIMEOUT"] = "2"
        environment["EXECNET_SWIFT_GATEWAY_BASE"] = nil
        environment["PYTHONPATH"] = pythonPath
        let host = Process()
        host.executableURL = URL(fileURLWithPath: HangSupport.testHost)
        host.arguments = ["open"] + specs
        host.environment = environment
        let output = Pipe()
        host.standardOutput = output
        try host.run()
        let text = try await HangSupport.within(.seconds(120), "the offline helper host") {
            try await HangSupport.lines(of: output.fileHandleForReading, until: nil)
        }
        host.waitUntilExit()
        return text
    }

    @Test func aRemoteWithExecnetInstalledOpensWithoutNetwork() async throws {
        let stock = StockCache.directory(version: "2.1.2")
        _ = try await StockCache.gatewayBase(version: "2.1.2")
        let lines = try await runOffline(["popen//python=\(HangSupport.python3)", "popen"], pythonPath: stock)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first == "ok gw0 exec:2.1.2 '2.1.2'", "\(lines)")
        // Plain popen uses stock's import mode when the remote can import execnet.
        #expect(lines.last == "ok gw1 import '2.1.2'", "\(lines)")
    }

    @Test(.enabled(if: !localPythonHasExecnet, "a local python3 has execnet installed"))
    func aRemoteWithNothingGetsAClearError() async throws {
        let lines = try await runOffline(["popen//python=\(HangSupport.python3)"], pythonPath: nil)
        #expect(lines.count == 1, "\(lines)")
        let line = lines.first ?? ""
        #expect(line.hasPrefix("error gateway 'gw0'"), "\(line)")
        #expect(line.contains("execnet 2.1.2"), "\(line)")
        #expect(line.contains("fetching it failed"), "\(line)")
        #expect(line.contains("EXECNET_SWIFT_GATEWAY_BASE"), "\(line)")
    }
}
