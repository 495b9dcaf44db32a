import ExecnetConformance
import Execnet
import Foundation
import Testing
@testable import ExecnetGateway

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
        let (_, digest) = try await Command.run(
            ["python3", "-c", "import hashlib,sys;sys.stdout.write(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"],
            input: String(decoding: line, as: UTF8.self))
        #expect(digest == transcript.bootstrap["line_sha256"] as? String)
        let importLine = BootstrapLines.importing(directory: "<IMPORTDIR>", id: "gw0", execmodel: "thread")
        #expect(String(decoding: importLine, as: UTF8.self) == transcript.importBootstrap)
    }

    /// Stock 2.1.2's host recorded over ssh, socket and one via hop: the
    /// Swift host's bootstrap line for each has stock's digest, and what it
    /// writes after it is stock's host stream, scenario by scenario.
    @Test(.enabled(if: TestServers.sshdInstalled, "needs sshd: run scripts/test-servers install"))
    func hostStreamsMatchStockOverTransports() async throws {
        let popen = try #require(Self.transcripts.first { $0.execnetVersion == "2.1.2" })
        let file = try TransportTranscript(
            contentsOf: Self.directory.appendingPathComponent("transports-2.1.2.json"), steps: popen)
        #expect(file.recordings.map(\.name) == ["ssh", "socket", "via"])
        let base = try await StockCache.gatewayBase(version: "2.1.2")
        let python = TestServers.python3
        try await HangSupport.within(.seconds(600), "transport transcripts") {
            try await TestServers.with(socketPythons: [python]) { servers in
                for recording in file.recordings {
                    try await Self.replay(recording, servers: servers, python: python, base: base)
                }
            }
        }
    }

    private static func replay(
        _ recording: TransportTranscript.Recording, servers: TestServers, python: String, base: GatewayBase
    ) async throws {
        let exec = BootstrapLines.exec(base, id: "gw0", execmodel: "thread")
        let line: [UInt8]
        let templateLine: [UInt8]
        var via: Gateway?
        let open: (GatewayOptions) async throws -> Gateway
        switch recording.name {
        case "ssh":
            (line, templateLine) = (exec, exec)
            open = { try await Gateway.open(XSpec(servers.ssh(python: python, "//id=gw0")), options: $0) }
        case "socket":
            let server = try #require(servers.socketServers[python])
            let spec = "\(server.spec)//id=gw0"
            line = try BootstrapLines.socket(base, id: spec)
            templateLine = try BootstrapLines.socket(base, id: recording.specTemplate)
            open = { try await Gateway.open(XSpec(spec), options: $0) }
        case "via":
            (line, templateLine) = (exec, exec)
            let hop = try await Gateway.open(XSpec("popen//python=\(python)//id=via"), options: TestServers.quiet)
            via = hop
            open = { try await Gateway.open(XSpec("popen//python=\(python)//via=via//id=gw0"), via: hop, options: $0) }
        default:
            Issue.record("unknown transport \(recording.name)")
            return
        }
        #expect(templateLine.count == recording.bootstrapLength, "\(recording.name) bootstrap length")
        #expect(SHA256.hex(templateLine) == recording.bootstrapSHA256, "\(recording.name) bootstrap digest")
        for scenario in recording.scenarios {
            do {
                let difference = try await TranscriptReplay.replay(
                    scenario, bootstrapLine: line, gatewayBase: base, open: open)
                #expect(difference == nil, "\(recording.name) \(scenario.name): \(difference ?? "")")
            } catch {
                Issue.record("\(recording.name) \(scenario.name): \(error)")
            }
        }
        await via?.terminate(timeout: .seconds(10))
    }
}
