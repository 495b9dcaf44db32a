import ExecnetTransport
import ExecnetWire

/// What a successful bootstrap learned.
struct BootstrapReport: Sendable {
    /// The gateway_base sent (nil in import mode).
    var gatewayBase: GatewayBase?
    /// The remote's Python, when the probe asked for it.
    var python: PythonVersion?
    var implementation: String?
    /// Whether the remote imported its own execnet (stock's import mode).
    var importMode = false
}

/// What kind of far end a bootstrap talks to.
struct BootstrapTarget: Sendable {
    enum Streams: Sendable {
        /// The popen one-liner reads lines from stdin and writes to stdout
        /// (popen, ssh, vagrant_ssh, and a via gateway's sub-process).
        case standard
        /// A stock socket server runs one line with the connection as `clientsock`.
        case socket
    }

    var streams: Streams = .standard
    /// What a socket line names its worker after: stock pastes the spec
    /// string there (`serve(io, id='socket=host:port-worker')`), not the id.
    var socketWorkerName: String?
    /// Plain `popen` without `python=`: stock bootstraps it in import mode.
    var plainPopen = false
    /// The remote runs on this machine, so its files are readable here and
    /// the compiled-code cache may serve it.
    var local = false
    /// The address ssh was given: an exit status of 255 before the
    /// acknowledgement means the host was not found (stock's HostNotFound).
    var sshAddress: String?
    /// Through stock's proxy (`via=`) nothing but the acknowledgement may
    /// come before the first message, so there is no version probe: the
    /// default bootstrap then picks gateway_base for this Python (the via
    /// gateway's) instead of asking.
    var presumedPython: PythonVersion?
}

/// One gateway's bootstrap, from the first line sent to the
/// acknowledgement: the probe and its answer when the mode asks for one,
/// the choice of what to send, and the bootstrap's deadline. Failures name
/// the gateway, the program and what was awaited, with the remote's exit
/// status and stderr tail.
struct Bootstrap {
    let core: GatewayCore
    let receiver: Receiver
    let program: String
    let options: GatewayOptions
    let target: BootstrapTarget
    let dontWriteBytecode: Bool
    let execmodel: String

    func run() async throws -> BootstrapReport {
        let deadline = ContinuousClock.now + options.bootstrapTimeout
        var report = BootstrapReport()
        let line: [UInt8]
        var requirement = ""
        switch options.bootstrap {
        case .exact(let base)?:
            report.gatewayBase = base
            requirement = "; gateway_base \(base.version ?? "(unknown version)") needs Python "
                + "\(base.minimumPython.major).\(base.minimumPython.minor) or newer"
            line = try execLine(base)
        case .importing(let directory)?:
            guard target.streams == .standard else {
                throw GatewayError(.unsupportedSpec(detail: "import mode needs stdin and stdout; a socket gateway is bootstrapped in exec mode"), gatewayID: core.id)
            }
            report.importMode = true
            line = BootstrapLines.importing(directory: directory, id: core.id, execmodel: execmodel)
            requirement = "; import mode needs execnet importable by the remote Python"
        case .matching(let bases)?:
            let probe = try await probeOrPresume(deadline: deadline)
            report.python = probe.python
            report.implementation = probe.implementation
            guard let base = BootstrapLines.choose(from: bases, for: probe.python) else {
                let offered = bases.map { "\($0.version ?? "?") needs Python \($0.minimumPython.major).\($0.minimumPython.minor)+" }
                throw GatewayError(
                    .pythonTooOld(
                        python: "\(probe.python) (\(probe.implementation))",
                        detail: "no gateway_base at hand runs on it (" + offered.joined(separator: "; ") + ")"),
                    gatewayID: core.id)
            }
            report.gatewayBase = base
            line = try execLine(base)
        case nil:
            let probe = try await probeOrPresume(deadline: deadline)
            report.python = probe.python
            report.implementation = probe.implementation
            if target.plainPopen, let installed = probe.installed, installed.isSupported {
                report.importMode = true
                line = BootstrapLines.importing(directory: nil, id: core.id, execmodel: execmodel)
                requirement = "; import mode needs execnet importable by the remote Python"
            } else {
                let base = try await GatewayBaseSources.gatewayBase(
                    for: probe, remoteIsLocal: target.local, localPythons: Array(Set(["python3", options.defaultPython])),
                    gatewayID: core.id)
                report.gatewayBase = base
                if options.compiledCodeCache && target.local && target.streams == .standard {
                    line = CompiledCodeCache.line(
                        for: base, probe: probe, id: core.id, execmodel: execmodel, mayWrite: !dontWriteBytecode)
                } else {
                    line = try execLine(base)
                }
            }
        }
        try await write(line)
        do {
            try await receiver.acknowledged.wait(timeout: deadline - .now) { WaitTimedOut() }
        } catch is WaitTimedOut {
            throw await timedOut("the acknowledgement byte '1'")
        } catch let interrupted as BootstrapInterrupted {
            throw await failure(interrupted.detail + requirement)
        }
        return report
    }

