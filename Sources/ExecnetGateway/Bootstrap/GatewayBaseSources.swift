import ExecnetTransport

/// Where the default bootstrap finds the gateway_base it sends, nearest
/// first, so that no network is needed when anything local can serve:
///
/// 1. the file `EXECNET_SWIFT_GATEWAY_BASE` names (the way to pin one offline);
/// 2. the newest release in the wheel cache that runs on the remote's Python;
/// 3. the execnet the remote interpreter itself has installed (the probe
///    reports it), when the remote runs on this machine (popen);
/// 4. the execnet a local `python3` (or the default interpreter) has installed;
/// 5. only then PyPI, for the one release this remote needs.
enum GatewayBaseSources {
    static let environmentVariable = "EXECNET_SWIFT_GATEWAY_BASE"

    private static let memo = Locked<[String: GatewayBase]>([:])

    static func gatewayBase(
        for probe: ProbeReport, remoteIsLocal: Bool, localPythons: [String], gatewayID: String
    ) async throws(GatewayError) -> GatewayBase {
        let python = probe.python
        func runs(_ base: GatewayBase) -> Bool { base.minimumPython <= python }

        if let path = ProcessEnvironment[environmentVariable], !path.isEmpty {
            do {
                let base = try remembered(path) { () throws(GatewayBaseError) in try GatewayBase.file(path) }
                if runs(base) { return base }
                throw GatewayBaseError("\(path) (gateway_base \(base.version ?? "?")) does not run on Python \(python)")
            } catch {
                throw GatewayError(.gatewayBaseUnavailable(detail: "\(environmentVariable): \(error)"), gatewayID: gatewayID)
            }
        }
        if let cached = BootstrapLines.choose(from: StockCache.cachedGatewayBases(), for: python) { return cached }
        if remoteIsLocal, let installed = probe.installed, installed.isSupported,
            let base = try? remembered(installed.directory, { () throws(GatewayBaseError) in
                try GatewayBase.file(installed.directory + "/gateway_base.py", version: installed.version)
            }), runs(base)
        {
            return base
        }
        for local in localPythons {
            if let base = try? await GatewayBase.installed(python: local), base.version != nil, runs(base) {
                return base
            }
        }
        guard let release = StockCache.newestRelease(for: python) else {
            throw GatewayError(
                .pythonTooOld(python: "\(python) (\(probe.implementation))", detail: "no stock execnet release runs on it"),
                gatewayID: gatewayID)
        }
        do {
            return try await StockCache.gatewayBase(version: release, fetch: true)
        } catch {
            throw GatewayError(
                .gatewayBaseUnavailable(
                    detail: "execnet \(release) (for Python \(python)) is not in the cache at \(StockCache.root), "
                        + "no local execnet can serve, and fetching it failed: \(error). To work offline, set "
                        + "\(environmentVariable) to a gateway_base.py, or open with "
                        + "GatewayOptions(bootstrap: .exact(try GatewayBase.file(path)))"),
                gatewayID: gatewayID)
        }
    }

    private static func remembered(
        _ key: String, _ load: () throws(GatewayBaseError) -> GatewayBase
    ) throws(GatewayBaseError) -> GatewayBase {
        if let known = memo.withLock({ $0[key] }) { return known }
        let base = try load()
        memo.withLock { $0[key] = base }
        return base
    }
}
