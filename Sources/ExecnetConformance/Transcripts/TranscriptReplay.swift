import ExecnetTransport
import Execnet
import Foundation

/// One recorded scenario of stock execnet's Python host.
public struct TranscriptScenario: @unchecked Sendable {
    public let name: String
    public let steps: [[String: Any]]
    public let hostStream: [UInt8]
}

/// A transcript file: one stock release's recordings.
public struct Transcript: @unchecked Sendable {
    public let execnetVersion: String
    public let bootstrap: [String: Any]
    public let importBootstrap: String
    public let scenarios: [TranscriptScenario]

    public init(contentsOf url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let top = object as? [String: Any], let version = top["execnet"] as? String,
            let bootstrap = top["bootstrap"] as? [String: Any], let scenarios = top["scenarios"] as? [[String: Any]]
        else { throw Mismatch("\(url.path) is not a transcript file") }
        execnetVersion = version
        self.bootstrap = bootstrap
        importBootstrap = top["import_bootstrap"] as? String ?? ""
        self.scenarios = try scenarios.map { entry in
            guard let name = entry["name"] as? String, let steps = entry["steps"] as? [[String: Any]],
                let hex = entry["host_stream_hex"] as? String
            else { throw Mismatch("malformed scenario in \(url.path)") }
            return TranscriptScenario(name: name, steps: steps, hostStream: try TypedValue.bytes(hex))
        }
    }

    /// Every transcript file in `directory` (Fixtures/transcripts).
    public static func all(in directory: URL) throws -> [Transcript] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("execnet-") && $0.hasSuffix(".json") }.sorted()
            .map { try Transcript(contentsOf: directory.appendingPathComponent($0)) }
    }
}

/// Runs recorded scenarios with the Swift host and compares what it writes
/// after the bootstrap with what stock's host wrote.
public enum TranscriptReplay {
    /// Nil when the Swift host wrote exactly stock's bytes; otherwise why not.
    public static func replay(
        _ scenario: TranscriptScenario, python: String, gatewayBase: GatewayBase
    ) async throws -> String? {
        let line = BootstrapLines.exec(gatewayBase, id: "gw0", execmodel: "thread")
        return try await replay(scenario, bootstrapLine: line, gatewayBase: gatewayBase) { options in
            try await Gateway.open(XSpec("popen//python=\(python)//id=gw0"), options: options)
        }
    }

    /// Replays `scenario` on the gateway `open` makes with the options it is
    /// given (they carry the tap that sees every byte written). The first
    /// bytes written must be `bootstrapLine`; the rest must be the recorded
    /// host stream. The gateway is terminated before this returns.
    public static func replay(
        _ scenario: TranscriptScenario, bootstrapLine: [UInt8], gatewayBase: GatewayBase,
        open: (GatewayOptions) async throws -> Gateway
    ) async throws -> String? {
        let written = Locked<[UInt8]>([])
        let options = GatewayOptions(
            bootstrap: .exact(gatewayBase), forwardsStandardError: false,
            tap: { direction, bytes in
                if direction == .written { written.withLock { $0 += bytes } }
            })
        let gateway = try await open(options)
        var channels: [Channel?] = []
        var files: [Int: ChannelReader] = [:]
        let callbacks = Locked<[Int: [PyValue]]>([:])
        do {
            for (index, step) in scenario.steps.enumerated() {
                do {
                    try await run(step, gateway: gateway, channels: &channels, files: &files, callbacks: callbacks)
                } catch {
                    throw Mismatch("step \(index) \(step["op"] ?? "?"): \(error)")
                }
            }
        } catch {
            await gateway.terminate(timeout: .seconds(5))
            throw error
        }
        await gateway.terminate(timeout: .seconds(30))
        let all = written.withLock { $0 }
        guard all.starts(with: bootstrapLine) else {
            let common = zip(all, bootstrapLine).prefix { $0 == $1 }.count
            return "bootstrap line differs at byte \(common) of \(bootstrapLine.count)"
        }
        let stream = Array(all.dropFirst(bootstrapLine.count))
        if stream == scenario.hostStream { return nil }
        let common = zip(stream, scenario.hostStream).prefix { $0 == $1 }.count
        return "host stream differs at byte \(common) of \(scenario.hostStream.count) (Swift wrote \(stream.count)): "
            + "stock \(Hex.encode(Array(scenario.hostStream.dropFirst(common).prefix(24)))) vs "
            + "swift \(Hex.encode(Array(stream.dropFirst(common).prefix(24))))"
    }

