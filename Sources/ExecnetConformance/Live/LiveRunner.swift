import ExecnetTransport
import Execnet
import Foundation

/// One scenario's outcome on one target.
public struct LiveResult: Sendable {
    public let target: LiveTarget
    public let scenario: String
    public let verdict: LiveVerdict
    public let seconds: Double

    public init(target: LiveTarget, scenario: String, verdict: LiveVerdict, seconds: Double) {
        self.target = target
        self.scenario = scenario
        self.verdict = verdict
        self.seconds = seconds
    }
}

/// Runs the live scenarios against targets, a few targets at a time, each
/// scenario bounded by a time limit so that a hang fails instead of stalling.
public struct LiveRunner: Sendable {
    public var scenarios: [LiveScenario]
    public var concurrentTargets: Int
    public var scenarioLimit: Duration

    public init(scenarios: [LiveScenario] = LiveScenarios.all, concurrentTargets: Int = 2, scenarioLimit: Duration = .seconds(120)) {
        self.scenarios = scenarios
        self.concurrentTargets = concurrentTargets
        self.scenarioLimit = scenarioLimit
    }

    public func run(_ targets: [LiveTarget], progress: (@Sendable (LiveResult) -> Void)? = nil) async -> [LiveResult] {
        let collected = Locked<[Int: [LiveResult]]>([:])
        let runner = self
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            while next < targets.count || !group.isEmpty {
                while next < targets.count && next - collected.withLock({ $0.count }) < max(1, concurrentTargets) {
                    let index = next
                    let target = targets[index]
                    next += 1
                    group.addTask {
                        var results: [LiveResult] = []
                        for scenario in runner.scenarios {
                            let result = await runner.runOne(scenario, on: target)
                            progress?(result)
                            results.append(result)
                        }
                        collected.withLock { $0[index] = results }
                    }
                }
                _ = await group.next()
            }
        }
        return collected.withLock { all in (0..<targets.count).flatMap { all[$0] ?? [] } }
    }

    private func runOne(_ scenario: LiveScenario, on target: LiveTarget) async -> LiveResult {
        if let reason = target.unavailable {
            return LiveResult(target: target, scenario: scenario.name, verdict: .skip(reason), seconds: 0)
        }
        let started = ContinuousClock.now
        let limit = scenarioLimit
        let verdict: LiveVerdict = await withCheckedContinuation { continuation in
            let once = Locked(false)
            let finish: @Sendable (LiveVerdict) -> Void = { verdict in
                let first = once.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: verdict) }
            }
            Task { @Sendable in
                do {
                    finish(try await scenario.body(target))
                } catch {
                    finish(.fail("\(type(of: error)): \(error)"))
                }
            }
            Task { @Sendable in
                try? await Task.sleep(for: limit)
                finish(.fail("no result within \(limit)"))
            }
        }
        let elapsed = ContinuousClock.now - started
        return LiveResult(target: target, scenario: scenario.name, verdict: verdict, seconds: elapsed.seconds)
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

/// The suite's reports: a scenario-by-target matrix or JSON.
public enum LiveReport {
    public static func summary(_ results: [LiveResult]) -> (passed: Int, failed: Int, skipped: Int) {
        var counts = (passed: 0, failed: 0, skipped: 0)
        for result in results {
            switch result.verdict {
            case .pass: counts.passed += 1
            case .fail: counts.failed += 1
            case .skip: counts.skipped += 1
            }
        }
        return counts
    }

    public static func closingLine(_ results: [LiveResult]) -> String {
        let counts = summary(results)
        var line = "\(counts.passed) passed, \(counts.failed) failed"
        if counts.skipped > 0 { line += ", \(counts.skipped) skipped" }
        return line
    }

    /// Rows are scenarios, columns targets: `.` pass, `F` fail, `s` skip.
    public static func text(_ results: [LiveResult], targets: [LiveTarget], scenarios: [LiveScenario]) -> String {
        var out = "targets:\n"
        let labels = targets.enumerated().map { index, _ in columnLabel(index) }
        for (index, target) in targets.enumerated() {
            out += "  \(labels[index])  \(target.python) \(target.transport) / gateway_base \(target.gatewayBaseLabel)  (\(target.spec))\n"
        }
        let width = scenarios.map(\.name.count).max() ?? 10
        out += "\n" + "".padding(toLength: width + 2, withPad: " ", startingAt: 0) + labels.joined(separator: " ") + "\n"
        var byKey: [String: LiveVerdict] = [:]
        for result in results { byKey["\(result.target.spec)|\(result.target.gatewayBaseLabel)|\(result.scenario)"] = result.verdict }
        for scenario in scenarios {
            var row = scenario.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
            for (index, target) in targets.enumerated() {
                let symbol: String
                switch byKey["\(target.spec)|\(target.gatewayBaseLabel)|\(scenario.name)"] {
                case .pass?: symbol = "."
                case .fail?: symbol = "F"
                case .skip?: symbol = "s"
                case nil: symbol = "?"
                }
                row += symbol.padding(toLength: labels[index].count + 1, withPad: " ", startingAt: 0)
            }
            out += row.trimmingCharacters(in: .whitespaces) + "\n"
        }
        let failures = results.filter { if case .fail = $0.verdict { return true } else { return false } }
        if !failures.isEmpty {
            out += "\nfailures:\n"
            for failure in failures {
                out += "  \(failure.scenario) on \(failure.target.python) \(failure.target.transport) / \(failure.target.gatewayBaseLabel): \(failure.verdict.detail)\n"
            }
        }
        out += "\n" + closingLine(results)
        return out
    }

    public static func json(_ results: [LiveResult]) -> String {
        let counts = summary(results)
        let entries: [[String: Any]] = results.map { result in
            [
                "spec": result.target.spec, "python": result.target.python,
                "gateway_base": result.target.gatewayBaseLabel, "scenario": result.scenario,
                "status": result.verdict.status, "detail": result.verdict.detail,
                "seconds": (result.seconds * 1000).rounded() / 1000,
            ]
        }
        let document: [String: Any] = [
            "results": entries,
            "summary": ["passed": counts.passed, "failed": counts.failed, "skipped": counts.skipped],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func columnLabel(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < 26 ? String(letters[index]) : String(letters[index / 26 - 1]) + String(letters[index % 26])
    }
}
