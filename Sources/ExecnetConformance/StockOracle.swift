import ExecnetWire
import Foundation

/// Stock execnet's own loader, run by a real interpreter through
/// scripts/stock-oracle, answering one dump at a time.
public final class StockOracle {
    public enum Verdict: Equatable, Sendable {
        /// Loaded; the bytes identify the loaded Python value (its canonical
        /// form: exact types and bits, set members sorted), nil when none
        /// could be made (too large or deep).
        case accepted(redump: [UInt8]?)
        case refused(String)
        /// No verdict: the oracle ran out of memory even to report one.
        case unknown

        public var isAccepted: Bool {
            if case .accepted = self { return true }
            return false
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let python: String
    public let execnetVersion: String
    private let stockDirectory: String
    private var session: Session
    private var restartBeforeNextLoad = false

    /// One running oracle process.
    private final class Session {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let stderrURL: URL
        var pending: [UInt8] = []

        init(python: String, stockDirectory: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, Checkout.script("stock-oracle"), stockDirectory]
            process.standardInput = input
            process.standardOutput = output
            stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent(
                "stock-oracle-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).err")
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            try process.run()
        }

        deinit {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: stderrURL)
        }

        var stderrTail: String {
            String(((try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "").suffix(1500))
        }

        func readLine() throws -> String {
            var scanned = 0
            while true {
                if let newline = pending[scanned...].firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    return line
                }
                scanned = pending.count
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw Failure(description: "the oracle exited") }
                pending += chunk
            }
        }
    }

    /// Fetches stock `execnetVersion` into the cache if needed (scripts/stock.py)
    /// and starts the oracle under `python`.
    public init(python: String, execnetVersion: String) throws {
        self.python = python
        self.execnetVersion = execnetVersion
        stockDirectory = try Self.stockDirectory(version: execnetVersion)
        session = try Session(python: python, stockDirectory: stockDirectory)
    }

    /// The directory holding stock `version`'s `execnet/` package.
    public static func stockDirectory(version: String) throws -> String {
        let (status, output) = try Command.run(["python3", Checkout.script("stock.py"), "path", version])
        let path = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, !path.isEmpty else {
            throw Failure(description: "scripts/stock.py could not provide execnet \(version)")
        }
        return path
    }

    public func load(_ dump: [UInt8], versioned: Bool = false) throws -> Verdict {
        // The oracle exits after a MemoryError verdict: a Python process
        // cannot give that address space back, so a fresh one answers next.
        if restartBeforeNextLoad || !session.process.isRunning {
            session = try Session(python: python, stockDirectory: stockDirectory)
            restartBeforeNextLoad = false
        }
        let line = (versioned ? "loadv " : "load ") + Hex.encode(dump) + "\n"
        let reply: String
        do {
            try session.input.fileHandleForWriting.write(contentsOf: Data(line.utf8))
            reply = try session.readLine()
        } catch {
            throw Failure(
                description: "oracle under \(python): \(error) while loading \(Hex.encode(dump.prefix(400))); its stderr ends: \(session.stderrTail)")
        }
        restartBeforeNextLoad = reply.split(separator: ":", maxSplits: 1).first?.contains("MemoryError") ?? false
        if reply.hasPrefix("ok ") { return .accepted(redump: try Hex.decode(reply.dropFirst(3))) }
        if reply.hasPrefix("okbutdumpfail") { return .accepted(redump: nil) }
        if reply.hasPrefix("error ") { return .refused(String(reply.dropFirst(6))) }
        if reply.hasPrefix("unknown ") { return .unknown }
        throw Failure(description: "oracle answered '\(reply)'")
    }
}