    private static func run(
        _ step: [String: Any], gateway: Gateway, channels: inout [Channel?], files: inout [Int: ChannelReader],
        callbacks: Locked<[Int: [PyValue]]>
    ) async throws {
        func channel(_ key: String = "channel") throws -> Channel {
            guard let index = step[key] as? Int, index < channels.count, let channel = channels[index] else {
                throw Mismatch("no channel \(step[key] ?? "?")")
            }
            return channel
        }
        func value(_ key: String) throws -> PyValue { try TypedValue.value(step[key] as Any) }
        func timeout() -> Duration { .seconds((step["timeout"] as? Double) ?? 30) }
        switch step["op"] as? String {
        case "exec":
            let source = step["source"] as? String ?? ""
            let fileName = step["file_name"] as? String
            let callName = step["call_name"] as? String
            var kwargs: [(String, PyValue)] = []
            if step["kwargs"] != nil, !(step["kwargs"] is NSNull), case .dict(let entries) = try value("kwargs") {
                kwargs = entries.map { ($0.key.stringValue ?? "", $0.value) }
            }
            if let callName {
                channels.append(try await gateway.remoteExec(source, calling: callName, kwargs: kwargs, fileName: fileName))
            } else {
                channels.append(try await gateway.remoteExec(source, fileName: fileName, dedenting: fileName == nil))
            }
        case "send":
            try await channel().send(try value("value"))
        case "send_channel":
            try await channel().send(try channel("ref").value)
        case "receive":
            let item = try await channel().receive(timeout: timeout())
            let expected = try value("expect")
            // Only the host stream must be identical. What this host loads can
            // differ from what a given stock host loads: with py3str_as_py2str
            // it follows 2.x (bytes), which 1.9.0 on Python 3 ignores.
            try expect(item == expected || equivalent(item, expected), "received \(item), expected \(expected)")
        case "receive_channel":
            channels.append(try gateway.channel(try await channel().receive(timeout: timeout())))
        case "receive_error":
            do {
                let item = try await channel().receive(timeout: timeout())
                throw Mismatch("received \(item) instead of an error")
            } catch let error as RemoteError {
                try expect(step["error"] as? String == "remote", "unexpected remote error \(error)")
                if let text = step["contains"] as? String { try expect(error.formatted.contains(text), "error lacks \(text)") }
            } catch let error as ChannelError where error.kind == .endOfChannel {
                try expect(step["error"] as? String == "eof", "unexpected end of channel")
            }
        case "waitclose":
            do {
                try await channel().waitClose(timeout: timeout())
                try expect(step["error"] is NSNull || step["error"] == nil, "waitclose succeeded, expected an error")
            } catch let error as RemoteError {
                try expect(step["error"] as? String == "remote", "unexpected remote error \(error)")
                if let text = step["contains"] as? String { try expect(error.formatted.contains(text), "error lacks \(text)") }
            }
        case "close":
            try channel().close(error: step["error"] as? String)
        case "newchannel":
            channels.append(try gateway.newChannel())
        case "status":
            let status = try await gateway.remoteStatus(timeout: timeout())
            if let expected = step["expect"] as? [String: Any] {
                if let count = expected["numchannels"] as? Int {
                    try expect(status.numberOfChannels == count, "numchannels \(status.numberOfChannels)")
                }
                if let count = expected["numexecuting"] as? Int {
                    try expect(status.numberOfExecuting == count, "numexecuting \(status.numberOfExecuting)")
                }
            }
        case "reconfigure":
            let py2 = step["py2str_as_py3str"] as? Bool ?? true
            let py3 = step["py3str_as_py2str"] as? Bool ?? false
            if step["channel"] is Int {
                try await channel().reconfigure(py2strAsPy3str: py2, py3strAsPy2str: py3)
            } else {
                try await gateway.reconfigure(py2strAsPy3str: py2, py3strAsPy2str: py3)
            }
        case "setcallback":
            let index = step["channel"] as? Int ?? -1
            let endmarker: PyValue? = (step["endmarker"] is NSNull || step["endmarker"] == nil) ? nil : try value("endmarker")
            try channel().setCallback(endmarker: endmarker) { item in
                callbacks.withLock { $0[index, default: []].append(item) }
            }
        case "await_callback":
            let index = step["channel"] as? Int ?? -1
            let expected = try (step["expect"] as? [Any] ?? []).map(TypedValue.value)
            let deadline = ContinuousClock.now + .seconds(10)
            while callbacks.withLock({ $0[index, default: []].count }) < expected.count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            let seen = callbacks.withLock { $0[index, default: []] }
            try expect(seen == expected, "callback saw \(seen), expected \(expected)")
        case "drop":
            guard let index = step["channel"] as? Int, index < channels.count else { throw Mismatch("bad drop") }
            channels[index] = nil
        case "file_write":
            let data = try value("data")
            let writer = try channel().makeWriter()
            switch data {
            case .bytes(let bytes): try await writer.write(bytes)
            case .str(let text): try await writer.write(text)
            default: try await channel().send(data)
            }
        case "file_readline":
            let index = step["channel"] as? Int ?? -1
            let reader = try files[index] ?? channel().makeReader()
            files[index] = reader
            let line = try await reader.readLine()
            let expected = try value("expect")
            try expect(PyValue.str(line) == expected, "read \(line.debugDescription), expected \(expected)")
        case "exit":
            gateway.exit()
            try expect(try await gateway.join(timeout: .seconds(30)), "join timed out")
            _ = try await gateway.waitForExit()
        case let other:
            throw Mismatch("unknown step \(other ?? "nil")")
        }
    }
}
