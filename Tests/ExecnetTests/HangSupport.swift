import ExecnetConformance
import Foundation
import Testing
@testable import Execnet
@testable import ExecnetTransport

/// What the hang tests share: interpreters, a deadline that fails a test
/// instead of letting it hang, and looks at processes from outside.
enum HangSupport {
    /// `python3` from PATH. (Discovering the real interpreters runs
    /// processes synchronously; done inside a running test it would hold
    /// threads of the shared pool while other tests' deadlines run.)
    static let python3 = "python3"
    /// Python 2.7, when present; looked up once (test arguments use it
    /// first, while the run is planned).
    static let python27: String? = ((try? Interpreter.discover()) ?? []).first { $0.major == 2 }?.path

    static func options(timeout: Duration = .seconds(30)) async throws -> GatewayOptions {
        GatewayOptions(
            bootstrap: .exact(try await StockCache.gatewayBase(version: "2.1.2")), forwardsStandardError: false,
            bootstrapTimeout: timeout)
    }

    struct Overdue: Error, CustomStringConvertible {
        let what: String
        let limit: Duration
        var description: String { "\(what) did not finish within \(limit): the host hangs" }
    }

    /// Runs `body` in its own task; when it is not done within `limit` the
    /// test fails, the task is cancelled and this throws, so a hang ends
    /// the test instead of the run.
    @discardableResult
    static func within<T: Sendable>(
        _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = Waiter<T>()
        let task = Task {
            do { outcome.resume(returning: try await body()) } catch { outcome.resume(throwing: error) }
        }
        do {
            return try await outcome.wait(timeout: limit) { Overdue(what: what, limit: limit) }
        } catch let overdue as Overdue {
            task.cancel()
            Issue.record("\(overdue)")
            throw overdue
        }
    }

    /// How many descriptors this process has open.
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// How many threads this process has.
    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    /// Whether `pid` still runs (a zombie counts as gone).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].first
        return state != "Z" && state != "X"
    }

    /// The command line of `pid`, its arguments joined by spaces.
    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    /// Child processes of `pid`, from /proc.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// Waits until none of `pids` runs; false when `limit` passed first.
    static func allEnd(_ pids: [Int32], within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if !pids.contains(where: isRunning) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return !pids.contains(where: isRunning)
    }

    /// The lines `handle` gives until one equals `last` (or its end), read
    /// on a thread of their own.
    static func lines(of handle: FileHandle, until last: String?) async throws -> [String] {
        let done = Waiter<[String]>()
        startDetachedThread(name: "test-lines") {
            var text = ""
            var lines: [String] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
                while let newline = text.firstIndex(of: "\n") {
                    lines.append(String(text[..<newline]))
                    text = String(text[text.index(after: newline)...])
                }
                if let last, lines.contains(last) { break }
            }
            done.resume(returning: lines)
        }
        return try await done.wait()
    }

    /// The helper host built next to the tests.
    static var testHost: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = here.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("execnet-test-host").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "execnet-test-host"
    }
}
