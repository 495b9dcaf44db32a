import ExecnetTransport

/// gateway_base compiled by the very interpreter that runs it, kept between
/// gateways: compiling its ~60 KB of source is a quarter of a remote's
/// start-up, loading the marshalled code takes a fraction of a millisecond.
/// The remote still runs stock's code unchanged: the code object is what
/// `compile(source, '<string>', 'exec')` made of stock's text in that
/// interpreter, so names, line numbers and tracebacks are the same as with
/// stock's exec-mode line.
///
/// Used by the default bootstrap for local (popen) remotes only, never in
/// `.exact` mode. Files: `<cache>/code/gateway_base-<impl>-<hexversion>-<sha256>.marshal`,
/// written by the remote itself, atomically (a temporary name, then rename).
/// See protocol-spec.md §3.3.
enum CompiledCodeCache {
    private static let digests = Locked<[String: String]>([:])

    static func path(for base: GatewayBase, probe: ProbeReport) -> String {
        let digest: String = digests.withLock { known in
            if let digest = known[base.source] { return digest }
            let digest = SHA256.hex(Array(base.source.utf8))
            known[base.source] = digest
            return digest
        }
        let implementation = probe.implementation.filter { $0.isLetter || $0.isNumber }
        return StockCache.root + "/code/gateway_base-\(implementation)-\(probe.hexVersion)-\(digest).marshal"
    }

    /// The line that runs `base` from the cache when its file is there, and
    /// otherwise compiles the source, stores the code (unless `mayWrite` is
    /// false, as with `dont_write_bytecode`) and runs it.
    static func line(for base: GatewayBase, probe: ProbeReport, id: String, execmodel: String, mayWrite: Bool) -> [UInt8] {
        let path = path(for: base, probe: probe)
        let serving = BootstrapLines.serving(id: id, execmodel: execmodel)
        if fileIsPresent(path) {
            return BootstrapLines.frame([
                "import marshal as _execnet_swift_marshal",
                "with open(\(pythonRepr(path)), 'rb') as _execnet_swift_file:",
                "    _execnet_swift_code = _execnet_swift_marshal.loads(_execnet_swift_file.read())",
                "del _execnet_swift_file, _execnet_swift_marshal",
                "exec(_execnet_swift_code)",
                "del _execnet_swift_code",
            ] + serving)
        }
        var lines = [
            "_execnet_swift_code = compile(\(pythonRepr(base.source)), '<string>', 'exec')",
        ]
        if mayWrite {
            lines += [
                "def _execnet_swift_store(code, path):",
                "    import marshal, os",
                "    try:",
                "        folder = os.path.dirname(path)",
                "        if not os.path.isdir(folder):",
                "            os.makedirs(folder, 448)",
                "        scratch = '%s.%d.tmp' % (path, os.getpid())",
                "        with open(scratch, 'wb') as f:",
                "            f.write(marshal.dumps(code))",
                "        os.rename(scratch, path)",
                "    except Exception:",
                "        pass",
                "_execnet_swift_store(_execnet_swift_code, \(pythonRepr(path)))",
                "del _execnet_swift_store",
            ]
        }
        lines += ["exec(_execnet_swift_code)", "del _execnet_swift_code"]
        return BootstrapLines.frame(lines + serving)
    }

    private static func fileIsPresent(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_size > 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
