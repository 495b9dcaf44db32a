import ExecnetTransport
import Foundation

/// The real servers the transport checks need, started and stopped by
/// `scripts/test-servers`: a loopback sshd with keys and a config of its
/// own, and stock's socket server under chosen interpreters.
public struct LiveServers: Sendable {
    public let directory: String
    /// `ssh=execnet-loopback//ssh_config=…`: add `//python=ABSOLUTE` (the
    /// login's PATH need not have `python`).
    public let sshSpec: String
    public let sshdPID: Int32
    /// Per interpreter path: `socket=127.0.0.1:PORT` and the server's pid.
    public let socketServers: [String: SocketServer]

    public struct SocketServer: Sendable {
        public let spec: String
        public let pid: Int32
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static var script: String { Checkout.script("test-servers") }

    /// Whether an sshd is installed (`scripts/test-servers install` puts one there).
    public static var sshdInstalled: Bool {
        let directories = ["/usr/sbin", "/usr/local/sbin"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/sshd") }
    }

    /// Starts sshd and one socket server per interpreter in `socketPythons`.
    public static func start(socketPythons: [String] = []) async throws -> LiveServers {
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
        var sockets: [String: SocketServer] = [:]
        for entry in object["socketservers"] as? [[String: Any]] ?? [] {
            if let python = entry["python"] as? String, let spec = entry["spec"] as? String, let pid = entry["pid"] as? Int {
                sockets[python] = SocketServer(spec: spec, pid: Int32(pid))
            }
        }
        return LiveServers(directory: directory, sshSpec: sshSpec, sshdPID: Int32(sshdPID), socketServers: sockets)
    }

    /// Starts the servers, runs `body`, stops them whatever happens.
    public static func with<T: Sendable>(
        socketPythons: [String] = [], _ body: @Sendable (LiveServers) async throws -> T
    ) async throws -> T {
        let servers = try await start(socketPythons: socketPythons)
        do {
            let result = try await body(servers)
            await servers.stop()
            return result
        } catch {
            await servers.stop()
            throw error
        }
    }

    /// Stops every server and removes the directory.
    public func stop() async {
        _ = try? await runProcess(["python3", Self.script, "stop", "--dir", directory])
    }

    /// The ssh spec for `python` on the loopback sshd, with `extra` appended.
    public func ssh(python: String, _ extra: String = "") -> String {
        "\(sshSpec)//python=\(python)\(extra)"
    }
}
