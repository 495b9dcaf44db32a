import ExecnetTransport
import ExecnetWire

/// Opening a gateway: the transport a spec asks for, then the bootstrap
/// over it.
extension Gateway {
    /// Starts the interpreter `spec` describes (popen, ssh, vagrant_ssh) or
    /// connects to the socket server it names, bootstraps gateway_base
    /// there, and applies the spec's `chdir`, `nice` and `env:` settings.
    /// `via=` and `installvia=` need the group holding the gateway they
    /// name: open those with ``Group/makeGateway(_:)``.
    /// Cancelling the task kills the interpreter and throws `CancellationError`.
    public static func open(_ spec: XSpec, options: GatewayOptions = GatewayOptions()) async throws -> Gateway {
        let id = spec.id ?? "gw"
        if spec.via != nil || spec.installvia != nil {
            let key = spec.via != nil ? "via" : "installvia"
            throw GatewayError(
                .unsupportedSpec(detail: "\(key)= names another gateway of a group: open it with Group.makeGateway"),
                gatewayID: id)
        }
        if spec.popen {
            let arguments = try popenArguments(spec, options: options, id: id)
            let target = BootstrapTarget(plainPopen: spec.python == nil, local: true)
            return try await open(spawning: arguments, spec: spec, options: options, target: target)
        }
        if let address = spec.ssh {
            let arguments = CommandLines.ssh(spec, address: address, defaultPython: options.defaultRemotePython)
            return try await open(spawning: arguments, spec: spec, options: options, target: BootstrapTarget(sshAddress: address))
        }
        if let name = spec.vagrantSSH {
            let arguments = CommandLines.vagrantSSH(spec, name: name, defaultPython: options.defaultRemotePython)
            return try await open(spawning: arguments, spec: spec, options: options, target: BootstrapTarget(sshAddress: name))
        }
        if let address = spec.socket {
            let (host, port) = try socketAddress(address, id: id)
            return try await open(socketHost: host, port: port, spec: spec, options: options)
        }
        throw GatewayError(
            .unsupportedSpec(detail: "no gateway type in spec \(pythonRepr(spec.string)) (expected popen, ssh=, socket=, vagrant_ssh= or via=)"),
            gatewayID: id)
    }

    /// Connects to a stock socket server at `host`:`port` and bootstraps
    /// gateway_base over the connection (`socket=` specs; also the second
    /// step of `installvia=`).
    public static func open(
        socketHost host: String, port: Int, spec: XSpec, options: GatewayOptions = GatewayOptions()
    ) async throws -> Gateway {
        let id = spec.id ?? "gw"
        if spec.python != nil {
            throw GatewayError(
                .unsupportedSpec(detail: "python= cannot be given for a socket gateway: the socket server's interpreter runs it"),
                gatewayID: id)
        }
        let address = "\(host):\(port)"
        let transport: SocketTransport
        do {
            transport = try await SocketTransport.connect(host: host, port: port, timeout: options.bootstrapTimeout)
        } catch {
            switch error.kind {
            case .hostNotFound:
                throw GatewayError(.hostNotFound(address: address, detail: error.detail, stderrTail: ""), gatewayID: id)
            case .cancelled:
                throw CancellationError()
            default:
                throw GatewayError(.cannotConnect(address: address, detail: "\(error)"), gatewayID: id)
            }
        }
        return try await open(
            over: transport, spec: spec, options: options, program: "socket \(address)",
            target: BootstrapTarget(streams: .socket, socketWorkerName: spec.string))
    }

    private static func open(
        spawning arguments: [String], spec: XSpec, options: GatewayOptions, target: BootstrapTarget
    ) async throws -> Gateway {
        let transport: PopenTransport
        do {
            transport = try PopenTransport(arguments: arguments, forwardStandardError: options.forwardsStandardError)
        } catch {
            let reason = error.underlying.map { "\($0)" } ?? "\(error)"
            throw GatewayError(.cannotStart(program: arguments[0], detail: reason), gatewayID: spec.id ?? "gw")
        }
        return try await open(over: transport, spec: spec, options: options, program: arguments[0], target: target)
    }

    /// `host:port` as stock splits it.
    static func socketAddress(_ text: String, id: String) throws(GatewayError) -> (host: String, port: Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
            throw GatewayError(.unsupportedSpec(detail: "socket=\(text) is not host:port"), gatewayID: id)
        }
        return (String(parts[0]), port)
    }

    /// Bootstraps a gateway over `transport`, whose far end must be running
    /// the popen one-liner (`exec(eval(sys.stdin.readline()))`), as popen,
    /// ssh and vagrant_ssh transports do. `program` names what was started,
    /// for errors. The gateway owns the transport from here on.
    public static func open(
        over transport: any GatewayTransport, spec: XSpec, options: GatewayOptions = GatewayOptions(),
        program: String? = nil
    ) async throws -> Gateway {
        let target = BootstrapTarget(plainPopen: spec.popen && spec.python == nil, local: spec.popen)
        return try await open(over: transport, spec: spec, options: options, program: program, target: target)
    }

    static func open(
        over transport: any GatewayTransport, spec: XSpec, options: GatewayOptions, program: String?,
        target: BootstrapTarget
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
        case nil, .matching?: probing = target.presumedPython == nil
        case .exact?, .importing?: probing = false
        }
        let receiver = Receiver(core: core, expectsProbeReply: probing) { RunningGateways.shared.remove(core) }
        RunningGateways.shared.add(core)
        receiver.start()
        let bootstrap = Bootstrap(
            core: core, receiver: receiver, program: program, options: options, target: target,
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
