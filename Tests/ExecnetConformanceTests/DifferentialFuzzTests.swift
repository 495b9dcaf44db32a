import Execnet
import ExecnetConformance
import ExecnetWire
import Foundation
import Testing

/// Mutated dumps go to stock execnet's loader and to the Swift decoder; both
/// must give the same verdict, and where both accept, stock must load the
/// Swift re-encoding to the same value (compared through the oracle's
/// canonical form of each loaded value).
/// Disagreements are appended to Fixtures/fuzz-regressions/pending.hex;
/// `scripts/regen-fixtures` turns them into verdict fixtures.
@Suite("Differential fuzz against stock execnet", .serialized)
struct DifferentialFuzzTests {
    struct Target: Sendable, CustomTestStringConvertible {
        let pythonMajor: Int
        let execnetVersion: String
        var testDescription: String { "execnet \(execnetVersion) on Python \(pythonMajor)" }
    }

    static let targets = [Target(pythonMajor: 3, execnetVersion: "2.1.2"), Target(pythonMajor: 3, execnetVersion: "1.9.0"),
        Target(pythonMajor: 2, execnetVersion: "1.9.0")]

    static var iterations: Int { Int(ProcessInfo.processInfo.environment["EXECNET_FUZZ_ITERATIONS"] ?? "") ?? 3000 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["EXECNET_FUZZ_SEED"] ?? "") ?? 20_261_121 }

    /// What one target's run found.
    struct Findings: Sendable {
        var accepted = 0
        var deviations = 0
        var disagreements: [(input: [UInt8], detail: String)] = []
    }

    @Test(arguments: targets)
    func agreesWithStock(target: Target) async throws {
        let interpreters = try await Interpreter.discover()
        let python: Interpreter? =
            target.pythonMajor == 3
            ? interpreters.first { $0.path.hasSuffix("python3") || ($0.major == 3 && $0.minor == 11) } ?? interpreters.last { $0.major == 3 }
            : interpreters.first { $0.major == 2 }
        guard let python else {
            try requireInCI("no Python \(target.pythonMajor) interpreter found for \(target.testDescription)")
            return
        }
        // The oracle answers through a blocking pipe: its minutes of waiting
        // stay off the cooperative pool.
        let findings = try await offPool { try Self.fuzz(target, python: python) }
        try keepAsRegressions(findings.disagreements)
        for (input, detail) in findings.disagreements.prefix(20) {
            Issue.record("\(target.testDescription), input \(Hex.encode(input)): \(detail)")
        }
        print("\(target.testDescription): \(Self.iterations) inputs, \(findings.accepted) accepted by both, \(findings.deviations) refused under a documented deviation, \(findings.disagreements.count) disagreements (seed \(Self.seed))")
        // A fuzz run whose inputs are all refused checks nothing beyond verdicts.
        #expect(findings.accepted > Self.iterations / 20, "only \(findings.accepted) of \(Self.iterations) mutated inputs were accepted")
    }

    private static func fuzz(_ target: Target, python: Interpreter) throws -> Findings {
        let oracle = try StockOracle(python: python.path, execnetVersion: target.execnetVersion)
        let producer = Producer("execnet-\(target.execnetVersion)/cpython-\(python.version)")!
        let decoder = DumpDecoder(options: producer.loaderOptions)

        var values = RandomValues(seed: seed)
        var mutator = DumpMutator(seed: seed ^ 0xF0F0)
        let seeds = try (0..<64).map { _ in try DumpEncoder().encode(values.value()) }
        var findings = Findings()
        for iteration in 0..<iterations {
            let input = mutator.mutate(seeds[iteration % seeds.count], splice: seeds[(iteration * 7 + 3) % seeds.count])
            let stock = try oracle.load(input)
            let swift = Result { () throws(DumpDecodingError) in try decoder.decode(input) }
            switch (stock, swift) {
            case (.unknown, _):
                break
            case (.accepted(let stockRedump), .success(let value)):
                findings.accepted += 1
                let reencoded = try DumpEncoder().encode(value)
                let again = try oracle.load(reencoded)
                if again != .accepted(redump: stockRedump) {
                    findings.disagreements.append((input, "stock loads the Swift re-encoding \(Hex.encode(reencoded)) differently: \(again)"))
                }
            case (.refused, .failure):
                break
            case (.accepted, .failure(let error)):
                if Deviation.explaining(error, of: input, acceptedBy: producer) != nil {
                    findings.deviations += 1
                } else {
                    findings.disagreements.append((input, "stock accepts, Swift refuses: \(error)"))
                }
            case (.refused(let why), .success(let value)):
                findings.disagreements.append((input, "stock refuses (\(why)), Swift accepts as \(value.debugDescription)"))
            }
        }
        return findings
    }

    private func keepAsRegressions(_ found: [(input: [UInt8], detail: String)]) throws {
        guard !found.isEmpty else { return }
        let url = Checkout.root.appendingPathComponent("Fixtures/fuzz-regressions/pending.hex")
        var text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        for (input, detail) in found {
            text += "# \(detail.prefix(160).replacingOccurrences(of: "\n", with: " "))\n\(Hex.encode(input))\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
