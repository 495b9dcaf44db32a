import ExecnetConformance
import Foundation
import Testing
@testable import Execnet
@testable import ExecnetGateway
@testable import ExecnetTransport

#if canImport(Glibc)
import Glibc
#endif

/// Stock's own Python RSync recorded per release (Fixtures/rsync, made by
/// scripts/regen-fixtures): the Swift RSync, given the same tree, the same
/// destinations and the same listing order (sorted, on both sides), writes
/// the same bytes to each target, reports the same progress and leaves the
/// same destination.
@Suite(.serialized) struct RSyncTranscriptTests {
    static let directory = FixtureLocation.find(explicit: nil)!.appendingPathComponent("rsync")

    /// Where this host deliberately sends something else than a stock host
    /// (protocol-spec.md §4.8): stock 1.9.0's host calls a symlink "inside the
    /// tree" when its target text starts with the source path and sends the
    /// rest unnormalised; 2.x's (and this host) use relpath. The recorded
    /// item is replaced by this host's before comparing.
    static let deviations: [String: [(stock: PyValue, swift: PyValue)]] = [
        "1.9.0": [(.tuple(["linkbase", "abs-dotdot", "sub/../README.txt"]), .tuple(["linkbase", "abs-dotdot", "README.txt"]))]
    ]

