import ExecnetConformance
import Execnet
import Foundation
import Testing

/// The Swift host replays the scenarios recorded from stock execnet's own
/// Python host and must write the same bytes after the bootstrap.
@Suite(.serialized) struct TranscriptTests {
    static let directory = FixtureLocation.find(explicit: nil)!.appendingPathComponent("transcripts")
    static let transcripts: [Transcript] = (try? Transcript.all(in: directory)) ?? []

    @Test func transcriptsExist() {
        #expect(Self.transcripts.map(\.execnetVersion) == ["1.9.0", "2.0.2", "2.1.2"])
    }

    @Test(arguments: ["1.9.0", "2.0.2", "2.1.2"])
    func hostStreamsMatchStock(version: String) async throws {
        let transcript = try #require(Self.transcripts.first { $0.execnetVersion == version })
        let base = try await StockCache.gatewayBase(version: version)
        for scenario in transcript.scenarios {
            do {
                let difference = try await TranscriptReplay.replay(scenario, python: "python3", gatewayBase: base)
                #expect(difference == nil, "\(version) \(scenario.name): \(difference ?? "")")
            } catch {
                Issue.record("\(version) \(scenario.name): \(error)")
            }
        }
    }

    @Test(arguments: ["1.9.0", "2.0.2", "2.1.2"])
    func bootstrapLinesMatchStock(version: String) async throws {
        let transcript = try #require(Self.transcripts.first { $0.execnetVersion == version })
        let base = try await StockCache.gatewayBase(version: version)
        let line = BootstrapLines.exec(base, id: "gw0", execmodel: "thread")
        #expect(line.count == transcript.bootstrap["line_length"] as? Int)
        let (_, digest) = try Command.run(
            ["python3", "-c", "import hashlib,sys;sys.stdout.write(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"],
            input: String(decoding: line, as: UTF8.self))
        #expect(digest == transcript.bootstrap["line_sha256"] as? String)
        let importLine = BootstrapLines.importing(directory: "<IMPORTDIR>", id: "gw0", execmodel: "thread")
        #expect(String(decoding: importLine, as: UTF8.self) == transcript.importBootstrap)
    }
}
