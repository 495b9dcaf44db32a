import Foundation
import Testing
@testable import Execnet
@testable import ExecnetGateway

/// The default bootstrap's compiled-code cache: the first gateway of an
/// interpreter stores what it compiled, later ones run it, and both behave
/// as stock's exec-mode line does.
@Suite struct CompiledCodeCacheTests {
    static var pythons: [String] {
        [HangSupport.python3] + (HangSupport.python27.map { [$0] } ?? [])
    }

    @Test(arguments: pythons)
    func secondGatewayRunsTheStoredCode(python: String) async throws {
        var stored: String?
        for round in 0..<2 {
            try await withGroup(options: GatewayOptions(forwardsStandardError: false)) { group in
                let gateway = try await group.makeGateway("popen//python=\(python)")
                let channel = try await gateway.remoteExec("""
                    import sys
                    channel.send(channel.receive() + 1)
                    channel.send('serve' in globals() or True)
                    raise ValueError('from round')
                    """)
                try await channel.send(41)
                #expect(try await channel.receive(timeout: .seconds(30)) == 42)
                #expect(try await channel.receive(timeout: .seconds(30)) == true)
                do {
                    try await channel.waitClose(timeout: .seconds(30))
                    Issue.record("no remote error")
                } catch let error as RemoteError {
                    #expect(error.typeName == "ValueError", "\(error)")
                }
                let base = try #require(gateway.gatewayBase)
                let directory = StockCache.root + "/code"
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                let digest = SHA256.hex(Array(base.source.utf8))
                let matching = files.filter { $0.contains(digest) && $0.hasSuffix(".marshal") }
                #expect(!matching.isEmpty, "round \(round): nothing stored in \(directory)")
                if round == 1 { #expect(stored == nil || matching.contains(stored!)) }
                stored = matching.first
            }
        }
    }

    @Test func digestMatchesKnownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
