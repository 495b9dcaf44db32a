import ExecnetWire
import Foundation

/// One checked fixture.
public struct FixtureResult: Sendable {
    public let group: String
    public let name: String
    public let producers: [String]
    /// nil when it passed; otherwise what went wrong.
    public let failure: String?
    /// Set when the fixture exercises a documented deviation (protocol-spec.md,
    /// "Deliberate deviations") and was not checked.
    public var skipped: String? = nil

    public var passed: Bool { failure == nil && skipped == nil }
}

/// Behaviour of stock execnet this package deliberately does not reproduce
/// (protocol-spec.md, "Deliberate deviations").
public enum Deviation {
    struct Skip: Error {
        let reason: String
    }

    /// Python 2 reads (and writes) UTF-8 with surrogate code points; Swift
    /// strings cannot hold them, so text payloads carrying them are refused.
    static let surrogates = "Python 2 accepts surrogate code points in UTF-8 text; Swift strings cannot hold them"

    /// Input stock loads given the memory, refused here by a `DecodingLimits` bound.
    static let limits = "refused by a configurable DecodingLimits bound where stock spends the memory"

    /// The documented reason why this decoder refused `input`, which stock
    /// (run by `producer`) accepted; nil when the refusal is a real disagreement.
    public static func explaining(_ error: DumpDecodingError, of input: [UInt8], acceptedBy producer: Producer)
        -> String?
    {
        switch error.reason {
        case .listSlotLimit, .tooManyDigits:
            return limits
        case .invalidUTF8 where producer.pythonMajor == 2 && containsEncodedSurrogate(input):
            return surrogates
        default:
            return nil
        }
    }

    private static func containsEncodedSurrogate(_ input: [UInt8]) -> Bool {
        input.indices.dropLast().contains { input[$0] == 0xED && input[$0 + 1] >= 0xA0 && input[$0 + 1] <= 0xBF }
    }
}

/// Checks the codec against every fixture under a Fixtures/ directory.
public struct FixtureCheck {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func run() throws -> [FixtureResult] {
        var results: [FixtureResult] = []
        let dumps = directory.appendingPathComponent("dumps")
        let files = try FileManager.default.contentsOfDirectory(atPath: dumps.path).filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else { throw TypedValue.Failure(description: "no dump fixtures under \(dumps.path)") }
        for file in files {
            results += try checkDumps(json(dumps.appendingPathComponent(file)))
        }
        results += try checkInvalid(json(directory.appendingPathComponent("invalid.json")))
        results += try checkDumpFailures(json(directory.appendingPathComponent("dump-failures.json")))
        results += try checkMessages(json(directory.appendingPathComponent("messages.json")))
        return results
    }

