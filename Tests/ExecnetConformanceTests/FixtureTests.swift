import Execnet
import ExecnetConformance
import ExecnetWire
import Foundation
import Testing

@Suite("Golden fixtures")
struct FixtureTests {
    /// The check runs once; both tests read its results.
    static let results = Result { () throws -> [FixtureResult] in
        guard let directory = FixtureLocation.find() else {
            throw TypedValue.Failure(description: "no Fixtures/ directory")
        }
        return try FixtureCheck(directory: directory).run()
    }

    @Test func everyFixtureOfEveryProducerPasses() async throws {
        let results = try await offPool { try Self.results.get() }
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
    @Test(.timeLimit(.minutes(5))) func regenerationReproducesTheCommittedBytes() async throws {
        let needed = try await offPool { try Self.neededInterpreterVersions() }
        let found = Set(try await Interpreter.discover().map { "\($0.implementation)-\($0.version)" })
        let missing = needed.subtracting(found)
        guard missing.isEmpty else {
            try requireInCI("regeneration check needs \(missing.sorted().joined(separator: ", "))")
            return
        }
        let (status, output) = try await Command.run(["python3", Checkout.script("regen-fixtures"), "--check"])
        #expect(status == 0, "regen-fixtures --check: \(output.suffix(2000))")
    }

    private static func neededInterpreterVersions() throws -> Set<String> {
        Set(try Self.results.get().flatMap(\.producers).compactMap { Producer($0) }
            .map { "\($0.implementation)-\($0.pythonMajor).\($0.pythonMinor)" })
    }
}
