import ExecnetConformance
import Foundation
@testable import Execnet
@testable import ExecnetTransport

/// Trees from scripts/rsync_tree.py, stock's own RSync for comparison, and
/// scratch directories that go away with the test.
struct RSyncScratch {
    let base: String

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("execnet-rsync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { base + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: base) }

    /// A tree of `profile` (transcript, test, bench) at `name`.
    func tree(_ name: String, profile: String, seed: Int = 0) async throws -> String {
        let target = path(name)
        try await Self.script(["make", target, "--profile", profile, "--seed", "\(seed)"])
        return target
    }

    /// Differences between two trees (rsync_tree.py compare), nil when equal.
    static func differences(_ a: String, _ b: String) async throws -> String? {
        let output = try await runProcess(["python3", Checkout.script("rsync_tree.py"), "compare", a, b])
        return output.succeeded ? nil : output.text + output.standardErrorTail
    }

    @discardableResult
    static func script(_ arguments: [String]) async throws -> String {
        let output = try await runProcess(["python3", Checkout.script("rsync_tree.py")] + arguments)
        guard output.succeeded else {
            throw TestServers.Failure(description: "rsync_tree.py \(arguments.first ?? ""): \(output.text)\(output.standardErrorTail)")
        }
        return output.text
    }

    /// Stock 2.1.2's own Python RSync, from a python3 host, to popen targets
    /// (python, destination).
    static func stockSync(source: String, targets: [(python: String, destination: String)], delete: Bool = false) async throws {
        _ = try await StockCache.gatewayBase(version: "2.1.2")
        let parent = StockCache.directory(version: "2.1.2")
        let program = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import execnet
            source, targets, delete = json.loads(sys.argv[2])
            group = execnet.Group()
            sync = execnet.RSync(source, verbose=False)
            for number, (python, destination) in enumerate(targets):
                gateway = group.makegateway("popen//python=%s//id=stock%d" % (python, number))
                sync.add_target(gateway, destination, delete=True) if delete else sync.add_target(gateway, destination)
            sync.send()
            group.terminate()
            """
        let request = String(
            decoding: try JSONSerialization.data(withJSONObject: [source, targets.map { [$0.python, $0.destination] }, delete]),
            as: UTF8.self)
        let output = try await runProcess([TestServers.python3, "-c", program, parent, request])
        guard output.succeeded else {
            throw TestServers.Failure(description: "stock RSync failed: \(output.standardErrorTail)")
        }
    }
}

extension LiveServers {
    /// Python 2.7 (when present), started under a UTF-8 locale: Python 2
    /// takes its file system encoding from the locale at start-up, and the
    /// trees have non-ASCII names.
    static var python2UTF8: String? {
        pythons.first { $0.contains("2.7") }.map { "env LC_ALL=C.UTF-8 \($0)" }
    }
}
