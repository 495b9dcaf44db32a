import Testing
@testable import Execnet

/// Large bytes values travel as frames of several parts (the value's own
/// storage uncopied) and are received straight into their payload: a real
/// remote must echo every one of them whole, in order, mixed with small items.
@Suite struct LargeItemTests {
    @Test func largeAndSmallItemsEchoWhole() async throws {
        try await HangSupport.within(.seconds(90), "large item echo") {
            try await withGroup(options: try await HangSupport.options()) { group in
                let gateway = try await group.makeGateway("popen//python=\(HangSupport.python3)")
                let channel = try await gateway.remoteExec("""
                    for item in channel:
                        channel.send(item)
                    """)
                let sizes = [0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 1 << 20, 3 << 20 + 5]
                var sent: [PyValue] = []
                for size in sizes {
                    let bytes = [UInt8]((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) })
                    sent.append(.bytes(bytes))
                    sent.append(.int(PyInt(size)))
                    sent.append(.tuple(["pair", .bytes(bytes), .bytes(Array(bytes.reversed()))]))
                }
                // Sent without waiting, so that large frames queue behind
                // others and go out through the writer's backlog too.
                for item in sent { try await channel.send(item) }
                for item in sent {
                    let back = try await channel.receive(timeout: .seconds(60))
                    #expect(back == item)
                }
                try await withTaskExecutorPreference(gateway.executor) {
                    // The same from the gateway's own executor, where sends are
                    // gathered and written after the job.
                    for item in sent.suffix(6) {
                        try await channel.send(item)
                        #expect(try await channel.receive(timeout: .seconds(60)) == item)
                    }
                }
                try channel.close()
            }
        }
    }
}
