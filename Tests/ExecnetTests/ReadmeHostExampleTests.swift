import Execnet
import Testing

/// The README's "Driving Python from Swift" and bootstrap examples, kept
/// compiling and true.
@Suite struct ReadmeHostExampleTests {
    @Test func drivingPythonExampleHolds() async throws {
        let gateway = try await withGroup { group in
            let gateway = try await group.makeGateway("popen//python=python3")
            let channel = try await gateway.remoteExec("""
                for item in channel:
                    if item == "boom":
                        raise ValueError(item)
                    channel.send(("echo", item))
                """)
            try await channel.send(["id": 7, "tags": ["a", "b"]])
            let first = try await channel.receive(timeout: .seconds(5))
            #expect(first.description == "('echo', {'id': 7, 'tags': ['a', 'b']})")
            try await channel.send(1)
            try await channel.send("two")
            try await channel.send("boom")
            var echoed: [String] = []
            var remoteError: RemoteError?
            do {
                for try await item in channel { echoed.append(item.description) }
            } catch let error as RemoteError {
                remoteError = error
            }
            #expect(echoed == ["('echo', 1)", "('echo', 'two')"])
            #expect(remoteError?.formatted.contains("ValueError: boom") == true)
            return gateway
        }
        // withGroup ended it.
        #expect(!gateway.hasReceiver && gateway.exitStatus != nil)
    }

    @Test func bootstrapSnippetHolds() async throws {
        let base = try await StockCache.gatewayBase(version: "2.1.2")
        let pinned = Group(options: GatewayOptions(bootstrap: .exact(base)))
        let gateway = try await pinned.makeGateway("popen//python=python3")
        #expect(gateway.gatewayBase?.version == "2.1.2")
        await pinned.terminate(timeout: .seconds(5))
    }
}