    private func json(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TypedValue.Failure(description: "\(url.path) is not a JSON object")
        }
        return object
    }

    private func list(_ object: [String: Any], _ key: String) throws -> [[String: Any]] {
        guard let items = object[key] as? [[String: Any]] else {
            throw TypedValue.Failure(description: "missing list \(key)")
        }
        return items
    }

    /// Runs one fixture's checks, turning a thrown error into a failure.
    private func check(_ group: String, _ name: String, _ producers: [String], _ body: () throws -> String?)
        -> FixtureResult
    {
        let failure: String?
        do { failure = try body() } catch TypedValue.Unrepresentable.surrogates {
            return FixtureResult(group: group, name: name, producers: producers, failure: nil, skipped: Deviation.surrogates)
        } catch let skip as Deviation.Skip {
            return FixtureResult(group: group, name: name, producers: producers, failure: nil, skipped: skip.reason)
        } catch { failure = "\(error)" }
        return FixtureResult(group: group, name: name, producers: producers, failure: failure)
    }

    // MARK: Valid dumps: both directions, both framings

    func checkDumps(_ file: [String: Any]) throws -> [FixtureResult] {
        let group = "dumps/" + (file["group"] as? String ?? "?")
        return try list(file, "fixtures").map { fixture in
            let name = fixture["name"] as? String ?? "?"
            let producers = fixture["producers"] as? [String] ?? []
            return check(group, name, producers) {
                let value = try TypedValue.value(fixture["value"] as Any)
                let internalDump = try TypedValue.bytes(fixture["internal"] as Any)
                let versioned = try TypedValue.bytes(fixture["versioned"] as Any)
                guard let version = fixture["version"] as? Int, let format = DumpFormat(rawValue: UInt8(version)) else {
                    return "bad version"
                }
                let decoded = try DumpDecoder().decode(internalDump)
                if decoded != value { return "decoded \(decoded.debugDescription.prefix(200)) differs from the value" }
                if try DumpEncoder().encode(value) != internalDump { return "encoding differs from the internal dump" }
                if try DumpEncoder().encode(decoded) != internalDump { return "decode-then-encode is not the identity" }
                if try DumpEncoder().encodeVersioned(value, format: format) != versioned {
                    return "versioned encoding differs"
                }
                if containsChannel(value) {
                    // Stock writes channels into versioned dumps but its `loads` cannot read them back.
                    do {
                        _ = try DumpDecoder().decodeVersioned(versioned, format: format)
                        return "versioned dump with a channel was accepted; stock's loads refuses it"
                    } catch let error as DumpDecodingError {
                        return error.reason == .channelNotAllowed ? nil : "\(error)"
                    }
                }
                let (decodedVersioned, found) = try DumpDecoder().decodeVersioned(versioned, format: format)
                if found != format || decodedVersioned != value { return "versioned dump decodes differently" }
                return nil
            }
        }
    }

    private func containsChannel(_ value: PyValue) -> Bool {
        if value.channelID != nil { return true }
        if let items = value.items { return items.contains(where: containsChannel) }
        if let dict = value.dictValue { return dict.contains { containsChannel($0.key) || containsChannel($0.value) } }
        return false
    }

    // MARK: Invalid input: same verdict as stock

    func checkInvalid(_ file: [String: Any]) throws -> [FixtureResult] {
        var results: [FixtureResult] = []
        for testCase in try list(file, "cases") {
            let name = testCase["name"] as? String ?? "?"
            let versioned = testCase["versioned"] as? Bool ?? false
            let input: [UInt8]
            do { input = try TypedValue.bytes(testCase["input"] as Any) } catch {
                results.append(FixtureResult(group: "invalid", name: name, producers: [], failure: "\(error)"))
                continue
            }
            for verdict in try list(testCase, "verdicts") {
                let names = verdict["producers"] as? [String] ?? []
                let accepted = verdict["accepted"] as? Bool ?? false
                for producerName in names {
                    results.append(check("invalid", name, [producerName]) {
                        guard let producer = Producer(producerName) else { return "bad producer \(producerName)" }
                        let decoder = DumpDecoder(options: producer.loaderOptions)
                        do {
                            if versioned {
                                _ = try decoder.decodeVersioned(input, format: producer.dumpFormat)
                            } else {
                                _ = try decoder.decode(input)
                            }
                            return accepted ? nil : "stock refused (\(verdict["error"] as? String ?? "?")), Swift accepted"
                        } catch let error as DumpDecodingError {
                            guard accepted else { return nil }
                            if let reason = Deviation.explaining(error, of: input, acceptedBy: producer) {
                                throw Deviation.Skip(reason: reason)
                            }
                            return "stock accepted, Swift \(error)"
                        }
                    })
                }
            }
        }
        return results
    }

    // MARK: Values stock cannot dump: Swift writes a form that reads back

    func checkDumpFailures(_ file: [String: Any]) throws -> [FixtureResult] {
        try list(file, "cases").map { testCase in
            let name = testCase["name"] as? String ?? "?"
            return check("dump-failures", name, []) {
                let value = try TypedValue.value(testCase["value"] as Any)
                let encoded = try DumpEncoder().encode(value)
                let unlimited = DecodingOptions(limits: DecodingLimits(maxIntegerDigits: nil))
                let decoded = try DumpDecoder(options: unlimited).decode(encoded)
                return decoded == value ? nil : "Swift's fallback form reads back as \(decoded.debugDescription)"
            }
        }
    }

    // MARK: Messages: byte-exact frames

    func checkMessages(_ file: [String: Any]) throws -> [FixtureResult] {
        try list(file, "messages").map { entry in
            let name = entry["name"] as? String ?? "?"
            let producers = entry["producers"] as? [String] ?? []
            return check("messages", name, producers) {
                guard let rawType = entry["type"] as? Int, let type = MessageType(rawValue: Int8(rawType)),
                    let channel = entry["channel"] as? Int, let channelID = Int32(exactly: channel)
                else { return "bad type or channel" }
                let frame = try TypedValue.bytes(entry["frame"] as Any)
                var payload: [UInt8] = []
                if let typed = entry["payload"], !(typed is NSNull) {
                    payload = try DumpEncoder().encode(try TypedValue.value(typed))
                }
                let message = Message(type, channelID: channelID, payload: payload)
                if try message.framed() != frame { return "Swift frames it differently" }
                var reader = FrameReader()
                reader.append(frame)
                guard let read = try reader.next(), read == message, reader.bufferedByteCount == 0 else {
                    return "frame reader reads it differently"
                }
                return nil
            }
        }
    }
}

extension [FixtureResult] {
    /// `group: N passed, N failed` lines, then failures, then the closing line.
    public func report(verbose: Bool = false) -> (text: String, failed: Int) {
        var lines: [String] = []
        var order: [String] = []
        var counts: [String: (passed: Int, failed: Int)] = [:]
        for result in self {
            if counts[result.group] == nil { order.append(result.group) }
            var count = counts[result.group, default: (0, 0)]
            if result.passed { count.passed += 1 } else if result.failure != nil { count.failed += 1 }
            counts[result.group] = count
        }
        for group in order {
            let count = counts[group]!
            lines.append("\(group): \(count.passed) passed, \(count.failed) failed")
        }
        let failures = filter { $0.failure != nil }
        let skipped = filter { $0.skipped != nil }
        for failure in failures.prefix(verbose ? failures.count : 50) {
            lines.append("FAIL \(failure.group) \(failure.name) [\(failure.producers.joined(separator: ", "))]: \(failure.failure!)")
        }
        if failures.count > 50 && !verbose { lines.append("... \(failures.count - 50) more failures") }
        if !skipped.isEmpty {
            let reasons = Set(skipped.compactMap(\.skipped)).sorted()
            lines.append("skipped \(skipped.count) fixtures on documented deviations: " + reasons.joined(separator: "; "))
        }
        let closing = "\(count - failures.count - skipped.count) passed, \(failures.count) failed"
        lines.append(skipped.isEmpty ? closing : closing + ", \(skipped.count) skipped")
        return (lines.joined(separator: "\n"), failures.count)
    }
}
