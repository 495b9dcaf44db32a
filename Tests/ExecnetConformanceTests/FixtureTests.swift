import ExecnetConformance
import ExecnetWire
import Foundation
import Testing

@Suite("Golden fixtures")
struct FixtureTests {
    @Test func everyFixtureOfEveryProducerPasses() throws {
        let directory = try #require(FixtureLocation.find(), "no Fixtures/ directory")
        let results = try FixtureCheck(directory: directory).run()
        #expect(results.count > 5000)
        for failure in results where failure.failure != nil {
            Issue.record("\(failure.group) \(failure.name) \(failure.producers): \(failure.failure!)")
        }
        // Every producer the fixtures were made with is checked.
        let producers = Set(results.flatMap(\.producers))
        #expect(producers.contains("execnet-1.9.0/cpython-2.7"))
        #expect(producers.contains("execnet-2.1.2/cpython-3.13"))
        // Only the documented deviations are skipped: Python 2 surrogates, and
        // input over a configurable limit.
        for skipped in results where skipped.skipped != nil {
            let python2Surrogates = skipped.producers.allSatisfy { $0.contains("cpython-2.") }
            let limit = skipped.skipped!.contains("DecodingLimits")
            #expect(python2Surrogates || limit, "\(skipped.name) skipped: \(skipped.skipped!)")
        }
    }

    /// Regeneration from stock is deterministic: `scripts/regen-fixtures --check`
    /// rebuilds everything into a temporary directory and compares bytes.
    @Test(.timeLimit(.minutes(5))) func regenerationReproducesTheCommittedBytes() throws {
        let needed = try neededInterpreterVersions()
        let found = Set(try Interpreter.discover().filter { $0.implementation == "cpython" }.map(\.version))
        let missing = needed.subtracting(found)
        guard missing.isEmpty else {
            try requireInCI("regeneration check needs Python \(missing.sorted().joined(separator: ", "))")
            return
        }
        let (status, output) = try run(["python3", Checkout.scripts.appendingPathComponent("regen-fixtures").path, "--check"])
        #expect(status == 0, "regen-fixtures --check: \(output.suffix(2000))")
    }

    private func neededInterpreterVersions() throws -> Set<String> {
        let directory = try #require(FixtureLocation.find())
        let results = try FixtureCheck(directory: directory).run()
        return Set(results.flatMap(\.producers).compactMap { Producer($0) }.map { "\($0.pythonMajor).\($0.pythonMinor)" })
    }
}
