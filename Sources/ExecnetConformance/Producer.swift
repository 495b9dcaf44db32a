import ExecnetWire

/// Who wrote a fixture: `execnet-2.1.2/cpython-3.11`.
public struct Producer: Sendable, Hashable, CustomStringConvertible {
    public let execnetVersion: String
    public let implementation: String
    public let pythonMajor: Int
    public let pythonMinor: Int

    public init?(_ name: String) {
        let parts = name.split(separator: "/")
        guard parts.count == 2, parts[0].hasPrefix("execnet-") else { return nil }
        let python = parts[1].split(separator: "-")
        guard python.count == 2 else { return nil }
        let version = python[1].split(separator: ".").compactMap { Int($0) }
        guard version.count >= 2 else { return nil }
        execnetVersion = String(parts[0].dropFirst("execnet-".count))
        implementation = String(python[0])
        pythonMajor = version[0]
        pythonMinor = version[1]
    }

    public var description: String { "execnet-\(execnetVersion)/\(implementation)-\(pythonMajor).\(pythonMinor)" }

    /// execnet 1.x writes and expects version byte 1, 2.x version byte 2.
    public var dumpFormat: DumpFormat { execnetVersion.hasPrefix("1.") ? .version1 : .version2 }

    /// The decoding options under which this producer's loader decides what
    /// it accepts: its Python's integer syntax (PyPy's own for PyPy) and digit limit (CPython 3.7
    /// and later, as patched here, refuse more than 4300 digits; 2.7 and 3.6
    /// have no limit).
    public var loaderOptions: DecodingOptions {
        var options = DecodingOptions(dialect: pythonMajor == 2 ? .python2 : implementation == "pypy" ? .pypy3 : .python3)
        if pythonMajor == 2 || (pythonMajor == 3 && pythonMinor < 7) { options.limits.maxIntegerDigits = nil }
        return options
    }
}
