import ExecnetConformance
import Execnet
import Foundation
import Testing

/// The live scenario suite (`execnet-conform live`) against every local
/// interpreter with every stock gateway_base release it supports, stock's
/// main_thread_only execmodel, and every transport.
@Suite struct LiveSuiteTests {
    static let expectedPythons = ["2.7"] + (6...13).map { "3.\($0)" }

    @Test func everyScenarioPassesOnEveryInterpreter() async throws {
        let interpreters = try await Interpreter.discover()
        let found = Set(interpreters.map(\.version))
        for missing in Self.expectedPythons where !found.contains(missing) {
            let message = "Python \(missing) not found on PATH or under `pyenv root`/versions"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("\(message) (CI=true requires it)")
            } else {
                print("live suite: \(message); not tested")
            }
        }
        let bases = try await StockCache.allGatewayBases()
        let targets = LiveTarget.discover(interpreters: interpreters, bases: bases)
            + LiveTarget.execmodels(interpreters: interpreters, bases: bases)
        #expect(targets.count >= interpreters.count)
        let results = await LiveRunner().run(targets)
        #expect(results.count == targets.count * LiveScenarios.all.count)
        for result in results {
            if case .fail(let detail) = result.verdict {
                Issue.record("\(result.scenario) on \(result.target.python) / gateway_base \(result.target.gatewayBaseLabel): \(detail)")
            }
        }
        print("live suite: " + LiveReport.closingLine(results))
    }

    /// The transport cells (ssh, socket, via through popen, ssh through
    /// popen, two hops) on every local interpreter, against a loopback sshd
    /// and stock's socket servers started for this test.
    @Test(.enabled(if: LiveServers.sshdInstalled, "needs sshd: run scripts/test-servers install"))
    func everyScenarioPassesOverEveryTransport() async throws {
        let (targets, servers) = await LiveTargets.transportCells()
        #expect(servers != nil, "the test servers did not start")
        let results = await LiveRunner().run(targets)
        await servers?.stop()
        #expect(Set(targets.map(\.transport)) == ["ssh", "socket", "via-popen", "via-ssh", "via-2hop"])
        for result in results {
            if case .fail(let detail) = result.verdict {
                Issue.record("\(result.scenario) on \(result.target.python) \(result.target.transport): \(detail)")
            }
            if case .skip(let reason) = result.verdict, result.target.unavailable != nil {
                Issue.record("\(result.target.transport) cell unavailable: \(reason)")
            }
        }
        print("live suite over transports: " + LiveReport.closingLine(results))
    }

    @Test func suiteHasAtLeastTwentyScenariosWithUniqueNames() {
        let names = LiveScenarios.all.map(\.name)
        #expect(names.count >= 20)
        #expect(Set(names).count == names.count)
    }

    @Test func jsonReportHasTheDocumentedShape() throws {
        let target = LiveTarget(spec: "popen", python: "cpython-3.11", pythonMajor: 3, gatewayBase: nil, availableBases: [])
        let results = [
            LiveResult(target: target, scenario: "a", verdict: .pass("ok"), seconds: 0.1),
            LiveResult(target: target, scenario: "b", verdict: .skip("n/a"), seconds: 0),
        ]
        let object = try JSONSerialization.jsonObject(with: Data(LiveReport.json(results).utf8)) as? [String: Any]
        let entries = try #require(object?["results"] as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(Set(entries[0].keys).isSuperset(of: ["spec", "python", "gateway_base", "scenario", "status", "detail"]))
        #expect(entries[1]["status"] as? String == "skip")
        let summary = try #require(object?["summary"] as? [String: Int])
        #expect(summary == ["passed": 1, "failed": 0, "skipped": 1])
        #expect(LiveReport.closingLine(results) == "1 passed, 0 failed, 1 skipped")
    }
}
