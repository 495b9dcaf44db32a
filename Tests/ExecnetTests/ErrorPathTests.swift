@testable import ExecnetTransport
import ExecnetConformance
import Execnet
import Foundation
import Testing

/// Hostile and broken remotes, misuse on the host side, and resource leaks.
@Suite struct ErrorPathTests {
    static func options(tap: (@Sendable (TapDirection, [UInt8]) -> Void)? = nil) async throws -> GatewayOptions {
        GatewayOptions(bootstrap: .exact(try await StockCache.gatewayBase(version: "2.1.2")), forwardsStandardError: false, tap: tap)
    }

    /// Writes raw bytes to the remote's end of the wire, bypassing gateway_base.
    static let rawWrite = """
        import os
        def raw(data):
            io = channel.gateway._io
            os.write(io.outfile.fileno(), data)

        """

    @Test func remoteKilledInTheMiddleOfAMessage() async throws {
        let group = Group(options: try await Self.options())
        let gateway = try await group.makeGateway("popen//id=victim")
        let waiting = try await gateway.remoteExec("channel.receive()")
        let other = try gateway.newChannel()
        let killer = try await gateway.remoteExec(Self.rawWrite + """
            import signal
            raw(b"\\x04\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x64abc")
            os.kill(os.getpid(), signal.SIGKILL)
            """)
        for channel in [waiting, other, killer] {
            do {
                _ = try await channel.receive(timeout: .seconds(5))
                Issue.record("receive on \(channel) succeeded")
            } catch let error as ChannelError {
                #expect(error.kind == .endOfChannel, "\(error)")
                #expect("\(error)".contains("'victim'"), "\(error)")
                #expect(error.reason?.contains("middle of a message") == true, "\(error)")
            }
        }
        #expect(try await gateway.join(timeout: .seconds(5)))
        #expect(throws: GatewayError.self) { try gateway.newChannel() }
        await group.terminate(timeout: .seconds(5))
        #expect(gateway.exitStatus == .signaled(9))
    }

    @Test func junkOnTheWireClosesTheGateway() async throws {
        let group = Group(options: try await Self.options())
        let gateway = try await group.makeGateway("popen//id=junk")
        let channel = try await gateway.remoteExec(Self.rawWrite + """
            raw(b"this is not an execnet message")
            channel.receive()
            """)
        do {
            _ = try await channel.receive(timeout: .seconds(5))
            Issue.record("receive succeeded")
        } catch let error as ChannelError {
            #expect(error.kind == .endOfChannel)
            #expect(error.reason?.contains("protocol violation") == true, "\(error)")
        }
        #expect(try await gateway.join(timeout: .seconds(5)))
        #expect(gateway.endReason?.contains("unknown message type") == true, "\(gateway.endReason ?? "nil")")
        await #expect(throws: (any Error).self) { try await channel.send(1) }
        await group.terminate(timeout: .seconds(5))
        #expect(gateway.exitStatus != nil)
    }

    @Test func unencodableValuesThrowBeforeAnyByteIsWritten() async throws {
        let written = Locked(0)
        let group = Group(options: try await Self.options { direction, bytes in
            if direction == .written { written.withLock { $0 += bytes.count } }
        })
        let gateway = try await group.makeGateway()
        let other = try await Group(options: try await Self.options()).makeGateway()
        let channel = try await gateway.remoteExec("for item in channel:\n    channel.send(item)\n")
        let before = written.withLock { $0 }

        // 2 GiB of bytes: too long for the wire's signed 32-bit length. The
        // memory is reserved, never touched.
        let huge = [UInt8](unsafeUninitializedCapacity: 1 << 31) { _, count in count = 1 << 31 }
        await #expect(throws: DumpEncodingError.self) { try await channel.send(.bytes(huge)) }
        // A channel id this gateway never had (here one of another gateway's)
        // would address the wrong channel remotely.
        var foreign = try other.newChannel()
        while foreign.id < 99 { foreign = try other.newChannel() }
        await #expect(throws: GatewayError.self) { try await channel.send(.list([1, foreign.value])) }
        // Stock ends its remote on a channel among CHANNEL_EXEC's kwargs.
        await #expect(throws: GatewayError.self) { try await gateway.remoteExec("pass", calling: "f", kwargs: [("c", channel.value)]) }
        #expect(written.withLock { $0 } == before)

        try await channel.send("still usable")
        #expect(try await channel.receive(timeout: .seconds(10)) == "still usable")
        try channel.close()
        other.exit()
        await group.terminate(timeout: .seconds(5))
    }

    @Test func receiveAndSendAfterClose() async throws {
        let group = Group(options: try await Self.options())
        let gateway = try await group.makeGateway()
        let channel = try await gateway.remoteExec("channel.send(1)\nchannel.receive()")
        #expect(try await channel.receive(timeout: .seconds(10)) == 1)
        try channel.close()
        try channel.close()
        #expect(channel.isClosed)
        await #expect(throws: ChannelError.self) { try await channel.receive(timeout: .seconds(1)) }
        await #expect(throws: ChannelError.self) { try await channel.send(2) }
        try await channel.waitClose(timeout: .seconds(1))
        await group.terminate(timeout: .seconds(5))
        await #expect(throws: ChannelError.self) { try await channel.receive(timeout: .seconds(1)) }
        #expect(throws: GatewayError.self) { try gateway.newChannel() }
    }

    /// Opening and closing many gateways one after another leaves no file
    /// descriptors, threads or processes behind.
    @Test func manyGatewaysLeaveNothingBehind() async throws {
        let count = ProcessInfo.processInfo.environment["EXECNET_LEAK_GATEWAYS"].flatMap(Int.init) ?? 1000
        let options = try await Self.options()
        func openAndClose() async throws {
            let group = Group(options: options)
            let gateway = try await group.makeGateway()
            let channel = try await gateway.remoteExec("channel.send(channel.receive() + 1)")
            try await channel.send(1)
            #expect(try await channel.receive(timeout: .seconds(30)) == 2)
            await group.terminate(timeout: .seconds(10))
            #expect(gateway.exitStatus != nil)
        }
        try await openAndClose()
        let descriptors = Self.entries("/proc/self/fd")
        let threads = Self.entries("/proc/self/task")
        for _ in 0..<count { try await openAndClose() }
        // Reaper threads finish just after their process; give them a moment.
        var settledThreads = Self.entries("/proc/self/task")
        for _ in 0..<100 where settledThreads > threads {
            try await Task.sleep(for: .milliseconds(20))
            settledThreads = Self.entries("/proc/self/task")
        }
        #expect(Self.entries("/proc/self/fd") <= descriptors, "file descriptors: \(descriptors) before")
        #expect(settledThreads <= threads, "threads: \(threads) before, \(settledThreads) after")
    }

    static func entries(_ directory: String) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
    }
}
