import ExecnetTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The source of stock execnet's `gateway_base` module: what exec-mode
/// bootstraps send. It is found at run time, never shipped with this package.
public struct GatewayBase: Sendable, Hashable, CustomStringConvertible {
    /// The stock release it comes from, e.g. "2.1.2"; nil when unknown.
    public let version: String?
    public let source: String
    /// Where the source was read from.
    public let path: String

    public init(version: String?, source: String, path: String) {
        self.version = version
        self.source = source
        self.path = path
    }

    /// The oldest Python this release runs on: 2.x needs 3.8, 1.x runs on 2.7.
    public var minimumPython: PythonVersion {
        guard let version, !version.hasPrefix("1.") else { return PythonVersion(major: 2, minor: 7) }
        return PythonVersion(major: 3, minor: 8)
    }

    public var description: String { "gateway_base \(version ?? "(unknown version)") from \(path)" }

    /// Reads a `gateway_base.py` the caller names. The version is taken from
    /// a `_version.py` beside it when there is one, unless given.
    public static func file(_ path: String, version: String? = nil) throws(GatewayBaseError) -> GatewayBase {
        guard let source = readTextFile(path) else {
            throw GatewayBaseError("cannot read \(path)")
        }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let detected = version ?? readTextFile(directory + "/_version.py").flatMap(Self.versionAssignment)
        return GatewayBase(version: detected, source: source, path: path)
    }

    /// Asks a local Python where its installed execnet lives.
    public static func installed(python: String = "python3") async throws(GatewayBaseError) -> GatewayBase {
        let program = "import execnet, execnet.gateway_base as g; print(execnet.__version__); print(g.__file__)"
        let output: ProcessOutput
        do {
            output = try await runProcess(shellSplit(python) + ["-c", program])
        } catch {
            throw GatewayBaseError("\(error)")
        }
        let lines = output.text.split(separator: "\n").map(String.init)
        guard output.succeeded, lines.count >= 2 else {
            throw GatewayBaseError("\(python) has no importable execnet: \(output.standardErrorTail)")
        }
        var path = lines[1]
        if path.hasSuffix(".pyc") { path.removeLast() }
        return try file(path, version: lines[0])
    }

    /// `__version__ = "2.1.2"` style assignments (also `version = '…'`).
    static func versionAssignment(_ text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingPrefix(while: { $0 == " " })
            guard trimmed.hasPrefix("__version__") || trimmed.hasPrefix("version ") || trimmed.hasPrefix("version=")
            else { continue }
            let quoted = trimmed.split(whereSeparator: { $0 == "\"" || $0 == "'" })
            if quoted.count >= 2, quoted[1].first?.isNumber == true { return String(quoted[1]) }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        self[(firstIndex(where: { !predicate($0) }) ?? endIndex)...]
    }
}

/// A Python version as `sys.version_info` reports it.
public struct PythonVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var micro: Int

    public init(major: Int, minor: Int, micro: Int = 0) {
        self.major = major
        self.minor = minor
        self.micro = micro
    }

    public static func < (a: PythonVersion, b: PythonVersion) -> Bool {
        (a.major, a.minor, a.micro) < (b.major, b.minor, b.micro)
    }

    public var description: String { "\(major).\(minor).\(micro)" }
}

func readTextFile(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(validating: bytes, as: UTF8.self)
}

/// No gateway_base source could be read or fetched.
public struct GatewayBaseError: Error, Sendable, CustomStringConvertible {
    public let detail: String

    public init(_ detail: String) {
        self.detail = detail
    }

    public var description: String { detail }
}
