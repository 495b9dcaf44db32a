import Foundation
import Testing
@testable import Execnet

/// Where execnet's own test suite found the host differing from stock's.
@Suite struct GroupSemanticsTests {
    let python = HangSupport.python3

    @Test func exitLeavesTheGroupAtOnce() async throws {
        let group = Group(options: try await HangSupport.options())
        let gateway = try await group.makeGateway("popen//python=\(python)//id=hello")
        #expect(group.contains(id: "hello"))
        gateway.exit()
        #expect(!group.contains(id: "hello"))
        let again = try await group.makeGateway("popen//python=\(python)//id=hello")
        #expect(again.id == "hello")
        _ = try await gateway.join(timeout: .seconds(10))
        await group.terminate(timeout: .seconds(5))
    }

    @Test func anEmptySpecMeansTheDefaultSpec() async throws {
        let group = Group(defaultSpec: "popen//python=\(python)", options: try await HangSupport.options())
        let gateway = try await group.makeGateway("")
        #expect(gateway.spec.python == python)
        await group.terminate(timeout: .seconds(5))
    }

    @Test func allocateIDAndRemoteExecCalling() async throws {
        let group = Group(options: try await HangSupport.options())
        let spec = try XSpec("popen//python=\(python)")
        let id = group.allocateID(for: spec)
        #expect(id == "gw0")
        let gateway = try await group.makeGateway(spec.setting("id", to: id))
        #expect(gateway.id == "gw0")
        _ = try await group.makeGateway(spec)
        #expect(group.gateways.map(\.id) == ["gw0", "gw1"])
        let multi = try await group.remoteExec("def twice(channel, n):\n    channel.send(n * 2)\n", calling: "twice", kwargs: [("n", 21)])
        #expect(try await multi.receiveEach(timeout: .seconds(10)) == [42, 42])
        await group.terminate(timeout: .seconds(5))
    }

    @Test func groupOfSpecsEndsWhatItStartedWhenOneFails() async throws {
        let options = try await HangSupport.options()
        // -X takes any name: it marks the first gateway's process for /proc.
        let marker = "execnet_group_marker_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        await #expect(throws: GatewayError.self) {
            _ = try await Group(specs: ["popen//python=\(python) -X \(marker)", "popen//python=/nonexistent/python"], options: options)
        }
        let marked = HangSupport.children(of: getpid()).filter { HangSupport.commandLine($0).contains(marker) }
        #expect(await HangSupport.allEnd(marked, within: .seconds(5)), "left running: \(marked)")
    }

    @Test func errorsNameTheirGatewayAndPrintReadably() async throws {
        try await withGroup(options: try await HangSupport.options()) { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("raise ValueError('boom')")
            do {
                try await channel.waitClose(timeout: .seconds(10))
                Issue.record("no error")
            } catch let error as RemoteError {
                #expect(error.typeName == "ValueError")
                #expect(error.message == "boom")
                #expect(error.traceback.contains("Traceback"))
                #expect(error.gatewayID == "gw0")
                #expect(error.channelID == channel.id)
            }
            let quiet = try await gateway.remoteExec("channel.receive()")
            do {
                _ = try await quiet.receive(timeout: .milliseconds(50))
            } catch let error as ChannelError {
                #expect(error.kind == .timeout)
                #expect("\(error)".contains("gateway 'gw0'"))
            }
            let status = try await gateway.remoteStatus(timeout: .seconds(10))
            #expect("\(status)".contains("numberOfChannels"), "\(status)")
            #expect(PyDict([(PyValue.str("a"), PyValue.int(1))]).description == "{'a': 1}")
            try quiet.close()
        }
        await #expect(throws: GatewayError.self) {
            _ = try await Group(options: try await HangSupport.options()).makeGateway("popen//python=/nonexistent/python")
        }
        do {
            _ = try await Group(options: try await HangSupport.options()).makeGateway("popen//python=/nonexistent/python")
        } catch {
            #expect("\(error)".contains("gateway 'gw0'"), "\(error)")
            #expect("\(error)".contains("/nonexistent/python"), "\(error)")
        }
    }

    @Test func scopedGatewayEndsWithItsBody() async throws {
        let options = try await HangSupport.options()
        let (gateway, pid): (Gateway, Int32) = try await Gateway.withGateway(try XSpec("popen//python=\(python)"), options: options) { gateway in
            let channel = try await gateway.remoteExec("import os; channel.send(os.getpid())")
            let pid = Int32(try await channel.receive(timeout: .seconds(10)).description)!
            return (gateway, pid)
        }
        #expect(gateway.exitStatus != nil)
        #expect(!HangSupport.isRunning(pid))
    }
}
