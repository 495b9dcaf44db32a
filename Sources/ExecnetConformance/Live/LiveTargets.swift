import Execnet
import Foundation

/// Builds the live suite's targets from command-line choices.
public enum LiveTargets {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `--gateway-base VERSION|PATH`: a stock release from the cache, or a file.
    public static func gatewayBase(_ choice: String) async throws -> GatewayBase {
        if choice.contains("/") || choice.hasSuffix(".py") { return try GatewayBase.file(choice) }
        return try await StockCache.gatewayBase(version: choice)
    }

    /// Targets for explicit interpreters and specs; with neither, every
    /// interpreter found here with every stock release it supports.
    public static func resolve(pythons: [String], specs: [String], gatewayBase choice: String?) async throws -> [LiveTarget] {
        let all = try await StockCache.allGatewayBases()
        var chosen: GatewayBase?
        if let choice { chosen = try await gatewayBase(choice) }
        let bases = chosen.map { [$0] } ?? all
        if pythons.isEmpty && specs.isEmpty {
            return LiveTarget.discover(interpreters: try Interpreter.discover(), bases: bases)
        }
        var targets: [LiveTarget] = []
        for python in pythons {
            let (label, major, minor) = try probe(python)
            let version = PythonVersion(major: major, minor: minor, micro: 99)
            let usable = chosen.map { [$0] } ?? all.filter { $0.minimumPython <= version }
            for base in usable {
                targets.append(LiveTarget(spec: "popen//python=\(python)", python: label, pythonMajor: major, gatewayBase: base, availableBases: all))
            }
        }
        for spec in specs {
            let parsed = try XSpec(spec)
            let (label, major, _) = try probe(parsed.python ?? "python3")
            targets.append(LiveTarget(spec: spec, python: label, pythonMajor: major, gatewayBase: chosen, availableBases: all))
        }
        return targets
    }

    /// "cpython-3.12", major and minor of an interpreter command.
    static func probe(_ python: String) throws -> (String, Int, Int) {
        let program = "import sys, platform; sys.stdout.write('%s %d %d' % (platform.python_implementation().lower(), sys.version_info[0], sys.version_info[1]))"
        let (status, output) = try Command.run(shellSplit(python) + ["-c", program], mergeStandardError: true)
        let fields = output.split(separator: " ")
        guard status == 0, fields.count == 3, let major = Int(fields[1]), let minor = Int(fields[2]) else {
            let said = output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(300)
            let reason = status == 0 ? "unexpected answer \(said.debugDescription)" : "exit status \(status)"
                + (said.isEmpty ? " and no output" : ": \(said)")
            throw Failure(description: "cannot run \(python): \(reason)")
        }
        return ("\(fields[0])-\(major).\(minor)", major, minor)
    }
}
