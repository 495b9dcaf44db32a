import ExecnetConformance
import Foundation
import Testing
@testable import Execnet
@testable import ExecnetGateway
@testable import ExecnetTransport

#if canImport(Glibc)
import Glibc
#endif

/// ssh, socket, installvia and via against real servers: a loopback sshd
/// and stock's socket server, started and stopped by each test.
@Suite(.enabled(if: TestServers.sshdInstalled, "needs sshd: run scripts/test-servers install"))
struct TransportTests {

    /// Sends an item through remote code and back, and asks the remote's version.
    static func echo(_ gateway: Gateway, _ item: PyValue = .list([.int(1), .str("two"), .bytes([3])])) async throws -> PyValue {
        let channel = try await gateway.remoteExec("""
            import sys
            item = channel.receive()
            channel.send((item, sys.version_info[0]))
            """)
        try await channel.send(item)
        return try await channel.receive(timeout: .seconds(20))
    }

    @Test(arguments: TestServers.pythons)
    func sshDefaultBootstrapEveryInterpreter(python: String) async throws {
        try await HangSupport.within(.seconds(90), "ssh gateway on \(python)") {
            try await TestServers.with { servers in
                try await withGroup(options: TestServers.quiet) { group in
                    let gateway = try await group.makeGateway(servers.ssh(python: python, ""))
                    let answer = try await Self.echo(gateway)
                    guard case .tuple(let parts) = answer else { throw TestServers.Failure(description: "\(answer)") }
                    // Python 2 has no bytes type of its own: b'\x03' comes back as a str.
                    if !python.contains("2.7") { #expect(parts[0] == .list([.int(1), .str("two"), .bytes([3])])) }
                    #expect(!gateway.usesImportMode)
                    let info = try await gateway.remoteInfo()
                    #expect(info.executable.hasSuffix(python.split(separator: "/").last.map(String.init) ?? ""))
                    let expected = python.contains("2.7") ? "1.9.0" : "2.1.2"
                    #expect(gateway.gatewayBase?.version == expected)
                }
            }
        }
    }

    @Test func sshExactModeSendsStockBytes() async throws {
        try await HangSupport.within(.seconds(90), "ssh exact") {
            try await TestServers.with { servers in
                let recorded = Locked<[UInt8]>([])
                var options = try await HangSupport.options()
                options.tap = { direction, bytes in if direction == .written { recorded.withLock { $0 += bytes } } }
                try await withGroup(options: options) { group in
                    let gateway = try await group.makeGateway(servers.ssh())
                    _ = try await Self.echo(gateway)
                    let base = try await StockCache.gatewayBase(version: "2.1.2")
                    let line = BootstrapLines.exec(base, id: gateway.id, execmodel: "thread")
                    #expect(recorded.withLock { Array($0.prefix(line.count)) } == line)
                }
            }
        }
    }

    @Test func sshCommandLineIsStocks() throws {
        let spec = try XSpec("ssh=-p 2222  user@host//ssh_config=/tmp/cfg//python=python3.12")
        #expect(CommandLines.ssh(spec, address: spec.ssh!, defaultPython: "python") == [
            "ssh", "-C", "-F", "/tmp/cfg", "-p", "2222", "user@host",
            "python3.12 -c \"import sys;exec(eval(sys.stdin.readline()))\"",
        ])
        let empty = try XSpec("ssh=host//python=")
        #expect(CommandLines.ssh(empty, address: "host", defaultPython: "python").last
            == "python -c \"import sys;exec(eval(sys.stdin.readline()))\"")
        let vagrant = try XSpec("vagrant_ssh=default")
        #expect(CommandLines.vagrantSSH(vagrant, name: "default", defaultPython: "python") == [
            "vagrant", "ssh", "default", "--", "-C", "python -c \"import sys;exec(eval(sys.stdin.readline()))\"",
        ])
    }

    @Test func sshUnknownHostIsHostNotFound() async throws {
        try await HangSupport.within(.seconds(60), "ssh to an unknown host") {
            try await TestServers.with { servers in
                let config = servers.directory + "/ssh_config"
                do {
                    _ = try await Gateway.open(try XSpec("ssh=no-such-host.invalid//ssh_config=\(config)//id=lost"), options: TestServers.quiet)
                    Issue.record("opened a gateway to a host that does not exist")
                } catch let error as GatewayError {
                    guard case .hostNotFound(let address, _, _) = error.kind else {
                        Issue.record("expected hostNotFound, got \(error)")
                        return
                    }
                    #expect(address == "no-such-host.invalid")
                    #expect(error.gatewayID == "lost")
                }
            }
        }
    }

    @Test(arguments: TestServers.pythons)
    func socketServerEveryInterpreter(python: String) async throws {
        try await HangSupport.within(.seconds(90), "socket gateway on \(python)") {
            try await TestServers.with(socketPythons: [python]) { servers in
                let spec = try #require(servers.socketServers[python]?.spec)
                try await withGroup(options: TestServers.quiet) { group in
                    let gateway = try await group.makeGateway(spec)
                    let answer = try await Self.echo(gateway, .int(77))
                    #expect(answer == .tuple([.int(77), .int(python.contains("2.7") ? 2 : 3)]))
                    let status = try await gateway.remoteStatus()
                    #expect(status.execmodel == "thread")
                }
                // The server serves one connection after another.
                try await withGroup(options: TestServers.quiet) { group in
                    let again = try await group.makeGateway(spec)
                    _ = try await Self.echo(again)
                }
            }
        }
    }

    @Test func socketExactModeSendsStocksSocketBootstrap() async throws {
        try await HangSupport.within(.seconds(90), "socket exact") {
            try await TestServers.with(socketPythons: [TestServers.python3]) { servers in
                let spec = try #require(servers.socketServers[TestServers.python3]?.spec)
                let recorded = Locked<[UInt8]>([])
                var options = try await HangSupport.options()
                options.tap = { direction, bytes in if direction == .written { recorded.withLock { $0 += bytes } } }
                try await withGroup(options: options) { group in
                    let gateway = try await group.makeGateway(spec)
                    _ = try await Self.echo(gateway)
                    let base = try await StockCache.gatewayBase(version: "2.1.2")
                    // Stock names the worker after the spec string, not the id.
                    let line = try BootstrapLines.socket(base, id: spec)
                    #expect(String(decoding: line, as: UTF8.self).contains("serve(io, id=\\'\(spec)-worker\\')"))
                    #expect(recorded.withLock { Array($0.prefix(line.count)) } == line)
                }
            }
        }
    }

    /// The socket line is what stock's own host writes for the same spec:
    /// its bootstrap_socket, run against an IO object that keeps the bytes.
    @Test func socketLineIsStocksForEveryRelease() async throws {
        let spec = "socket=127.0.0.1:8888"
        for release in StockCache.releases {
            let base = try await StockCache.gatewayBase(version: release.version)
            let program = """
                import sys
                sys.path.insert(0, sys.argv[1])
                from execnet import gateway_bootstrap
                from execnet.xspec import XSpec
                class KeepingIO(object):
                    written = b''
                    def write(self, data):
                        KeepingIO.written += data
                    def read(self, count):
                        return '1'.encode('ascii')
                gateway_bootstrap.bootstrap_socket(KeepingIO(), XSpec(sys.argv[2]))
                getattr(sys.stdout, 'buffer', sys.stdout).write(KeepingIO.written)
                """
            let python = release.version.hasPrefix("1.") ? (HangSupport.python27 ?? TestServers.python3) : TestServers.python3
            let output = try await runProcess([python, "-c", program, StockCache.directory(version: release.version), spec])
            #expect(output.succeeded, "\(output.standardErrorTail)")
            #expect(output.standardOutput == (try BootstrapLines.socket(base, id: spec)), "execnet \(release.version)")
        }
    }

    /// The SocketIO source sent is what Python's inspect.getsource gives.
    @Test func socketIOSourceMatchesInspect() async throws {
        for release in StockCache.releases {
            let base = try await StockCache.gatewayBase(version: release.version)
            let ours = try base.socketIOSource()
            let program = """
                import inspect, sys
                sys.path.insert(0, sys.argv[1])
                from execnet.gateway_socket import SocketIO
                sys.stdout.write(inspect.getsource(SocketIO))
                """
            let python = release.version.hasPrefix("1.") ? (HangSupport.python27 ?? TestServers.python3) : TestServers.python3
            let output = try await runProcess([python, "-c", program, StockCache.directory(version: release.version)])
            #expect(output.succeeded, "\(output.standardErrorTail)")
            #expect(output.text == ours, "execnet \(release.version)")
        }
    }

    @Test func socketErrorsAreClear() async throws {
        try await HangSupport.within(.seconds(60), "socket errors") {
            // Nothing listens on a port just released.
            let port = try Self.freePort()
            do {
                _ = try await Gateway.open(try XSpec("socket=127.0.0.1:\(port)//id=nobody"), options: TestServers.quiet)
                Issue.record("connected to a closed port")
            } catch let error as GatewayError {
                guard case .cannotConnect = error.kind else { Issue.record("expected cannotConnect, got \(error)"); return }
                #expect("\(error)".contains("127.0.0.1:\(port)"))
            }
            do {
                _ = try await Gateway.open(try XSpec("socket=no-such-host.invalid:8888"), options: TestServers.quiet)
                Issue.record("connected to a host that does not exist")
            } catch let error as GatewayError {
                guard case .hostNotFound = error.kind else { Issue.record("expected hostNotFound, got \(error)"); return }
            }
            await #expect(throws: GatewayError.self) {
                _ = try await Gateway.open(try XSpec("socket=127.0.0.1:1//python=python3"), options: TestServers.quiet)
            }
            await #expect(throws: GatewayError.self) {
                _ = try await Gateway.open(try XSpec("socket=127.0.0.1"), options: TestServers.quiet)
            }
        }
    }

    /// A server that accepts and never answers: the bootstrap timeout ends it.
    @Test func silentSocketServerTimesOut() async throws {
        try await HangSupport.within(.seconds(60), "silent socket server") {
            let listener = try await SilentListener.start()
            defer { listener.stop() }
            var options = TestServers.quiet
            options.bootstrapTimeout = .seconds(2)
            do {
                _ = try await Gateway.open(try XSpec("socket=127.0.0.1:\(listener.port)//id=mute"), options: options)
                Issue.record("a silent server acknowledged")
            } catch let error as GatewayError {
                guard case .bootstrapTimedOut = error.kind else { Issue.record("expected bootstrapTimedOut, got \(error)"); return }
                #expect(error.gatewayID == "mute")
            }
        }
    }

    @Test func installviaStartsTheSocketServerOnAGateway() async throws {
        try await HangSupport.within(.seconds(90), "installvia") {
            try await withGroup(options: TestServers.quiet) { group in
                try await group.makeGateway("popen//python=\(TestServers.python3)//id=server")
                let gateway = try await group.makeGateway("socket//installvia=server//id=client")
                let answer = try await Self.echo(gateway, .int(5))
                #expect(answer == .tuple([.int(5), .int(3)]))
                let serverPID = try await group["server"]!.remoteInfo().pid
                #expect(try await gateway.remoteInfo().pid == serverPID)
            }
        }
    }

    @Test func viaPopenThroughPopenAndTwoHops() async throws {
        try await HangSupport.within(.seconds(90), "via popen") {
            try await withGroup(options: TestServers.quiet) { group in
                let first = try await group.makeGateway("popen//python=\(TestServers.python3)//id=hop1")
                let second = try await group.makeGateway("popen//python=\(TestServers.python3)//via=hop1//id=hop2")
                let third = try await group.makeGateway("popen//python=\(TestServers.python3)//via=hop2//id=hop3")
                for gateway in [second, third] {
                    #expect(try await Self.echo(gateway, .str(gateway.id)) == .tuple([.str(gateway.id), .int(3)]))
                }
                // Each hop is a child of the one before it.
                let pids = try await [first, second, third].asyncMap { try await $0.remoteInfo().pid }
                #expect(Set(pids).count == 3)
                let parent = try await third.remoteExec("import os; channel.send(os.getppid())").receive(timeout: .seconds(10))
                #expect(parent == .int(PyInt(pids[1])))
            }
        }
    }

    @Test func viaSSHThroughPopen() async throws {
        try await HangSupport.within(.seconds(90), "ssh via popen") {
            try await TestServers.with { servers in
                try await withGroup(options: TestServers.quiet) { group in
                    try await group.makeGateway("popen//python=\(TestServers.python3)//id=jump")
                    let gateway = try await group.makeGateway(servers.ssh(python: TestServers.python3, "//via=jump//id=far"))
                    #expect(try await Self.echo(gateway, .int(9)) == .tuple([.int(9), .int(3)]))
                }
            }
        }
    }

    /// Stock's order: a gateway others go through exits only after they ended.
    @Test func terminateEndsProxiedGatewaysFirst() async throws {
        try await HangSupport.within(.seconds(90), "terminate via order") {
            let group = Group(options: TestServers.quiet)
            let order = Locked<[String]>([])
            for spec in ["id=hop1", "via=hop1//id=hop2", "via=hop2//id=hop3"] {
                let gateway = try await group.makeGateway("popen//python=\(TestServers.python3)//\(spec)")
                gateway.onExit { order.withLock { $0.append(gateway.id) } }
            }
            let processes = group.gateways.compactMap { $0.core.transport.process }
            await group.terminate(timeout: .seconds(10))
            #expect(order.withLock { $0 } == ["hop3", "hop2", "hop1"])
            for process in processes { #expect(process.exitStatus != nil) }
            #expect(group.isEmpty)
        }
    }

    /// A loopback port nothing listens on (bound, read, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw TestServers.Failure(description: "no free loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A loopback listener that accepts connections and never answers.
final class SilentListener: Sendable {
    let port: Int
    private let process: PopenTransport

    private init(port: Int, process: PopenTransport) {
        self.port = port
        self.process = process
    }

    static func start() async throws -> SilentListener {
        let program = """
            import socket, sys, time
            s = socket.socket()
            s.bind(('127.0.0.1', 0))
            s.listen(5)
            sys.stdout.write('%d\\n' % s.getsockname()[1])
            sys.stdout.flush()
            held = []
            while True:
                held.append(s.accept())
            """
        let process = try PopenTransport(arguments: [TestServers.python3, "-u", "-c", program], forwardStandardError: false)
        // Read the port on a thread of its own, not on the shared pool.
        let announced = Waiter<[UInt8]>()
        let input = process.inputDescriptor
        startDetachedThread(name: "silent-listener") {
            var line: [UInt8] = []
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
            defer { chunk.deallocate() }
            while !line.contains(10), let count = try? FileDescriptorIO.readSome(input, into: chunk), count > 0 {
                line += UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            }
            announced.resume(returning: line)
        }
        let line = try await announced.wait(timeout: .seconds(30))
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.child.kill()
            throw TestServers.Failure(description: "the silent listener did not start")
        }
        return SilentListener(port: port, process: process)
    }

    func stop() {
        process.child.kill()
        process.close()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
