import Foundation
import Testing
@testable import Execnet
@testable import ExecnetGateway
@testable import ExecnetTransport

/// Every way the host used to hang, each failing by its own deadline if it
/// hangs again. None asserts a time; each bounds how long it may wait.
@Suite struct HangTests {
    let python = HangSupport.python3
    /// Generous, because the whole suite shares two cores: each adversary
    /// below waits far longer (sleep 600 or 1000), so a host that waited
    /// for it would still miss this deadline.
    static let deadline: Duration = .seconds(90)

    @Test func cancelledReceiveLosesNoItem() async throws {
        try await withGroup(options: try await HangSupport.options()) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("channel.send(channel.receive())")
            let waiting = Task { try await channel.receive() }
            try await Task.sleep(for: .milliseconds(100))
            waiting.cancel()
            try await HangSupport.within(Self.deadline, "cancelled receive") {
                await #expect(throws: CancellationError.self) { try await waiting.value }
            }
            try await channel.send("kept")
            #expect(try await channel.receive(timeout: .seconds(10)) == "kept")
        }
    }

    @Test func cancelledIterationThrowsCancellation() async throws {
        try await withGroup(options: try await HangSupport.options()) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("channel.send(1)\nchannel.receive()")
            let iterating = Task {
                var seen: [PyValue] = []
                for try await item in channel { seen.append(item) }
                return seen
            }
            try await Task.sleep(for: .milliseconds(300))
            iterating.cancel()
            try await HangSupport.within(Self.deadline, "cancelled iteration") {
                await #expect(throws: CancellationError.self) { try await iterating.value }
            }
        }
    }

    @Test func cancelledWaitsThrowCancellation() async throws {
        try await withGroup(options: try await HangSupport.options()) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("channel.receive()")
            let waits: [Task<Void, any Error>] = [
                Task { try await channel.waitClose() },
                Task { _ = try await gateway.join() },
                Task { _ = try await gateway.waitForExit() },
            ]
            try await Task.sleep(for: .milliseconds(100))
            for wait in waits { wait.cancel() }
            try await HangSupport.within(Self.deadline, "cancelled waitClose, join, waitForExit") {
                for wait in waits { await #expect(throws: CancellationError.self) { try await wait.value } }
            }
        }
    }

    /// Once the host sends on `side`, the remote's receiver thread blocks
    /// in a callback and reads nothing more: STATUS goes unanswered and the
    /// pipe fills up.
    static let stopReadingSource = """
        import threading
        never = threading.Event()
        side = channel.receive()
        side.setcallback(lambda item: never.wait())
        channel.send("blocked")
        never.wait()
        """

    /// Makes `gateway`'s remote stop reading; returns the channel that
    /// stopped it, for sending what will pile up.
    static func stopReading(on gateway: Gateway) async throws -> Channel {
        let channel = try await gateway.remoteExec(stopReadingSource)
        let side = try gateway.newChannel()
        try await channel.send(side.value)
        #expect(try await channel.receive(timeout: .seconds(10)) == "blocked")
        try await side.send("stop")
        return side
    }

    @Test func cancelledStatusAndSuspendedSendThrowCancellation() async throws {
        var options = try await HangSupport.options()
        options.outboundQueueLimit = 1 << 20
        try await withGroup(options: options, terminateTimeout: .seconds(2)) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let side = try await Self.stopReading(on: gateway)
            let status = Task { _ = try await gateway.remoteStatus() }
            let payload = PyValue.bytes([UInt8](repeating: 7, count: 256 * 1024))
            let sending = Task {
                for _ in 0..<64 { try await side.send(payload) }
            }
            try await Task.sleep(for: .milliseconds(500))
            let queued = gateway.core.connection.queuedByteCount
            #expect(queued <= (1 << 20) + 512 * 1024)
            status.cancel()
            sending.cancel()
            try await HangSupport.within(Self.deadline, "cancelled remoteStatus and send") {
                await #expect(throws: CancellationError.self) { try await status.value }
                await #expect(throws: CancellationError.self) { try await sending.value }
            }
        }
    }

    @Test func bootstrapThatNeverAnswersTimesOut() async throws {
        let silent = "popen//python=\(python) -c 'import time; time.sleep(1000)'"
        let group = Group(options: try await HangSupport.options(timeout: .seconds(1)))
        let error = try await HangSupport.within(Self.deadline, "a bootstrap that never answers") {
            do {
                _ = try await group.makeGateway(silent)
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        #expect(error.contains("gateway 'gw0'"), "\(error)")
        #expect(error.contains("timed out"), "\(error)")
        #expect(error.contains(python), "\(error)")
        #expect(error.contains("acknowledgement"), "\(error)")
        #expect(HangSupport.children(of: getpid()).allSatisfy { !HangSupport.isRunning($0) || !HangSupport.commandLine($0).contains("time.sleep(1000)") })

        var probingOptions = try await HangSupport.options(timeout: .seconds(1))
        probingOptions.bootstrap = nil
        let probing = probingOptions
        let error2 = try await HangSupport.within(Self.deadline, "a probe that is never answered") {
            do {
                _ = try await Gateway.open(try XSpec(silent), options: probing)
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        #expect(error2.contains("version probe"), "\(error2)")
    }

    @Test func cancelledOpenLeavesNoProcess() async throws {
        let silent = "popen//python=\(python) -c 'import time; time.sleep(1001)'"
        let options = try await HangSupport.options()
        let opening = Task { try await Group(options: options).makeGateway(silent) }
        try await Task.sleep(for: .milliseconds(300))
        opening.cancel()
        try await HangSupport.within(Self.deadline, "a cancelled open") {
            await #expect(throws: CancellationError.self) { try await opening.value }
        }
        let left = HangSupport.children(of: getpid()).filter { HangSupport.commandLine($0).contains("time.sleep(1001)") }
        #expect(await HangSupport.allEnd(left, within: .seconds(3)), "left running: \(left)")
    }

    @Test func terminateEndsARemoteThatSleepsAndIgnoresSIGTERM() async throws {
        let group = Group(options: try await HangSupport.options())
        let gateway = try await group.makeGateway("popen//python=\(python)")
        let channel = try await gateway.remoteExec("""
            import os, signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            channel.send(os.getpid())
            time.sleep(1000)
            """)
        guard case .int(let pid) = try await channel.receive(timeout: .seconds(10)), let remote = Int32(pid.description) else {
            Issue.record("no pid")
            return
        }
        try await HangSupport.within(Self.deadline, "terminate(timeout: 2 s)") {
            await group.terminate(timeout: .seconds(2))
        }
        #expect(!HangSupport.isRunning(remote))
        #expect(gateway.exitStatus != nil)
    }

    @Test func terminateWithMegabytesQueuedForARemoteThatNeverReads() async throws {
        var options = try await HangSupport.options()
        options.outboundQueueLimit = 1 << 20
        let group = Group(options: options)
        let gateway = try await group.makeGateway("popen//python=\(python)")
        let side = try await Self.stopReading(on: gateway)
        let chunk = PyValue.bytes([UInt8](repeating: 1, count: 1 << 20))
        for _ in 0..<64 { try side.sendNow(chunk) }
        let queued = gateway.core.connection.queuedByteCount
        #expect(queued > 32 << 20)
        try await HangSupport.within(Self.deadline, "terminate with 64 MiB queued") {
            gateway.exit()
            await group.terminate(timeout: .seconds(2))
        }
        let status = gateway.exitStatus
        let receiving = gateway.hasReceiver
        #expect(status != nil)
        #expect(!receiving)
    }

    @Test func terminateDoesNotWaitForAGrandchildHoldingThePipes() async throws {
        let group = Group(options: try await HangSupport.options())
        let gateway = try await group.makeGateway("popen//python=\(python)")
        let channel = try await gateway.remoteExec("""
            import subprocess
            child = subprocess.Popen(['sleep', '600'])
            channel.send(child.pid)
            """)
        guard case .int(let pid) = try await channel.receive(timeout: .seconds(10)), let grandchild = Int32(pid.description) else {
            Issue.record("no pid")
            return
        }
        try await HangSupport.within(Self.deadline, "terminate with a grandchild holding stdout and stderr") {
            await group.terminate(timeout: .seconds(2))
        }
        #expect(gateway.exitStatus != nil)
        #expect(await HangSupport.allEnd([grandchild], within: .seconds(3)), "the grandchild was left running")
    }

    @Test func killedHostLeavesNoRemoteBehind() async throws {
        let slowStart = "popen//python=\(python) -c 'import sys, time; time.sleep(2); exec(eval(sys.stdin.readline()))'"
        let busy = "popen//python=\(python)"
        let host = Process()
        host.executableURL = URL(fileURLWithPath: HangSupport.testHost)
        host.arguments = ["hold", busy, busy, slowStart]
        let output = Pipe()
        host.standardOutput = output
        try host.run()
        let lines = try await HangSupport.within(.seconds(60), "the helper host starting its gateways") {
            try await HangSupport.lines(of: output.fileHandleForReading, until: "ready")
        }
        let remotes = HangSupport.children(of: host.processIdentifier)
        #expect(remotes.count == 3, "children: \(remotes), output: \(lines)")
        kill(host.processIdentifier, SIGKILL)
        host.waitUntilExit()
        #expect(await HangSupport.allEnd(remotes, within: .seconds(20)), "remotes left running: \(remotes.filter(HangSupport.isRunning))")
    }

    @Test func anItemEqualToTheEndmarkerIsJustAnItem() async throws {
        try await withGroup(options: try await HangSupport.options()) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("channel.send('END'); channel.send(2)")
            let queue = try MultiChannel([channel]).makeReceiveQueue(endmarker: "END")
            let items = try await HangSupport.within(Self.deadline, "the receive queue") {
                var items: [PyValue] = []
                for await (_, item) in queue { items.append(item) }
                return items
            }
            #expect(items == ["END", 2, "END"])

            let other = try await gateway.remoteExec("channel.send(1)")
            let plain = try MultiChannel([other]).makeReceiveQueue()
            let seen = try await HangSupport.within(Self.deadline, "a queue without an endmarker") {
                var items: [PyValue] = []
                for await (_, item) in plain { items.append(item) }
                return items
            }
            #expect(seen == [1])
        }
    }

    @Test func sendingFromACallbackIntoAFullPipeDoesNotDeadlock() async throws {
        try await withGroup(options: try await HangSupport.options(), terminateTimeout: .seconds(2)) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("""
                import threading, time
                gate = threading.Event()
                got = []
                def take(item):
                    gate.wait()
                    got.append(len(item))
                side = channel.receive()
                side.setcallback(take)
                for i in range(10):
                    channel.send(i)
                time.sleep(0.5)
                gate.set()
                while len(got) < 10:
                    time.sleep(0.01)
                channel.send(("done", sum(got)))
                """)
            let side = try gateway.newChannel()
            try await channel.send(side.value)
            let done = Waiter<PyValue>()
            let big = PyValue.bytes([UInt8](repeating: 3, count: 1 << 20))
            try channel.setCallback { item in
                if case .tuple = item { done.resume(returning: item) } else { try side.sendNow(big) }
            }
            let reply = try await HangSupport.within(Self.deadline, "callbacks sending 10 MiB into a full pipe") {
                try await done.wait()
            }
            #expect(reply == .tuple(["done", .int(PyInt(10 << 20))]))
        }
    }

    @Test func waitCloseReturnsAfterTheEndmarkerReachedTheCallback() async throws {
        try await withGroup(options: try await HangSupport.options()) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            for _ in 0..<50 {
                let channel = try await gateway.remoteExec("channel.send(42); channel.send(13); channel.send(channel.gateway.newchannel())")
                let seen = Locked<[String]>([])
                try channel.setCallback(endmarker: 999) { item in seen.withLock { $0.append("\(item)") } }
                try await channel.waitClose(timeout: .seconds(10))
                #expect(seen.withLock { $0.last } == "999")
            }
        }
    }
}
