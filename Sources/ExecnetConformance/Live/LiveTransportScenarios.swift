import Execnet

#if canImport(Glibc)
import Glibc
#endif

/// Scenarios about the transports themselves: each runs where its
/// transport is the target's and is skipped, saying so, elsewhere.
extension LiveScenarios {
    static let transports: [LiveScenario] = [
        LiveScenario("host-not-found", "ssh to a name that does not resolve: the host-not-found kind") { target in
            guard target.transport == "ssh", let config = try XSpec(target.spec).sshConfig else {
                return .skip("ssh cells only")
            }
            do {
                let gateway = try await Gateway.open(
                    try XSpec("ssh=no-such-host.invalid//ssh_config=\(config)//id=lost"), options: target.options)
                await gateway.terminate(timeout: .seconds(2))
                throw Mismatch("opened a gateway to a host that does not exist")
            } catch let error as GatewayError {
                guard case .hostNotFound(let address, _, _) = error.kind else { throw Mismatch("got \(error)") }
                try expect(address == "no-such-host.invalid" && error.gatewayID == "lost", "\(error)")
                return .pass("\(address)")
            }
        },
        LiveScenario("installvia", "socket//installvia: stock's socket server started on a gateway, then used") { target in
            guard target.transport.hasPrefix("popen") || target.transport == "ssh" else {
                return .skip("popen and ssh cells: the server's gateway must be one of this machine's")
            }
            return try await withGateway(target, spec: target.spec + "//id=server") { server in
                // Asked first: once the socket server runs there, a
                // main_thread_only remote refuses any other execution.
                let serverPID = try await server.remoteInfo().pid
                let client = try await Gateway.open(
                    try XSpec("socket//installvia=server//id=client"), installingVia: server, options: target.options)
                do {
                    let clientPID = try await client.remoteInfo().pid
                    try expect(serverPID == clientPID, "the socket gateway runs in pid \(clientPID), its server in \(serverPID)")
                    let answer = try await client.remoteExec("channel.send(channel.receive() * 2)")
                    try await answer.send(21)
                    try expect(try await answer.receive(timeout: .seconds(20)) == 42, "no answer over the socket")
                    await client.terminate(timeout: .seconds(10))
                    return .pass("served by pid \(serverPID)")
                } catch {
                    await client.terminate(timeout: .seconds(2))
                    throw error
                }
            }
        },
        LiveScenario("via-gateway-dies", "the via gateway's process killed: the proxied gateway's waiters end") { target in
            guard target.isProxied, let hop = target.prelude.last.flatMap({ try? XSpec($0).id }) else {
                return .skip("via cells only")
            }
            let group = try await target.makeGroup()
            do {
                let proxied = try await group.makeGateway()
                let channel = try await proxied.remoteExec("channel.receive()")
                _ = try await proxied.remoteExec("channel.send(1)").receive(timeout: .seconds(20))
                guard let via = group[hop] else { throw Mismatch("no via gateway \(hop)") }
                let pid = try await via.remoteInfo().pid
                async let pending: PyValue = channel.receive(timeout: .seconds(60))
                kill(Int32(pid), SIGKILL)
                do {
                    let item = try await pending
                    throw Mismatch("received \(item) through a dead via gateway")
                } catch let error as ChannelError where error.kind == .timeout {
                    throw Mismatch("the waiter was still waiting after 60 s")
                } catch let error as ChannelError {
                    try expect(error.gatewayID == proxied.id, "the error names \(error.gatewayID)")
                } catch let error as GatewayError {
                    try expect(error.gatewayID == proxied.id, "the error names \(error.gatewayID)")
                }
                await group.terminate(timeout: .seconds(5))
                return .pass("ended: \(proxied.exitStatus.map { "\($0)" } ?? "?")")
            } catch {
                await group.terminate(timeout: .seconds(2))
                throw error
            }
        },
    ]
}
