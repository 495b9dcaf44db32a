import Foundation
import Testing
@testable import Execnet
@testable import ExecnetGateway
@testable import ExecnetTransport

#if canImport(Glibc)
import Glibc
#endif

/// What breaks under a remote gateway: the sshd, the ssh client, the socket
/// server, the via gateway's process, junk on the stream. Every waiter on
/// an affected gateway ends with an error naming it; nothing hangs; the
/// other gateways go on.
@Suite(.enabled(if: TestServers.sshdInstalled, "needs sshd: run scripts/test-servers install"))
struct TransportFaultTests {

    /// A channel whose remote code waits for an item that never comes.
    static func waiting(on gateway: Gateway) async throws -> Channel {
        let channel = try await gateway.remoteExec("channel.receive()")
        // Round trip first, so the wait below starts with the remote code running.
        _ = try await gateway.remoteExec("channel.send(1)").receive(timeout: .seconds(20))
        return channel
    }

    /// The waiter ends with an error that names `gateway`, and a bystander still answers.
    static func expectBroken(_ channel: Channel, bystander: Gateway, _ damage: () async throws -> Void) async throws {
        let waiting = Task { try await channel.receive() }
        try await damage()
        do {
            let item = try await waiting.value
            Issue.record("received \(item) from a broken gateway")
        } catch {
            #expect("\(error)".contains(pythonRepr(channel.gateway.id)), "\(error)")
        }
        await #expect(throws: (any Error).self) { _ = try await channel.gateway.remoteExec("pass") }
        let answer = try await bystander.remoteExec("channel.send(7)").receive(timeout: .seconds(20))
        #expect(answer == .int(7))
    }

    @Test func sshdKilledMidSession() async throws {
        try await HangSupport.within(.seconds(90), "sshd killed") {
            try await TestServers.with { servers in
                try await withGroup(options: TestServers.quiet) { group in
                    let bystander = try await group.makeGateway("popen//python=\(TestServers.python3)//id=local")
                    let remote = try await group.makeGateway(servers.ssh("//id=remote"))
                    let channel = try await Self.waiting(on: remote)
                    // Stopping the servers kills sshd and every session it runs.
                    try await Self.expectBroken(channel, bystander: bystander) { await servers.stop() }
                }
            }
        }
    }

    @Test func sshClientKilled() async throws {
        try await HangSupport.within(.seconds(90), "ssh client killed") {
            try await TestServers.with { servers in
                try await withGroup(options: TestServers.quiet) { group in
                    let bystander = try await group.makeGateway(servers.ssh("//id=other"))
                    let remote = try await group.makeGateway(servers.ssh("//id=remote"))
                    let channel = try await Self.waiting(on: remote)
                    let client = try #require(remote.core.transport.process?.pid)
                    try await Self.expectBroken(channel, bystander: bystander) { _ = kill(client, SIGKILL) }
                }
            }
        }
    }

    @Test func socketServerKilled() async throws {
        try await HangSupport.within(.seconds(90), "socket server killed") {
            try await TestServers.with(socketPythons: [TestServers.python3]) { servers in
                let server = try #require(servers.socketServers[TestServers.python3])
                try await withGroup(options: TestServers.quiet) { group in
                    let bystander = try await group.makeGateway("popen//python=\(TestServers.python3)//id=local")
                    let remote = try await group.makeGateway("\(server.spec)//id=remote")
                    let channel = try await Self.waiting(on: remote)
                    try await Self.expectBroken(channel, bystander: bystander) { _ = kill(-server.pid, SIGKILL) }
                }
            }
        }
    }

    @Test func viaGatewayKilled() async throws {
        try await HangSupport.within(.seconds(90), "via gateway killed") {
            try await withGroup(options: TestServers.quiet) { group in
                let bystander = try await group.makeGateway("popen//python=\(TestServers.python3)//id=local")
                let via = try await group.makeGateway("popen//python=\(TestServers.python3)//id=jump")
                let proxied = try await group.makeGateway("popen//python=\(TestServers.python3)//via=jump//id=far")
                let channel = try await Self.waiting(on: proxied)
                let viaPID = try #require(via.core.transport.process?.pid)
                try await Self.expectBroken(channel, bystander: bystander) { _ = kill(viaPID, SIGKILL) }
                // The proxied gateway's end is known, if not how it ended.
                let status = try await proxied.core.transport.process?.exitStatus(within: .seconds(20))
                #expect(status != nil)
            }
        }
    }