    /// Stock's exec-mode line for this target.
    private func execLine(_ base: GatewayBase) throws(GatewayError) -> [UInt8] {
        switch target.streams {
        case .standard:
            return BootstrapLines.exec(base, id: core.id, execmodel: execmodel)
        case .socket:
            do {
                return try BootstrapLines.socket(base, id: target.socketWorkerName ?? core.id)
            } catch {
                throw GatewayError(.gatewayBaseUnavailable(detail: "\(error)"), gatewayID: core.id)
            }
        }
    }

    private func probeOrPresume(deadline: ContinuousClock.Instant) async throws -> ProbeReport {
        if let python = target.presumedPython {
            return ProbeReport(python: python, implementation: "presumed", hexVersion: "0", installed: nil)
        }
        return try await ask(deadline: deadline)
    }

    private func ask(deadline: ContinuousClock.Instant) async throws -> ProbeReport {
        try await write(target.streams == .socket ? BootstrapLines.socketProbe : BootstrapLines.probe)
        let reply: String
        do {
            reply = try await receiver.probeReply.wait(timeout: deadline - .now) { WaitTimedOut() }
        } catch is WaitTimedOut {
            throw await timedOut("the answer to the version probe")
        } catch let interrupted as BootstrapInterrupted {
            throw await failure(interrupted.detail)
        }
        guard let probe = BootstrapLines.parseProbeReply(reply) else {
            throw await failure("unexpected answer to the version probe: \(pythonRepr(reply))")
        }
        return probe
    }

    /// A failed write means the far end went away: reported as any early
    /// end is, with its exit status (so ssh's 255 is host-not-found).
    private func write(_ line: [UInt8]) async throws(GatewayError) {
        do {
            try core.connection.sendNow(line)
        } catch {
            throw await failure("sending the bootstrap failed: \(error)")
        }
    }

    private func timedOut(_ awaited: String) async -> GatewayError {
        core.transport.process?.kill()
        core.connection.abort("bootstrap timed out")
        let status = await exitStatus(within: .seconds(2))
        return GatewayError(
            .bootstrapTimedOut(program: program, awaited: awaited, after: options.bootstrapTimeout, status: status,
                stderrTail: core.transport.diagnostics),
            gatewayID: core.id)
    }

    /// A bootstrap failure with the remote's exit status and stderr tail,
    /// waiting briefly for the process to end so both are known.
    private func failure(_ detail: String) async -> GatewayError {
        let status = await exitStatus(within: .seconds(2))
        if let address = target.sshAddress, status == .exited(255) {
            return GatewayError(
                .hostNotFound(address: address, detail: "\(program) exited with status 255 before the bootstrap was acknowledged",
                    stderrTail: core.transport.diagnostics),
                gatewayID: core.id)
        }
        return GatewayError(
            .bootstrapFailed(status: status, detail: "\(program): \(detail)", stderrTail: core.transport.diagnostics),
            gatewayID: core.id)
    }

    /// How the process ended, when it does within `limit`, once its stderr
    /// tail is complete.
    private func exitStatus(within limit: Duration) async -> ExitStatus? {
        let status = try? await core.transport.process?.exitStatus(within: limit)
        await core.transport.settleDiagnostics(within: .milliseconds(500))
        return status ?? nil
    }

    /// After a failure or cancellation: nothing of this gateway stays.
    func abandon() async {
        core.transport.process?.kill()
        core.connection.abort("bootstrap abandoned")
        _ = try? await core.join(timeout: .seconds(2))
    }
}
