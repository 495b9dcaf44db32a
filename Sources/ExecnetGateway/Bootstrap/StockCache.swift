import ExecnetTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-user cache of stock execnet wheels from PyPI, shared with the
/// project's scripts: `$EXECNET_SWIFT_CACHE`, else
/// `${XDG_CACHE_HOME:-~/.cache}/execnet-swift`; each release unpacked under
/// `stock/execnet-<version>/`.
public enum StockCache {
    /// The releases this package knows, with the sha256 of their PyPI wheel.
    public static let releases: [(version: String, wheel: String, sha256: String)] = [
        ("1.9.0", "execnet-1.9.0-py2.py3-none-any.whl",
         "a295f7cc774947aac58dde7fdc85f4aa00c42adf5d8f5468fc630c1acf30a142"),
        ("2.0.2", "execnet-2.0.2-py3-none-any.whl",
         "88256416ae766bc9e8895c76a87928c0012183da3cc4fc18016e6f050e025f41"),
        ("2.1.2", "execnet-2.1.2-py3-none-any.whl",
         "67fba928dd5a544b783f6056f449e5e3931a5c378b128bc18501f7ea79e296ec"),
    ]

    public static var root: String {
        let environment = ProcessEnvironment.self
        if let explicit = environment["EXECNET_SWIFT_CACHE"], !explicit.isEmpty { return explicit }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? "/tmp") + "/.cache"
        return base + "/execnet-swift"
    }

    public static func directory(version: String) -> String { root + "/stock/execnet-\(version)" }

    /// The cached gateway_base of `version`, fetching the wheel from PyPI
    /// (with `python3 -m pip download`) when it is missing and `fetch` is true.
    public static func gatewayBase(version: String, fetch: Bool = true) async throws(GatewayBaseError) -> GatewayBase {
        let path = directory(version: version) + "/execnet/gateway_base.py"
        if readTextFile(path) == nil {
            guard fetch else {
                throw GatewayBaseError("execnet \(version) is not in \(root)")
            }
            try await download(version: version)
        }
        return try GatewayBase.file(path, version: version)
    }

    /// Every known release, fetched as needed, oldest first.
    public static func allGatewayBases(fetch: Bool = true) async throws(GatewayBaseError) -> [GatewayBase] {
        var found: [GatewayBase] = []
        for release in releases { found.append(try await gatewayBase(version: release.version, fetch: fetch)) }
        return found
    }

    private static func download(version: String) async throws(GatewayBaseError) {
        guard let release = releases.first(where: { $0.version == version }) else {
            let known = releases.map(\.version).joined(separator: ", ")
            throw GatewayBaseError("unknown execnet \(version) (known: \(known))")
        }
        let output: ProcessOutput
        do {
            output = try await runProcess(
                ["python3", "-c", fetchProgram, root, version, release.wheel, release.sha256])
        } catch {
            throw GatewayBaseError("\(error)")
        }
        guard output.succeeded else {
            throw GatewayBaseError("fetching execnet \(version) failed: \(output.standardErrorTail)")
        }
    }

    /// Downloads the wheel, checks its sha256 and unpacks it atomically.
    private static let fetchProgram = """
        import hashlib, os, shutil, subprocess, sys, tempfile, zipfile
        root, version, wheel, digest = sys.argv[1:5]
        wheels = os.path.join(root, "wheels")
        stock = os.path.join(root, "stock")
        for d in (wheels, stock):
            if not os.path.isdir(d):
                os.makedirs(d)
        final = os.path.join(wheels, wheel)
        def sha(path):
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        if not (os.path.isfile(final) and sha(final) == digest):
            scratch = tempfile.mkdtemp(dir=wheels)
            try:
                base = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--disable-pip-version-check", "-q", "-d", scratch, "execnet==" + version]
                if subprocess.call(base) != 0 and subprocess.call(base + ["--ignore-requires-python"]) != 0:
                    sys.exit("pip download of execnet %s failed" % version)
                got = os.path.join(scratch, wheel)
                if sha(got) != digest:
                    sys.exit("sha256 mismatch for " + wheel)
                os.replace(got, final)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        target = os.path.join(stock, "execnet-" + version)
        if not os.path.isfile(os.path.join(target, "execnet", "gateway_base.py")):
            scratch = tempfile.mkdtemp(dir=stock)
            with zipfile.ZipFile(final) as archive:
                archive.extractall(scratch)
            os.chmod(scratch, 0o755)
            try:
                os.rename(scratch, target)
            except OSError:
                shutil.rmtree(scratch, ignore_errors=True)
        """
}

/// Read access to this process's environment.
enum ProcessEnvironment {
    static subscript(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}

extension StockCache {
    /// The releases already unpacked in the cache, oldest first; nothing is
    /// fetched. Each file is read once per process (the releases are pinned).
    public static func cachedGatewayBases() -> [GatewayBase] {
        releases.compactMap { release in
            let path = directory(version: release.version) + "/execnet/gateway_base.py"
            if let known = cachedReads.withLock({ $0[path] }) { return known }
            guard let base = try? GatewayBase.file(path, version: release.version) else { return nil }
            cachedReads.withLock { $0[path] = base }
            return base
        }
    }

    private static let cachedReads = Locked<[String: GatewayBase]>([:])

    /// The newest known release that runs on `python`.
    static func newestRelease(for python: PythonVersion) -> String? {
        releases.map(\.version).last { version in
            GatewayBase(version: version, source: "", path: "").minimumPython <= python
        }
    }
}
