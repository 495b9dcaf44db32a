import Execnet
import Testing

@Suite struct SmokeTests {
    @Test func echo() async throws {
        let group = Group()
        let gateway = try await group.makeGateway("popen")
        let channel = try gateway.remoteExec("""
            for item in channel:
                channel.send(item)
            """)
        try channel.send(42)
        #expect(try await channel.receive() == 42)
        try channel.send(["a", 1.5])
        #expect(try await channel.receive() == ["a", 1.5])
        try channel.close()
        let status = try await gateway.remoteStatus()
        print(status, gateway.remotePython as Any, gateway.gatewayBase?.version as Any)
        let info = try await gateway.remoteInfo()
        print(info)
        await group.terminate(timeout: .seconds(5))
    }
}
