import Foundation

/// `Fixtures/transcripts/transports-<version>.json`: stock's host recorded
/// over ssh, socket and one via hop. Steps are those of the popen transcript
/// of the same release; each transport has its own bootstrap line digest and
/// host streams.
public struct TransportTranscript: @unchecked Sendable {
    public struct Recording: @unchecked Sendable {
        /// "ssh", "socket" or "via".
        public let name: String
        /// The spec stock's host used, with this machine's parts replaced by
        /// `<SSH>`, `<PYTHON>` and `<PORT>`.
        public let specTemplate: String
        public let bootstrapSHA256: String
        public let bootstrapLength: Int
        public let scenarios: [TranscriptScenario]
    }

    public let execnetVersion: String
    public let recordings: [Recording]

    /// Reads the file at `url`, taking each scenario's steps from `popen`,
    /// the transcript of the same release.
    public init(contentsOf url: URL, steps popen: Transcript) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let top = object as? [String: Any], let version = top["execnet"] as? String,
            let transports = top["transports"] as? [[String: Any]]
        else { throw Mismatch("\(url.path) is not a transport transcript file") }
        guard version == popen.execnetVersion else {
            throw Mismatch("\(url.path) is for \(version), the steps for \(popen.execnetVersion)")
        }
        let stepsByName = Dictionary(popen.scenarios.map { ($0.name, $0.steps) }, uniquingKeysWith: { a, _ in a })
        execnetVersion = version
        recordings = try transports.map { entry in
            guard let name = entry["name"] as? String, let template = entry["spec"] as? String,
                let bootstrap = entry["bootstrap"] as? [String: Any],
                let digest = bootstrap["line_sha256"] as? String, let length = bootstrap["line_length"] as? Int,
                let scenarios = entry["scenarios"] as? [[String: Any]]
            else { throw Mismatch("malformed transport entry in \(url.path)") }
            return Recording(
                name: name, specTemplate: template, bootstrapSHA256: digest, bootstrapLength: length,
                scenarios: try scenarios.map { scenario in
                    guard let scenarioName = scenario["name"] as? String, let hex = scenario["host_stream_hex"] as? String,
                        let steps = stepsByName[scenarioName]
                    else { throw Mismatch("transport scenario without popen steps in \(url.path)") }
                    return TranscriptScenario(name: scenarioName, steps: steps, hostStream: try TypedValue.bytes(hex))
                })
        }
    }
}