    static func transcript(_ version: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("execnet-\(version).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: ["1.9.0", "2.0.2", "2.1.2"])
    func hostStreamsProgressAndDestinationsMatchStock(version: String) async throws {
        let base = try await StockCache.gatewayBase(version: version)
        let scratch = try RSyncScratch()
        defer { scratch.remove() }
        try await HangSupport.within(.seconds(240), "rsync transcripts \(version)") {
            let transcript = try Self.transcript(version)
            let tree = try #require(transcript["tree"] as? [String: Any])
            let scenarios = try #require(transcript["scenarios"] as? [[String: Any]])
            let source = try await scratch.tree(
                "src", profile: tree["profile"] as? String ?? "transcript", seed: tree["seed"] as? Int ?? 0)
            for scenario in scenarios {
                try await Self.replay(scenario, source: source, base: base, scratch: scratch)
            }
        }
    }

    private static func replay(_ scenario: [String: Any], source: String, base: GatewayBase, scratch: RSyncScratch) async throws {
        let name = scenario["name"] as? String ?? "?"
        let targets = scenario["targets"] as? [[String: Any]] ?? []
        let delete = (scenario["options"] as? [String: Any])?["delete"] as? Bool ?? false
        let destinations = targets.indices.map { scratch.path("\(name)-\($0)") }
        for (target, destination) in zip(targets, destinations) {
            let preparation = target["preparation"] as? [String: Any] ?? [:]
            if preparation["presync"] as? Bool == true {
                try await Gateway.withGateway(try XSpec("popen//python=\(TestServers.python3)//id=pre"), options: TestServers.quiet) { gateway in
                    let sync = RSync(sourceDirectory: source, maxBodiesInFlight: 8, filter: nil, progress: nil, listingOrder: .sorted)
                    try await sync.addTarget(gateway, destination: destination)
                    try await sync.send()
                }
            }
            for modification in preparation["modifications"] as? [[String: Any]] ?? [] {
                try apply(modification, in: destination)
            }
        }

        let events = Locked<[RSync.Event]>([])
        let finished = Locked<[String]>([])
        var written: [Locked<[UInt8]>] = []
        var gateways: [Gateway] = []
        defer { for gateway in gateways { gateway.kill() } }
        for index in targets.indices {
            let bytes = Locked<[UInt8]>([])
            written.append(bytes)
            // The probe tells the host the remote's Python, as by default;
            // with .exact a 1.x release would cost the host a question first.
            let options = GatewayOptions(
                bootstrap: .matching([base]), forwardsStandardError: false,
                tap: { direction, chunk in if direction == .written { bytes.withLock { $0 += chunk } } })
            gateways.append(try await Gateway.open(XSpec("popen//python=\(TestServers.python3)//id=gw\(index)"), options: options))
        }
        let sync = RSync(
            sourceDirectory: source, maxBodiesInFlight: 8, filter: nil,
            progress: { event in events.withLock { $0.append(event) } }, listingOrder: .sorted)
        for (index, (gateway, destination)) in zip(gateways, destinations).enumerated() {
            try await sync.addTarget(gateway, destination: destination, delete: delete) {
                finished.withLock { $0.append("gw\(index)") }
            }
        }
        try await sync.send()
        for gateway in gateways { await gateway.terminate(timeout: .seconds(20)) }

        let skip = BootstrapLines.probe.count + BootstrapLines.exec(base, id: "gw0", execmodel: "thread").count
        let remoteFile = (base.path as NSString).deletingLastPathComponent + "/rsync_remote.py"
        let remoteSource = try base.companion("rsync_remote.py")
        for (index, target) in targets.enumerated() {
            let label = "\(base.version ?? "?") \(name) target \(index)"
            let stream = try normalize(
                Array(written[index].withLock { $0 }.dropFirst(skip)),
                destination: destinations[index], remoteFile: remoteFile, remoteSource: remoteSource)
            let deviations = Self.deviations[base.version ?? ""] ?? []
            let expected = try substitute(
                deviations, in: try TypedValue.bytes(target["host_stream_hex"] as? String ?? ""))
            let common = zip(stream, expected).prefix { $0 == $1 }.count
            #expect(
                stream == expected,
                "\(label): host stream differs at byte \(common) of \(expected.count) (Swift wrote \(stream.count))")

            let ours = events.withLock { $0 }.compactMap { event -> [String]? in
                switch event {
                case .listed("gw\(index)", let bytes): return ["list", "\(bytes)"]
                case .acknowledged("gw\(index)", _, let bytes): return ["ack", "\(bytes)"]
                default: return nil
                }
            } + (finished.withLock { $0 }.contains("gw\(index)") ? [["finished"]] : [])
            let stocks = (target["callbacks"] as? [[Any]] ?? []).map { entry in
                entry.compactMap { item -> String? in
                    if let text = item as? String { return text }
                    if let number = item as? Int { return "\(number)" }
                    return nil
                }
            }
            if scenario["callback"] as? Bool == true {
                #expect(ours == stocks, "\(label): progress")
            }
            let sent = events.withLock { $0 }.compactMap { event -> String? in
                if case .sending("gw\(index)", let path, _) = event { return path }
                return nil
            }
            #expect(sent == (target["sent"] as? [String] ?? []), "\(label): files sent")

            let listing = try await RSyncScratch.script(["describe", destinations[index], "--root-placeholder", "<DEST>"])
            let got = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [[String: Any]] ?? []
            var want = target["result_listing"] as? [[String: Any]] ?? []
            for (stock, swift) in deviations {
                guard case .tuple(let old) = stock, case .tuple(let new) = swift, old[0] == "linkbase" else { continue }
                for index in want.indices where want[index]["target"] as? String == "<DEST>/\(old[2].stringValue ?? "")" {
                    want[index]["target"] = "<DEST>/\(new[2].stringValue ?? "")"
                }
            }
            let difference = canonical(got, like: want).difference(from: canonical(want, like: want))
            #expect(difference.isEmpty, "\(label): destination differs from stock's: \(difference)")
        }
    }

    /// The host stream with this machine's parts replaced as the recorder
    /// replaced stock's: the rsync_remote source and path, the destination.
    private static func normalize(
        _ stream: [UInt8], destination: String, remoteFile: String, remoteSource: String
    ) throws -> [UInt8] {
        var reader = FrameReader()
        reader.append(stream)
        var out: [UInt8] = []
        while var message = try reader.next() {
            if message.type == .channelExec || message.type == .channelData,
                case .tuple(let parts) = try DumpDecoder().decode(message.payload)
            {
                var items = Array(parts)
                if message.type == .channelExec, items.count == 4 {
                    if items[0].stringValue == remoteSource { items[0] = "<RSYNC_REMOTE_SOURCE>" }
                    if items[1].stringValue == remoteFile { items[1] = "<RSYNC_REMOTE>" }
                } else if items.count == 2, items[0].stringValue == destination {
                    items[0] = "<DEST>"
                }
                message.payload = try DumpEncoder().encode(.tuple(PyItems(items)))
            }
            out += try message.framed()
        }
        return out
    }

    private static func substitute(_ deviations: [(stock: PyValue, swift: PyValue)], in stream: [UInt8]) throws -> [UInt8] {
        if deviations.isEmpty { return stream }
        var reader = FrameReader()
        reader.append(stream)
        var out: [UInt8] = []
        while var message = try reader.next() {
            if message.type == .channelData, let found = deviations.first(where: { (try? DumpDecoder().decode(message.payload)) == $0.stock }) {
                message.payload = try DumpEncoder().encode(found.swift)
            }
            out += try message.framed()
        }
        return out
    }

    /// Entries as comparable text, keeping only the keys stock's listing has
    /// (directories' mtimes are not recorded).
    private static func canonical(_ entries: [[String: Any]], like reference: [[String: Any]]) -> [String] {
        let keysByPath = Dictionary(reference.map { ($0["path"] as? String ?? "", Set($0.keys)) }, uniquingKeysWith: { a, _ in a })
        return entries.map { entry in
            let path = entry["path"] as? String ?? ""
            let keys = keysByPath[path] ?? Set(entry.keys)
            return keys.sorted().map { "\($0)=\(entry[$0].map { "\($0)" } ?? "-")" }.joined(separator: " ")
        }
    }

    /// One preparation step of the recorder, applied to `root`.
    private static func apply(_ step: [String: Any], in root: String) throws {
        let files = FileManager.default
        func bytes() throws -> Data { Data(try TypedValue.bytes(step["data_hex"] as? String ?? "")) }
        func setTime(_ path: String) {
            guard let nanoseconds = step["mtime_ns"] as? Int else { return }
            let time = timespec(tv_sec: nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
            var times = [time, time]
            _ = utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
        }
        func setMode(_ path: String) {
            if let mode = step["mode"] as? Int { _ = chmod(path, mode_t(mode)) }
        }
        if let relative = step["add_dir"] as? String {
            try files.createDirectory(atPath: root + "/" + relative, withIntermediateDirectories: true)
            setMode(root + "/" + relative)
        } else if let relative = step["add_file"] as? String {
            try bytes().write(to: URL(fileURLWithPath: root + "/" + relative))
            setMode(root + "/" + relative)
            setTime(root + "/" + relative)
        } else if let relative = step["write_same_size"] as? String {
            try bytes().write(to: URL(fileURLWithPath: root + "/" + relative))
            setTime(root + "/" + relative)
        } else if let relative = step["touch"] as? String {
            setTime(root + "/" + relative)
        } else if let relative = step["chmod"] as? String {
            setMode(root + "/" + relative)
        } else if let relative = step["add_symlink"] as? String {
            try files.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: step["target"] as? String ?? "")
        } else if let relative = step["remove"] as? String {
            try files.removeItem(atPath: root + "/" + relative)
        } else {
            throw TestServers.Failure(description: "unknown preparation step \(step)")
        }
    }
}
