import Execnet
import Foundation
import Synchronization
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

    /// The RSync example, with a second popen worker where the README has ssh.
    @Test func rsyncExampleHolds() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("readme-rsync-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/src/__pycache__", withIntermediateDirectories: true)
        try Data("print('hi')\n".utf8).write(to: URL(fileURLWithPath: base + "/src/main.py"))
        try Data([0]).write(to: URL(fileURLWithPath: base + "/src/__pycache__/main.pyc"))
        let printed = Mutex<[String]>([])
        try await withGroup { group in
            let workers = [try await group.makeGateway("popen//id=w1"),
                           try await group.makeGateway("popen//python=python3//id=w2")]
            let sync = RSync(
                sourceDirectory: base + "/src",
                filter: { path in !path.hasSuffix("/__pycache__") },
                progress: { event in
                    if case .sending(let worker, let path, _) = event { printed.withLock { $0.append("\(worker) <= \(path)") } }
                })
            for (index, worker) in workers.enumerated() {
                try await sync.addTarget(worker, destination: base + "/dst\(index)", delete: true)
            }
            try await sync.send()
        }
        #expect(printed.withLock { $0 }.sorted() == ["w1 <= main.py", "w2 <= main.py"])
        for index in 0..<2 {
            #expect(FileManager.default.fileExists(atPath: base + "/dst\(index)/main.py"))
            #expect(!FileManager.default.fileExists(atPath: base + "/dst\(index)/__pycache__"))
        }
    }
}
