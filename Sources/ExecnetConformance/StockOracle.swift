import ExecnetWire
import Foundation

/// Where this checkout's scripts/ and Fixtures/ live.
public enum Checkout {
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["EXECNET_SWIFT_ROOT"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    public static var scripts: URL { root.appendingPathComponent("scripts") }
}

/// Stock execnet's own loader, run by a real interpreter through
/// scripts/stock-oracle, answering one dump at a time.
public final class StockOracle {
    public enum Verdict: Equatable, Sendable {
        /// Loaded; the bytes are stock's re-dump of what it loaded.
        case accepted(redump: [UInt8]?)
        case refused(String)

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
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending: [UInt8] = []

    /// Fetches stock `execnetVersion` into the cache if needed (scripts/stock.py)
    /// and starts the oracle under `python`.
    public init(python: String, execnetVersion: String) throws {
        self.python = python
        self.execnetVersion = execnetVersion
        let directory = try Self.stockDirectory(version: execnetVersion)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, Checkout.scripts.appendingPathComponent("stock-oracle").path, directory]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The directory holding stock `version`'s `execnet/` package.
    public static func stockDirectory(version: String) throws -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Checkout.scripts.appendingPathComponent("stock.py").path, "path", version]
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !path.isEmpty else {
            throw Failure(description: "scripts/stock.py could not provide execnet \(version)")
        }
        return path
    }

    public func load(_ dump: [UInt8], versioned: Bool = false) throws -> Verdict {
        let line = (versioned ? "loadv " : "load ") + Hex.encode(dump) + "\n"
        try input.fileHandleForWriting.write(contentsOf: Data(line.utf8))
        let reply: String
        do { reply = try readLine() } catch {
            throw Failure(description: "\(error) while loading \(Hex.encode(dump.prefix(400)))")
        }
        if reply.hasPrefix("ok ") { return .accepted(redump: try Hex.decode(reply.dropFirst(3))) }
        if reply.hasPrefix("okbutdumpfail") { return .accepted(redump: nil) }
        if reply.hasPrefix("error ") { return .refused(String(reply.dropFirst(6))) }
        throw Failure(description: "oracle answered '\(reply)'")
    }

    private func readLine() throws -> String {
        var scanned = 0
        while true {
            if let newline = pending[scanned...].firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            scanned = pending.count
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw Failure(description: "oracle under \(python) exited") }
            pending += chunk
        }
    }
}
