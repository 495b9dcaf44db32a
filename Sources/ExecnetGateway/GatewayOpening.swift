import ExecnetTransport
import ExecnetWire

/// Opening a gateway: the popen command line, then the bootstrap over any
/// transport whose far end runs the popen one-liner.
extension Gateway {
    /// Starts the interpreter `spec` describes, bootstraps gateway_base in
    /// it, and applies the spec's `chdir`, `nice` and `env:` settings.
    /// Cancelling the task kills the interpreter and throws `CancellationError`.
    public static func open(_ spec: XSpec, options: GatewayOptions = GatewayOptions()) async throws -> Gateway {
        let id = spec.id ?? "gw"
        guard spec.popen else {
            let kind = spec.ssh != nil ? "ssh" : spec.socket != nil ? "socket" : spec.via != nil ? "via"
                : spec["vagrant_ssh"] != nil ? "vagrant_ssh" : nil
            let detail = kind.map { "\($0) gateways are not supported yet (only popen is)" }
                ?? "no gateway type in spec \(pythonRepr(spec.string)) (expected popen)"
            throw GatewayError(.unsupportedSpec(detail: detail), gatewayID: id)
        }
        let arguments = try popenArguments(spec, options: options, id: id)
        let transport: PopenTransport
        do {
            transport = try PopenTransport(arguments: arguments, forwardStandardError: options.forwardsStandardError)
        } catch {
            let reason = error.underlying.map { "\($0)" } ?? "\(error)"
            throw GatewayError(.cannotStart(program: arguments[0], detail: reason), gatewayID: id)
        }
        return try await open(over: transport, spec: spec, options: options, program: arguments[0])
    }

    /// Bootstraps a gateway over `transport`, whose far end must be running
    /// the popen one-liner (`exec(eval(sys.stdin.readline()))`), as popen,
    /// ssh and vagrant_ssh transports do. `program` names what was started,
    /// for errors. The gateway owns the transport from here on.
    public static func open(
        over transport: any GatewayTransport, spec: XSpec, options: GatewayOptions = GatewayOptions(),
        program: String? = nil
    ) async throws -> Gateway {
        let id = spec.id ?? "gw"
        let program = program ?? transport.peerDescription
        var nice = 0
        if let text = spec.nice {
            guard let value = Int(text) else {
                transport.process?.kill()
                transport.close()
                throw GatewayError(.unsupportedSpec(detail: "nice=\(text) is not an integer"), gatewayID: id)
            }
            nice = value
        }
        let tap = options.tap.map { tap in { @Sendable (direction: TapDirection, bytes: UnsafeRawBufferPointer) in tap(direction, Array(bytes)) } }
        let connection: Connection
        do {
            connection = try Connection(
                transport: transport, name: id, outboundLimit: options.outboundQueueLimit, tap: tap)
        } catch {
            transport.process?.kill()
            transport.close()
            throw GatewayError(.cannotStart(program: program, detail: "\(error)"), gatewayID: id)
        }
        let execmodel = spec.execmodel ?? "thread"
        let core = GatewayCore(id: id, connection: connection, tracer: Tracer.shared, execmodel: execmodel)
        let probing: Bool
        switch options.bootstrap {
        case nil, .matching?: probing = true
        case .exact?, .importing?: probing = false
        }
        let receiver = Receiver(core: core, expectsProbeReply: probing) { RunningGateways.shared.remove(core) }
        RunningGateways.shared.add(core)
        receiver.start()
        let bootstrap = Bootstrap(
            core: core, receiver: receiver, program: program, options: options, plainPopen: spec.popen && spec.python == nil,
            dontWriteBytecode: spec.dontWriteBytecode, execmodel: execmodel)
        let report: BootstrapReport
        do {
            report = try await bootstrap.run()
        } catch {
            await bootstrap.abandon()
            throw error
        }
        let gateway = Gateway(spec: spec, id: id, core: core, report: report)
        if spec.chdir != nil || nice != 0 || !spec.environment.isEmpty {
            do {
                try await gateway.applySettings(chdir: spec.chdir, nice: nice, environment: spec.environment)
            } catch {
                gateway.exit()
                gateway.kill()
                throw error
            }
        }
        return gateway
    }

    /// Stock's popen command line: the `python=` value split as shlex does,
    /// `-u`, `-B` for dont_write_bytecode, then the one-liner.
    static func popenArguments(_ spec: XSpec, options: GatewayOptions, id: String) throws(GatewayError) -> [String] {
        var arguments = shellSplit(spec.python ?? options.defaultPython)
        guard !arguments.isEmpty else {
            throw GatewayError(.unsupportedSpec(detail: "empty python= value"), gatewayID: id)
        }
        arguments.append("-u")
        if spec.dontWriteBytecode { arguments.append("-B") }
        arguments += ["-c", BootstrapLines.popenProgram]
        return arguments
    }

    private func applySettings(chdir: String?, nice: Int, environment: [(name: String, value: String)]) async throws {
        let channel = try await remoteExec(RemoteSnippets.applySettings)
        let variables = PyDict(environment.map { (PyValue.str($0.name), PyValue.str($0.value)) })
        try await channel.send(.tuple([chdir.map(PyValue.str) ?? .none, .int(PyInt(nice)), .dict(variables)]))
        try await channel.waitClose()
    }
}