    /// Remote code writes bytes that are no message onto the stream itself.
    @Test func junkOverSSHAndSocketIsAProtocolError() async throws {
        try await HangSupport.within(.seconds(90), "junk from the remote") {
            try await TestServers.with(socketPythons: [TestServers.python3]) { servers in
                let socket = try #require(servers.socketServers[TestServers.python3]?.spec)
                try await withGroup(options: TestServers.quiet) { group in
                    let bystander = try await group.makeGateway("popen//python=\(TestServers.python3)//id=local")
                    for spec in [servers.ssh("//id=junk-ssh"), "\(socket)//id=junk-socket"] {
                        let gateway = try await group.makeGateway(spec)
                        let channel = try await Self.waiting(on: gateway)
                        try await Self.expectBroken(channel, bystander: bystander) {
                            _ = try await gateway.remoteExec("channel.gateway._io.write(b'\\xfe' * 9 + b'not a message')")
                        }
                        try await gateway.join(timeout: .seconds(20))
                    }
                }
            }
        }
    }

    /// Gateways over each transport opened and ended one after another leave
    /// no descriptors or threads behind (a leak shows as growth over 20 rounds; other
    /// tests running at the same time only add noise of a few).
    @Test func transportsLeaveNoDescriptorsBehind() async throws {
        try await HangSupport.within(.seconds(180), "transport leak check") {
            try await TestServers.with(socketPythons: [TestServers.python3]) { servers in
                let socket = try #require(servers.socketServers[TestServers.python3]?.spec)
                let popen = "popen//python=\(TestServers.python3)"
                for (name, spec, prelude) in [
                    ("ssh", servers.ssh(), [String]()), ("socket", socket, []), ("via", "\(popen)//via=hop", ["\(popen)//id=hop"]),
                ] {
                    func round() async throws {
                        let group = Group(options: TestServers.quiet)
                        for hop in prelude { try await group.makeGateway(hop) }
                        let gateway = try await group.makeGateway(spec)
                        #expect(try await gateway.remoteExec("channel.send(3)").receive(timeout: .seconds(20)) == 3)
                        await group.terminate(timeout: .seconds(10))
                    }
                    try await round()
                    let before = (HangSupport.openDescriptors(), HangSupport.threads())
                    for _ in 0..<20 { try await round() }
                    // Tests of other suites run meanwhile and hold descriptors
                    // and threads of their own for a while: the fewest seen
                    // over a second is this test's figure, and one leaked per
                    // gateway would still show as 20 or more.
                    var after = (Int.max, Int.max)
                    for _ in 0..<10 {
                        try await Task.sleep(for: .milliseconds(100))
                        after = (min(after.0, HangSupport.openDescriptors()), min(after.1, HangSupport.threads()))
                    }
                    #expect(after.0 < before.0 + 16, "\(name): \(before.0) descriptors before 20 gateways, \(after.0) after")
                    #expect(after.1 < before.1 + 16, "\(name): \(before.1) threads before 20 gateways, \(after.1) after")
                }
            }
        }
    }

    /// vagrant_ssh runs `vagrant ssh NAME -- -C …`; a stand-in `vagrant`
    /// first on PATH turns that into the loopback ssh (no VM provider runs
    /// here). A helper host gets that PATH, so this process's stays as it is.
    @Test func vagrantSSHThroughAStandIn() async throws {
        try await HangSupport.within(.seconds(90), "vagrant_ssh") {
            try await TestServers.with { servers in
                let bin = servers.directory + "/bin"
                try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
                let log = servers.directory + "/vagrant-calls"
                let standIn = """
                    #!/bin/bash
                    # Stand-in for vagrant: "vagrant ssh NAME -- SSH-ARGS... COMMAND".
                    printf '%s\\n' "$*" >> '\(log)'
                    [ "$1" = ssh ] && [ "$3" = -- ] || exit 2
                    shift 3
                    command="${@: -1}"
                    set -- "${@:1:$#-1}"
                    exec ssh -F '\(servers.directory)/ssh_config' "$@" execnet-loopback "$command"
                    """
                try standIn.write(toFile: bin + "/vagrant", atomically: true, encoding: .utf8)
                chmod(bin + "/vagrant", 0o755)
                let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
                let output = try await runProcess([
                    "/usr/bin/env", "PATH=\(path)", HangSupport.testHost, "open",
                    "vagrant_ssh=default//python=\(TestServers.python3)//id=box",
                ])
                #expect(output.text.hasPrefix("ok box exec:2.1.2"), "\(output.text)\(output.standardErrorTail)")
                let calls = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                #expect(calls.hasPrefix("ssh default -- -C \(TestServers.python3) -c "), "\(calls)")
            }
        }
    }
}
