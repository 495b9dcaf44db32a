import Foundation

/// A Python interpreter found on this machine by scripts/stock.py.
public struct Interpreter: Sendable, Hashable {
    public let path: String
    public let implementation: String
    public let major: Int
    public let minor: Int

    public var version: String { "\(major).\(minor)" }

    /// Stock execnet versions this interpreter can run: 2.x needs 3.8+.
    public var supportedExecnetVersions: [String] {
        major == 2 || (major == 3 && minor < 8) ? ["1.9.0"] : ["1.9.0", "2.0.2", "2.1.2"]
    }

    /// Every interpreter on PATH and under `pyenv root`/versions, one per version.
    public static func discover() throws -> [Interpreter] {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Checkout.scripts.appendingPathComponent("stock.py").path, "pythons"]
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3 else { return nil }
            let version = fields[0].split(separator: ".").compactMap { Int($0) }
            guard version.count == 2 else { return nil }
            return Interpreter(path: String(fields[2]), implementation: String(fields[1]), major: version[0], minor: version[1])
        }
    }
}
