import ExecnetWire

extension Gateway {
    /// The remote's Python: what the probe reported, else asked (rinfo, cached).
    func pythonVersion() async throws -> PythonVersion? {
        if let remotePython { return remotePython }
        return try await remoteInfo().pythonVersion
    }

    /// The stock release whose other modules this gateway's remote can run:
    /// the one its gateway_base came from, else (import mode) the newest
    /// release in the cache that runs on its Python.
    func stockRelease() async throws -> GatewayBase {
        if let gatewayBase { return gatewayBase }
        guard let python = try await pythonVersion(), let release = StockCache.newestRelease(for: python) else {
            throw GatewayError(
                .pythonTooOld(python: remotePython.map { "\($0)" } ?? "(unknown)", detail: "no stock execnet release runs on it"),
                gatewayID: id)
        }
        do {
            return try await StockCache.gatewayBase(version: release)
        } catch {
            throw GatewayError(.gatewayBaseUnavailable(detail: "\(error)"), gatewayID: id)
        }
    }

    /// Runs a module of this gateway's stock release as stock's
    /// `remote_exec(module)` does: its whole text, with its path as the file name.
    package func remoteExec(stockModule relativePath: String) async throws -> Channel {
        let release = try await stockRelease()
        let source: String
        do {
            source = try release.companion(relativePath)
        } catch {
            throw GatewayError(.gatewayBaseUnavailable(detail: "\(error)"), gatewayID: id)
        }
        let payload = ChannelExecPayload(source: source, fileName: release.packageDirectory + "/" + relativePath)
        // Python 2 gets the text as bytes (its compile refuses a coding
        // declaration in unicode source). A 2.x release never runs there, so
        // only a 1.x one, with no probe report, costs a question.
        let python2: Bool
        if let remotePython {
            python2 = remotePython.major == 2
        } else if let major = release.version?.split(separator: ".").first.flatMap({ Int($0) }), major >= 2 {
            python2 = false
        } else {
            python2 = try await pythonVersion()?.major == 2
        }
        return try await exec(payload, sourceAsBytes: python2)
    }

    /// `socket=…//installvia=ID`: starts stock's socket server on `server`
    /// (bound to localhost on a free port, serving one connection), then
    /// connects to the address it reports. The server ends with the gateway
    /// it served.
    public static func open(
        _ spec: XSpec, installingVia server: Gateway, options: GatewayOptions = GatewayOptions()
    ) async throws -> Gateway {
        let channel = try await server.remoteExec(stockModule: "script/socketserver.py")
        try await channel.send(.tuple([.str("localhost"), .int(0)]))
        let reply = try await channel.receive(timeout: options.bootstrapTimeout)
        guard case .tuple(let parts) = reply, parts.count >= 2, case .int(let port) = parts[1],
            let portNumber = port.int
        else {
            throw GatewayError(
                .protocolViolation(detail: "the socket server on gateway \(pythonRepr(server.id)) answered \(reply), not (host, port)"),
                gatewayID: spec.id ?? "gw")
        }
        var host = "localhost"
        if case .str(let reported) = parts[0], !reported.isEmpty, reported != "0.0.0.0" { host = reported }
        return try await open(socketHost: host, port: portNumber, spec: spec, options: options)
    }
}
