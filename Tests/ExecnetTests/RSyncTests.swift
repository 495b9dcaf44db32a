import ExecnetConformance
import Foundation
import Testing
@testable import Execnet
@testable import ExecnetTransport

/// RSync against stock's own rsync_remote on real interpreters, with trees
/// from scripts/rsync_tree.py. No timing is asserted anywhere.
@Suite(.serialized) struct RSyncTests {
    static let python3 = TestServers.python3

    /// Collects events, for checking what crossed.
    final class Recorder: Sendable {
        let events = Locked<[RSync.Event]>([])
        var record: @Sendable (RSync.Event) -> Void { { [events] event in events.withLock { $0.append(event) } } }
        var sentPaths: [String] {
            events.withLock { $0 }.compactMap { if case .sending(_, let path, _) = $0 { return path } else { return nil } }
        }
    }

    @Test func destinationEqualsStocksAndSecondSendMovesNoData() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(240), "rsync test tree") {
            let source = try await scratch.tree("src", profile: "test")
            let ours = scratch.path("swift"), stocks = scratch.path("stock")
            let first = Recorder()
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=swift")
                let sync = RSync(sourceDirectory: source, progress: first.record)
                try await sync.addTarget(gateway, destination: ours)
                try await sync.send()
                await #expect(throws: RSyncError.self) { try await sync.send() }
            }
            try await RSyncScratch.stockSync(source: source, targets: [(Self.python3, stocks)])
            #expect(try await RSyncScratch.differences(ours, stocks) == nil)
            #expect(try await RSyncScratch.differences(source, ours) == nil)
            #expect(first.sentPaths.count > 50)

            let second = Recorder()
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=again")
                let sync = RSync(sourceDirectory: source, progress: second.record)
                try await sync.addTarget(gateway, destination: ours)
                try await sync.send()
            }
            #expect(second.sentPaths == [])
            #expect(try await RSyncScratch.differences(source, ours) == nil)
        }
    }

    @Test func deleteRemovesWhatTheSourceLacks() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(120), "rsync delete") {
            let source = try await scratch.tree("src", profile: "transcript")
            let destination = scratch.path("dst")
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=del")
                let sync = RSync(sourceDirectory: source)
                try await sync.addTarget(gateway, destination: destination)
                try await sync.send()
                try FileManager.default.createDirectory(atPath: destination + "/stale/deeper", withIntermediateDirectories: true)
                try Data("old".utf8).write(to: URL(fileURLWithPath: destination + "/stale/deeper/file"))
                try Data("old".utf8).write(to: URL(fileURLWithPath: destination + "/stale-file"))
                try await sync.addTarget(gateway, destination: destination, delete: true)
                try await sync.send()
            }
            #expect(!FileManager.default.fileExists(atPath: destination + "/stale"))
            #expect(!FileManager.default.fileExists(atPath: destination + "/stale-file"))
            #expect(try await RSyncScratch.differences(source, destination) == nil)
        }
    }

    @Test func fourTargetsOnPython2AndPython3AtOnce() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        let two = TestServers.python2UTF8 ?? Self.python3
        let pythons = [Self.python3, two, Self.python3, two]
        try await HangSupport.within(.seconds(300), "rsync four targets") {
            let source = try await scratch.tree("src", profile: "test")
            let recorder = Recorder()
            let finished = Locked<[String]>([])
            try await withGroup(options: TestServers.quiet) { group in
                let sync = RSync(sourceDirectory: source, maxBodiesInFlight: 2, progress: recorder.record)
                for (index, python) in pythons.enumerated() {
                    let gateway = try await group.makeGateway("popen//python=\(python)//id=t\(index)")
                    try await sync.addTarget(gateway, destination: scratch.path("dst\(index)")) {
                        finished.withLock { $0.append("t\(index)") }
                    }
                }
                try await sync.send()
                // The bound holds, and no file was read more often than once per target.
                let statistics = sync.lastSendStatistics
                #expect(statistics.peakBodies <= 2)
                #expect(statistics.reads <= recorder.sentPaths.count)
                #expect(statistics.reads >= recorder.sentPaths.count / 4)
            }
            #expect(finished.withLock { $0 }.sorted() == ["t0", "t1", "t2", "t3"])
            for index in pythons.indices {
                #expect(try await RSyncScratch.differences(source, scratch.path("dst\(index)")) == nil, "target t\(index)")
            }
            let events = recorder.events.withLock { $0 }
            for index in pythons.indices {
                let listed = events.contains { if case .listed("t\(index)", let bytes) = $0 { bytes > 64 << 20 } else { false } }
                #expect(listed, "t\(index) reported its total")
            }
        }
    }

    @Test func aKilledTargetFailsAloneAndIsNamed() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(240), "rsync killed target") {
            let source = try await scratch.tree("src", profile: "test")
            try await withGroup(options: TestServers.quiet) { group in
                let victim = try await group.makeGateway("popen//python=\(Self.python3)//id=victim")
                let killed = Locked(false)
                let sync = RSync(sourceDirectory: source, progress: { event in
                    if case .sending("victim", _, _) = event, !killed.withLock({ $0 }) {
                        killed.withLock { $0 = true }
                        victim.kill()
                    }
                })
                try await sync.addTarget(victim, destination: scratch.path("victim"))
                for index in 0..<2 {
                    let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=ok\(index)")
                    try await sync.addTarget(gateway, destination: scratch.path("ok\(index)"))
                }
                do {
                    try await sync.send()
                    Issue.record("send() succeeded although a target was killed")
                } catch let error as RSyncError {
                    #expect(error.gatewayID == "victim")
                    #expect("\(error)".contains("victim"))
                }
            }
            for index in 0..<2 {
                #expect(try await RSyncScratch.differences(source, scratch.path("ok\(index)")) == nil)
            }
        }
    }

    @Test func aFilterLeavesADirectoryOut() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(120), "rsync filter") {
            let source = try await scratch.tree("src", profile: "transcript")
            let excluded = try #require(
                try FileManager.default.contentsOfDirectory(atPath: source).sorted().first { name in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: source + "/" + name, isDirectory: &isDirectory)
                        && isDirectory.boolValue
                })
            let seen = Locked<[String]>([])
            let destination = scratch.path("dst")
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=f")
                let sync = RSync(sourceDirectory: source, filter: { path in
                    seen.withLock { $0.append(path) }
                    return path != source + "/" + excluded
                })
                try await sync.addTarget(gateway, destination: destination)
                try await sync.send()
            }
            #expect(seen.withLock { $0 }.contains(source + "/" + excluded))
            #expect(!seen.withLock { $0 }.contains { $0.hasPrefix(source + "/" + excluded + "/") })
            #expect(!FileManager.default.fileExists(atPath: destination + "/" + excluded))
            let others = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0 != excluded }
            for name in others {
                #expect(
                    (try? FileManager.default.attributesOfItem(atPath: destination + "/" + name)) != nil, "\(name) was sent")
            }
        }
    }

    @Test func aNameThatIsNotUTF8IsRefusedBeforeAnythingIsSent() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        let source = scratch.path("src")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        let name: [UInt8] = Array((source + "/bad-").utf8) + [0xff, 0xfe] + Array(".txt".utf8) + [0]
        let descriptor = name.withUnsafeBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(descriptor >= 0)
        close(descriptor)
        let destination = scratch.path("dst")
        try await HangSupport.within(.seconds(60), "rsync bad name") {
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=n")
                let sync = RSync(sourceDirectory: source)
                try await sync.addTarget(gateway, destination: destination)
                do {
                    try await sync.send()
                    Issue.record("a non-UTF-8 name was accepted")
                } catch let error as RSyncError {
                    guard case .cannotSync(let path, _) = error.kind else { throw error }
                    #expect(path.hasSuffix("bad-\\xff\\xfe.txt"))
                }
                // The remote was told to stop: the gateway still answers.
                let channel = try await gateway.remoteExec("channel.send(7)")
                #expect(try await channel.receive(timeout: .seconds(20)) == 7)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: destination + "/bad-"))
    }

    @Test func sendWithoutTargetsAndAMissingSourceAreErrors() async throws {
        let sync = RSync(sourceDirectory: "/nonexistent/execnet-swift-source")
        await #expect(throws: RSyncError.self) { try await sync.send() }
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(60), "rsync missing source") {
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(Self.python3)//id=m")
                try await sync.addTarget(gateway, destination: scratch.path("dst"))
                do {
                    try await sync.send()
                    Issue.record("a missing source was accepted")
                } catch let error as RSyncError {
                    guard case .cannotRead(let path, _) = error.kind else { throw error }
                    #expect(path == "/nonexistent/execnet-swift-source")
                }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("dst")))
    }

    @Test(.enabled(if: TestServers.sshdInstalled, "needs sshd: run scripts/test-servers install"))
    func overSSHSocketAndViaAtOnce() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(240), "rsync over transports") {
            let source = try await scratch.tree("src", profile: "transcript")
            try await TestServers.with(socketPythons: [Self.python3]) { servers in
                let socket = try #require(servers.socketServers[Self.python3]).spec
                try await withGroup(options: TestServers.quiet) { group in
                    _ = try await group.makeGateway("popen//python=\(Self.python3)//id=hop")
                    let specs = [
                        servers.ssh(python: Self.python3, "//id=ssh"), "\(socket)//id=socket",
                        "popen//python=\(Self.python3)//via=hop//id=via",
                    ]
                    let sync = RSync(sourceDirectory: source)
                    for spec in specs {
                        let gateway = try await group.makeGateway(spec)
                        try await sync.addTarget(gateway, destination: scratch.path(gateway.id))
                    }
                    try await sync.send()
                }
            }
            for name in ["ssh", "socket", "via"] {
                #expect(try await RSyncScratch.differences(source, scratch.path(name)) == nil, "over \(name)")
            }
        }
    }

    /// Remotes that break the protocol: each target fails with an error that
    /// names it, none hangs, and a well-behaved target beside them completes.
    @Test(arguments: [
        ("not-a-tuple", "channel.send('hello')", "protocol violation"),
        ("unknown-command", "channel.send(('jump', None))", "unknown command"),
        ("bad-request", "channel.send(('send', 'everything'))", "malformed send request"),
        ("bad-ack", "channel.send(('ack', 42))", "malformed ack"),
        ("ends-early", "pass", "connection unexpectedly closed"),
        ("raises", "raise RuntimeError('remote gave up')", "remote gave up"),
    ])
    func hostileRemotesFailAloneAndNamed(name: String, code: String, expected: String) async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(60), "hostile rsync remote \(name)") {
            let source = try await scratch.tree("src", profile: "transcript")
            try await withGroup(options: TestServers.quiet) { group in
                let hostile = try await group.makeGateway("popen//python=\(Self.python3)//id=\(name)")
                // Reads the whole structure first, as stock's remote would, then misbehaves.
                let channel = try await hostile.remoteExec("""
                    channel.receive()
                    pending = 1
                    while pending:
                        item = channel.receive()
                        if isinstance(item, list):
                            pending += len(item) - 1
                        pending -= 1
                    \(code)
                    """)
                try await channel.send(.tuple([.str(scratch.path("unused")), .dict([:])]))
                let sync = RSync(sourceDirectory: source)
                sync.addTarget(attachedTo: channel, gatewayID: hostile.id)
                let good = try await group.makeGateway("popen//python=\(Self.python3)//id=good")
                try await sync.addTarget(good, destination: scratch.path("good"))
                do {
                    try await sync.send()
                    Issue.record("\(name): send() succeeded")
                } catch let error as RSyncError {
                    #expect(error.gatewayID == name)
                    #expect("\(error)".contains(expected), "\(error)")
                }
            }
            #expect(try await RSyncScratch.differences(source, scratch.path("good")) == nil)
        }
    }

    static let interpreters: [String] = ((try? Interpreter.discover()) ?? []).map(\.path)

    /// Every interpreter here gets the transcript tree (binary files, modes,
    /// symlinks, non-ASCII names) through its own release's rsync_remote.
    @Test(arguments: RSyncTests.interpreters)
    func everyInterpreterReceivesTheTree(python: String) async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        let spec = python.contains("2.7") ? "env LC_ALL=C.UTF-8 \(python)" : python
        try await HangSupport.within(.seconds(90), "rsync to \(python)") {
            let source = try await scratch.tree("src", profile: "transcript")
            try await withGroup(options: TestServers.quiet) { group in
                let gateway = try await group.makeGateway("popen//python=\(spec)//id=interpreter")
                let sync = RSync(sourceDirectory: source)
                try await sync.addTarget(gateway, destination: scratch.path("dst"))
                try await sync.send()
            }
            #expect(try await RSyncScratch.differences(source, scratch.path("dst")) == nil, "\(python)")
        }
    }

    /// Cancelling send() ends every target at once: no hang, the gateways
    /// still answer, and the remotes were told to stop.
    @Test func cancellingSendEndsEveryTarget() async throws {
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(120), "rsync cancelled") {
            let source = try await scratch.tree("src", profile: "test")
            try await withGroup(options: TestServers.quiet) { group in
                let gateways = [
                    try await group.makeGateway("popen//python=\(Self.python3)//id=c0"),
                    try await group.makeGateway("popen//python=\(Self.python3)//id=c1"),
                ]
                let (sending, signal) = AsyncStream<Void>.makeStream()
                let sync = RSync(sourceDirectory: source, progress: { event in
                    if case .sending = event { signal.yield() }
                })
                for (index, gateway) in gateways.enumerated() {
                    try await sync.addTarget(gateway, destination: scratch.path("c\(index)"))
                }
                let task = Task { try await sync.send() }
                var iterator = sending.makeAsyncIterator()
                _ = await iterator.next()
                task.cancel()
                let result = await task.result
                #expect(throws: CancellationError.self) { try result.get() }
                for gateway in gateways {
                    let channel = try await gateway.remoteExec("channel.send(1)")
                    #expect(try await channel.receive(timeout: .seconds(20)) == 1)
                }
            }
        }
    }
}
