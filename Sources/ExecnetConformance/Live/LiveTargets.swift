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
            let interpreters = try await Interpreter.discover()
            return LiveTarget.discover(interpreters: interpreters, bases: bases)
                + LiveTarget.execmodels(interpreters: interpreters, bases: bases)
        }
        var targets: [LiveTarget] = []
        for python in pythons {
            let (label, major, minor) = try await probe(python)
            let version = PythonVersion(major: major, minor: minor, micro: 99)
            let usable = chosen.map { [$0] } ?? all.filter { $0.minimumPython <= version }
            for base in usable {
                targets.append(LiveTarget(spec: "popen//python=\(python)", python: label, pythonMajor: major, gatewayBase: base, availableBases: all))
            }
        }
        for spec in specs {
            let parsed = try XSpec(spec)
            let (label, major) = try await probe(spec: spec)
            let transport = parsed.popen ? "popen" : parsed.ssh != nil ? "ssh" : parsed.socket != nil ? "socket"
                : parsed.vagrantSSH != nil ? "vagrant_ssh" : "spec"
            targets.append(
                LiveTarget(spec: spec, python: label, pythonMajor: major, gatewayBase: chosen, availableBases: all, transport: transport))
        }
        return targets
    }

    /// The transport cells of every local interpreter (see
    /// ``LiveTarget/transports(interpreters:bases:servers:why:)``), with the
    /// servers started for them, which the caller stops. When sshd is
    /// missing or will not start, the cells that need it are unavailable.
    public static func transportCells(gatewayBase choice: String? = nil) async -> (targets: [LiveTarget], servers: LiveServers?) {
        guard let interpreters = try? await Interpreter.discover(), let all = try? await StockCache.allGatewayBases() else {
            return ([], nil)
        }
        var bases = all
        if let choice, let chosen = try? await gatewayBase(choice) { bases = [chosen] }
        guard LiveServers.sshdInstalled else {
            return (LiveTarget.transports(interpreters: interpreters, bases: bases, servers: nil,
                why: "sshd is not installed (python3 scripts/test-servers install)"), nil)
        }
        do {
            let servers = try await LiveServers.start(socketPythons: interpreters.map(\.path))
            return (LiveTarget.transports(interpreters: interpreters, bases: bases, servers: servers), servers)
        } catch {
            return (LiveTarget.transports(interpreters: interpreters, bases: bases, servers: nil, why: "\(error)"), nil)
        }
    }

    /// "cpython-3.12" and the major version of whatever `spec` reaches,
    /// asked through a gateway of its own (the interpreter may be remote).
    static func probe(spec: String) async throws -> (String, Int) {
        let group = Group(options: GatewayOptions(forwardsStandardError: false))
        do {
            let gateway = try await group.makeGateway(spec)
            let channel = try await gateway.remoteExec("""
                import sys, platform
                channel.send('%s %d %d' % (platform.python_implementation().lower(), sys.version_info[0], sys.version_info[1]))
                """)
            let reply = try await channel.receive(timeout: .seconds(30)).stringValue ?? ""
            await group.terminate(timeout: .seconds(5))
            let fields = reply.split(separator: " ")
            guard fields.count == 3, let major = Int(fields[1]) else { throw Failure(description: "\(spec) answered \(reply)") }
            return ("\(fields[0])-\(fields[1]).\(fields[2])", major)
        } catch {
            await group.terminate(timeout: .seconds(2))
            throw Failure(description: "cannot open \(spec): \(error)")
        }
    }

    /// "cpython-3.12", major and minor of an interpreter command.
    static func probe(_ python: String) async throws -> (String, Int, Int) {
        let program = "import sys, platform; sys.stdout.write('%s %d %d' % (platform.python_implementation().lower(), sys.version_info[0], sys.version_info[1]))"
        let (status, output) = try await Command.run(shellSplit(python) + ["-c", program], mergeStandardError: true)
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
