/// How the host brings up gateway_base in a fresh interpreter.
public enum BootstrapMode: Sendable {
    /// Ask the remote for its Python version first (a one-line probe), then
    /// send the newest of these gateway_base sources it can run. The default.
    case matching([GatewayBase])
    /// Send exactly stock's exec-mode bytes for this gateway_base.
    case exact(GatewayBase)
    /// Stock's import mode: the remote imports its own `execnet`, with
    /// `directory` put first on `sys.path` when given (stock's bytes then).
    case importing(directory: String?)
}

/// The lines a bootstrap sends. Each is Python's repr of a source text plus
/// a newline, which the popen one-liner `exec(eval(sys.stdin.readline()))`
/// runs.
public enum BootstrapLines {
    static let popenProgram = "import sys;exec(eval(sys.stdin.readline()))"
    static let probeMarker = "execnet-swift-probe"

    static func frame(_ lines: [String]) -> [UInt8] {
        pythonReprUTF8(lines.joined(separator: "\n")) + [UInt8(ascii: "\n")]
    }

    public static func exec(_ base: GatewayBase, id: String, execmodel: String) -> [UInt8] {
        frame([
            base.source,
            "execmodel = get_execmodel(\(pythonRepr(execmodel)))",
            "io = init_popen_io(execmodel)",
            "io.write('1'.encode('ascii'))",
            "serve(io, id='\(id)-worker')",
        ])
    }

    public static func importing(directory: String?, id: String, execmodel: String) -> [UInt8] {
        var lines = ["import sys"]
        if let directory {
            lines += [
                "if \(pythonRepr(directory)) not in sys.path:",
                "    sys.path.insert(0, \(pythonRepr(directory)))",
            ]
        }
        lines += [
            "from execnet.gateway_base import serve, init_popen_io, get_execmodel",
            "sys.stdout.write('1')",
            "sys.stdout.flush()",
            "execmodel = get_execmodel(\(pythonRepr(execmodel)))",
            "serve(init_popen_io(execmodel), id='\(id)-worker')",
        ]
        return frame(lines)
    }

    /// Reports the remote's version on one stdout line, then reads and runs
    /// the next stdin line exactly as the popen one-liner does.
    static let probe: [UInt8] = frame([
        "import sys",
        "sys.stdout.write('\(probeMarker) %d.%d.%d %s\\n' % (sys.version_info[0], sys.version_info[1], "
            + "sys.version_info[2], getattr(getattr(sys, 'implementation', None), 'name', 'cpython')))",
        "sys.stdout.flush()",
        "exec(eval(sys.stdin.readline()))",
    ])

    /// Parses `execnet-swift-probe 3.11.7 cpython`.
    static func parseProbeReply(_ line: String) -> (PythonVersion, String)? {
        let words = line.split(separator: " ")
        guard words.count == 3, words[0] == probeMarker else { return nil }
        let numbers = words[1].split(separator: ".").compactMap { Int($0) }
        guard numbers.count == 3 else { return nil }
        return (PythonVersion(major: numbers[0], minor: numbers[1], micro: numbers[2]), String(words[2]))
    }

    /// The newest gateway_base among `bases` that runs on `python`.
    static func choose(from bases: [GatewayBase], for python: PythonVersion) -> GatewayBase? {
        bases.filter { $0.minimumPython <= python }
            .max { versionKey($0.version) < versionKey($1.version) }
    }

    private static func versionKey(_ version: String?) -> [Int] {
        (version ?? "0").split(separator: ".").map { Int($0) ?? 0 }
    }
}

extension Array where Element == Int {
    fileprivate static func < (a: [Int], b: [Int]) -> Bool { a.lexicographicallyPrecedes(b) }
}
