import Execnet
import Foundation

/// A Python interpreter found on this machine by scripts/stock.py.
public struct Interpreter: Sendable, Hashable {
    public let path: String
    public let implementation: String
    public let major: Int
    public let minor: Int

    public var version: String { "\(major).\(minor)" }

    /// Every interpreter on PATH and under `pyenv root`/versions, one per version.
    public static func discover() throws -> [Interpreter] {
        let (_, output) = try Command.run(["python3", Checkout.script("stock.py"), "pythons"])
        return output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3 else { return nil }
            let version = fields[0].split(separator: ".").compactMap { Int($0) }
            guard version.count == 2 else { return nil }
            return Interpreter(path: String(fields[2]), implementation: String(fields[1]), major: version[0], minor: version[1])
        }
    }

    /// `discover` from async code, waiting off the cooperative pool.
    public static func discover() async throws -> [Interpreter] {
        try await offPool { try discover() }
    }
}
