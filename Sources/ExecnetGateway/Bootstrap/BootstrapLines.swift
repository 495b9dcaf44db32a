import ExecnetTransport

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
package enum BootstrapLines {
    static let popenProgram = "import sys;exec(eval(sys.stdin.readline()))"
    static let probeMarker = "execnet-swift-probe"

    static func frame(_ lines: [String]) -> [UInt8] {
        pythonReprUTF8(lines.joined(separator: "\n")) + [UInt8(ascii: "\n")]
    }

    package static func exec(_ base: GatewayBase, id: String, execmodel: String) -> [UInt8] {
        frame([base.source] + serving(id: id, execmodel: execmodel))
    }

    /// What follows gateway_base's definitions in an exec-mode line: stock's
    /// popen start-up, the acknowledgement, then serving.
    static func serving(id: String, execmodel: String) -> [String] {
        [
            "execmodel = get_execmodel(\(pythonRepr(execmodel)))",
            "io = init_popen_io(execmodel)",
            "io.write('1'.encode('ascii'))",
            "serve(io, id='\(id)-worker')",
        ]
    }

    package static func importing(directory: String?, id: String, execmodel: String) -> [UInt8] {
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

    /// Reports the remote's version, and the execnet it could import (found
    /// on `sys.path` without importing it), on one stdout line; then reads
    /// and runs the next stdin line exactly as the popen one-liner does.
    static let probe: [UInt8] = frame(probeReport + [
        "sys.stdout.write(_execnet_swift_probe())",
        "sys.stdout.flush()",
        "del _execnet_swift_probe",
        "exec(eval(sys.stdin.readline()))",
    ])

    /// The same report for a stock socket server, which runs one line with
    /// the connection as `clientsock`: the report goes back over it, and the
    /// next line read from it runs in the same globals, as the server ran
    /// this one (nothing else is sent before that line is answered, so a
    /// buffered read takes nothing that follows).
    static let socketProbe: [UInt8] = frame(probeReport + [
        "clientsock.sendall(_execnet_swift_probe().encode('ascii'))",
        "del _execnet_swift_probe",
        "_execnet_swift_file = clientsock.makefile('rb')",
        "_execnet_swift_line = _execnet_swift_file.readline()",
        "_execnet_swift_file.close()",
        "del _execnet_swift_file",
        "exec(eval(_execnet_swift_line))",
    ])

    /// Defines `_execnet_swift_probe()`, which returns the report line.
    private static let probeReport: [String] = [
        "import sys",
        "def _execnet_swift_probe():",
        "    import os",
        "    v = sys.version_info",
        "    name = getattr(getattr(sys, 'implementation', None), 'name', 'cpython')",
        "    found = '- -'",
        "    try:",
        "        for entry in sys.path:",
        "            package = os.path.join(entry or os.curdir, 'execnet')",
        "            if os.path.isfile(os.path.join(package, 'gateway_base.py')):",
        "                release = '?'",
        "                stamp = os.path.join(package, '_version.py')",
        "                if os.path.isfile(stamp):",
        "                    import re",
        "                    with open(stamp) as f:",
        "                        match = re.search(\"version *= *['\\\"]([0-9][^'\\\"]*)\", f.read())",
        "                    if match:",
        "                        release = match.group(1)",
        "                found = release + ' ' + os.path.abspath(package)",
        "                break",
        "    except Exception:",
        "        pass",
        "    return '\(probeMarker) %d.%d.%d %s %x %s\\n' % (v[0], v[1], v[2], name, sys.hexversion, found)",
    ]

    /// Stock's socket bootstrap: gateway_base, then the release's own
    /// `SocketIO` class, serving over the connection the socket server
    /// hands over as `clientsock` (with the server's execmodel).
    package static func socket(_ base: GatewayBase, id: String) throws(GatewayBaseError) -> [UInt8] {
        frame([
            base.source,
            "import socket",
            try base.socketIOSource(),
            "try: execmodel",
            "except NameError:",
            "   execmodel = get_execmodel('thread')",
            "io = SocketIO(clientsock, execmodel)",
            "io.write('1'.encode('ascii'))",
            "serve(io, id='\(id)-worker')",
        ])
    }

    /// Parses `execnet-swift-probe 3.11.7 cpython 30b07f0 2.1.2 /path/to/execnet`:
    /// version, implementation, `sys.hexversion` in hex, then the execnet
    /// found (`- -` when none was).
    static func parseProbeReply(_ line: String) -> ProbeReport? {
        let words = line.split(separator: " ", maxSplits: 5)
        guard words.count >= 4, words[0] == probeMarker else { return nil }
        let numbers = words[1].split(separator: ".").compactMap { Int($0) }
        guard numbers.count == 3, words[3].allSatisfy(\.isHexDigit) else { return nil }
        var installed: InstalledExecnet?
        if words.count == 6, words[4] != "-" {
            installed = InstalledExecnet(version: words[4] == "?" ? nil : String(words[4]), directory: String(words[5]))
        }
        return ProbeReport(
            python: PythonVersion(major: numbers[0], minor: numbers[1], micro: numbers[2]),
            implementation: String(words[2]), hexVersion: String(words[3]), installed: installed)
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

/// What the version probe learned about the remote interpreter.
struct ProbeReport: Sendable {
    var python: PythonVersion
    var implementation: String
    /// `sys.hexversion`, in hex: the exact build, down to its release level.
    var hexVersion: String
    var installed: InstalledExecnet?
}

/// An execnet the remote interpreter can import.
struct InstalledExecnet: Sendable {
    /// Its release, nil when it carries no version stamp.
    var version: String?
    /// The package directory, as the remote sees it.
    var directory: String

    /// Whether this host speaks its protocol: releases 1.9 and later.
    var isSupported: Bool {
        guard let version else { return false }
        let numbers = version.split(separator: ".").prefix(2).map { Int($0.prefix(while: \.isNumber)) ?? 0 }
        return numbers.lexicographicallyPrecedes([1, 9]) == false
    }
}
