import ExecnetConformance
import Foundation
import Testing
@testable import Execnet
@testable import ExecnetTransport

/// Real servers for the transport tests: a loopback sshd with keys of its
/// own and stock's socket server under chosen interpreters, started by
/// `scripts/test-servers` for one test and stopped by it.
struct TestServers: Sendable {
    let directory: String
    /// `ssh=execnet-loopback//ssh_config=…`: add `//python=ABSOLUTE` (the
    /// login's PATH need not have `python`).
    let sshSpec: String
    let sshdPID: Int32
    /// Per interpreter path: `socket=127.0.0.1:PORT` and the server's pid.
    let socketServers: [String: (spec: String, pid: Int32)]

    static let script = Checkout.script("test-servers")

    /// Whether an sshd is installed (`scripts/test-servers install` puts it there).
    static let sshdInstalled = FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
        || ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/sshd") } == true

    /// Interpreters for the transport tests: the real python3 behind PATH's
    /// (a pyenv shim does not run under sshd's PATH), and 2.7 and PyPy 3 when present.
    /// Looked up at test discovery only.
    static let pythons: [String] = {
        let discovered = (try? Interpreter.discover()) ?? []
        var chosen: [String] = []
        if let three = discovered.filter({ $0.major == 3 && $0.implementation == "cpython" })
            .first(where: { $0.minor == 11 }) ?? discovered.last(where: { $0.major == 3 })
        {
            chosen.append(three.path)
        }
        if let two = discovered.first(where: { $0.major == 2 }) { chosen.append(two.path) }
        if let pypy = discovered.last(where: { $0.implementation == "pypy" }) { chosen.append(pypy.path) }
        return chosen
    }()

    static var python3: String { pythons.first ?? "python3" }

    /// Starts the servers, runs `body`, stops them whatever happens.
    static func with<T: Sendable>(
        socketPythons: [String] = [], _ body: @Sendable (TestServers) async throws -> T
    ) async throws -> T {
        var arguments = ["python3", script, "start", "--json"]
        for python in socketPythons { arguments += ["--socket-python", python] }
        let started = try await runProcess(arguments)
        guard started.succeeded,
            let object = try? JSONSerialization.jsonObject(with: Data(started.standardOutput)) as? [String: Any],
            let directory = object["dir"] as? String,
            let sshd = object["sshd"] as? [String: Any], let sshSpec = sshd["spec"] as? String,
            let sshdPID = sshd["pid"] as? Int
        else {
            throw Failure(description: "scripts/test-servers start failed (\(started.status)): \(started.text)\(started.standardErrorTail)")
        }
        var sockets: [String: (spec: String, pid: Int32)] = [:]
        for entry in object["socketservers"] as? [[String: Any]] ?? [] {
            if let python = entry["python"] as? String, let spec = entry["spec"] as? String, let pid = entry["pid"] as? Int {
                sockets[python] = (spec, Int32(pid))
            }
        }
        let servers = TestServers(directory: directory, sshSpec: sshSpec, sshdPID: Int32(sshdPID), socketServers: sockets)
        do {
            let result = try await body(servers)
            await servers.stop()
            return result
        } catch {
            await servers.stop()
            throw error
        }
    }

    func stop() async {
        _ = try? await runProcess(["python3", Self.script, "stop", "--dir", directory])
    }

    func ssh(python: String = TestServers.python3, _ extra: String = "") -> String {
        "\(sshSpec)//python=\(python)\(extra)"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}
