import ExecnetTransport
import ExecnetWire

/// Reads bytes from a transport one buffer at a time, for the bootstrap
/// exchange that precedes the message stream.
struct BootstrapReader {
    let transport: any ByteTransport
    var buffer: [UInt8] = []
    var index = 0

    /// The next byte, or nil at end of stream.
    mutating func byte() throws(TransportError) -> UInt8? {
        if index == buffer.count {
            var chunk = [UInt8](repeating: 0, count: 4096)
            var result: Result<Int, TransportError> = .success(0)
            chunk.withUnsafeMutableBytes { raw in
                do throws(TransportError) { result = .success(try transport.read(into: raw)) } catch { result = .failure(error) }
            }
            let count = try result.get()
            if count == 0 { return nil }
            buffer = Array(chunk[0..<count])
            index = 0
        }
        defer { index += 1 }
        return buffer[index]
    }

    /// Bytes up to and excluding a newline; nil at end of stream or when
    /// more than `limit` bytes come without one.
    mutating func line(limit: Int) throws(TransportError) -> [UInt8]? {
        var line: [UInt8] = []
        while let next = try byte() {
            if next == UInt8(ascii: "\n") { return line }
            line.append(next)
            if line.count > limit { return nil }
        }
        return nil
    }

    var remaining: ArraySlice<UInt8> { buffer[index...] }
}

/// What a successful bootstrap learned.
struct BootstrapReport: Sendable {
    /// The gateway_base sent (nil in import mode).
    var gatewayBase: GatewayBase?
    /// The remote's Python, when the probe asked for it.
    var python: PythonVersion?
    var implementation: String?
}

/// The body of a gateway's receiver thread: the bootstrap exchange, then
/// the message loop until termination or end of stream.
struct Receiver {
    let core: GatewayCore
    let mode: BootstrapMode
    let execmodel: String

    func run(reportBootstrap: @Sendable (Result<BootstrapReport, GatewayError>) -> Void) {
        var reader = BootstrapReader(transport: core.transport)
        let report: BootstrapReport
        do {
            report = try bootstrap(&reader)
        } catch {
            core.transport.kill()
            core.receiverFinished(reason: "bootstrap failed")
            core.transport.closeRead()
            core.transport.closeWrite()
            core.receiverDone()
            reportBootstrap(.failure(error))
            return
        }
        reportBootstrap(.success(report))
        var frames = FrameReader()
        frames.append(reader.remaining)
        let reason = messageLoop(&frames)
        core.trace("receiver finished: \(reason ?? "terminated")")
        core.receiverFinished(reason: reason)
        core.transport.closeRead()
        core.transport.closeWrite()
        core.receiverDone()
    }

    private func bootstrap(_ reader: inout BootstrapReader) throws(GatewayError) -> BootstrapReport {
        let id = core.id
        var report = BootstrapReport()
        var line: [UInt8]
        var requirement = ""
        switch mode {
        case .matching(let bases):
            try write(BootstrapLines.probe)
            let reply: [UInt8]?
            do {
                reply = try reader.line(limit: 256)
            } catch {
                throw failure("reading the probe reply failed: \(error)")
            }
            guard let reply else { throw failure("the remote ended before answering the version probe") }
            let text = String(decoding: reply, as: UTF8.self)
            guard let (python, implementation) = BootstrapLines.parseProbeReply(text) else {
                throw failure("unexpected answer to the version probe: \(pythonRepr(text))")
            }
            report.python = python
            report.implementation = implementation
            guard let base = BootstrapLines.choose(from: bases, for: python) else {
                let offered = bases.map { "\($0.version ?? "?") needs Python \($0.minimumPython.major).\($0.minimumPython.minor)+" }
                throw GatewayError(
                    .pythonTooOld(
                        python: "\(python) (\(implementation))",
                        detail: "no gateway_base at hand runs on it (" + offered.joined(separator: "; ") + ")"),
                    gatewayID: id)
            }
            report.gatewayBase = base
            line = BootstrapLines.exec(base, id: id, execmodel: execmodel)
        case .exact(let base):
            report.gatewayBase = base
            requirement = "; gateway_base \(base.version ?? "(unknown version)") needs Python "
                + "\(base.minimumPython.major).\(base.minimumPython.minor) or newer"
            line = BootstrapLines.exec(base, id: id, execmodel: execmodel)
        case .importing(let directory):
            line = BootstrapLines.importing(directory: directory, id: id, execmodel: execmodel)
            requirement = "; import mode needs execnet importable by the remote Python"
        }
        try write(line)
        let acknowledgement: UInt8?
        do {
            acknowledgement = try reader.byte()
        } catch {
            throw failure("reading the acknowledgement failed: \(error)" + requirement)
        }
        guard let acknowledgement else {
            throw failure("the remote ended before acknowledging the bootstrap" + requirement)
        }
        guard acknowledgement == UInt8(ascii: "1") else {
            throw failure("expected the acknowledgement byte '1', got \(pythonRepr(String(decoding: [acknowledgement], as: UTF8.self)))")
        }
        return report
    }

    private func write(_ line: [UInt8]) throws(GatewayError) {
        do {
            try core.transport.write(line)
        } catch {
            throw failure("sending the bootstrap failed: \(error)")
        }
    }

    /// A bootstrap failure with the remote's exit status and stderr tail,
    /// waiting briefly for the process to end so both are known.
    private func failure(_ detail: String) -> GatewayError {
        var status = core.transport.exitStatus
        var waited = 0
        while status == nil && waited < 200 {
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
            waited += 1
            status = core.transport.exitStatus
        }
        return GatewayError(
            .bootstrapFailed(status: status, detail: detail, stderrTail: core.transport.diagnostics), gatewayID: core.id)
    }

    /// Returns why the loop ended: nil after GATEWAY_TERMINATE.
    private func messageLoop(_ frames: inout FrameReader) -> String? {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 1)
        defer { chunk.deallocate() }
        do {
            while true {
                while let message = try frames.next() {
                    if try handle(message) { return nil }
                }
                let count = try core.transport.read(into: chunk)
                if count == 0 {
                    if frames.bufferedByteCount > 0 {
                        return "connection lost in the middle of a message (\(frames.bufferedByteCount) bytes of it received)"
                    }
                    return "connection lost: the remote closed its output without terminating"
                }
                frames.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            }
        } catch let error as FrameError {
            core.trace("protocol violation: \(error)")
            core.transport.kill()
            return "protocol violation: \(error)"
        } catch let error as GatewayError {
            core.trace("\(error)")
            core.transport.kill()
            return "\(error)"
        } catch {
            return "connection lost: \(error)"
        }
    }

    /// Runs one message's handler; true when the peer asked to terminate.
    private func handle(_ message: Message) throws -> Bool {
        if core.tracer.isEnabled {
            core.trace("received \(message.type) channel=\(message.channelID) lendata=\(message.payload.count)")
        }
        switch message.type {
        case .channelData:
            try core.dataReceived(channelID: message.channelID, payload: message.payload)
        case .channelClose:
            core.remoteClosed(message.channelID, error: nil, sendOnly: false)
        case .channelCloseError:
            let text: String
            switch try? DumpDecoder().decode(message.payload) {
            case .str(let value)?, .unicode(let value)?: text = value
            case .py2str(let bytes)?: text = String(decoding: bytes, as: UTF8.self)
            default:
                throw GatewayError(.protocolViolation(detail: "CHANNEL_CLOSE_ERROR without error text"), gatewayID: core.id)
            }
            core.remoteClosed(message.channelID, error: RemoteError(formatted: text), sendOnly: false)
        case .channelLastMessage:
            core.remoteClosed(message.channelID, error: nil, sendOnly: true)
        case .gatewayTerminate:
            return true
        case .reconfigure:
            guard case .tuple(let pair)? = try? DumpDecoder().decode(message.payload), pair.count == 2,
                let first = pair[0].boolValue, let second = pair[1].boolValue
            else {
                throw GatewayError(.protocolViolation(detail: "RECONFIGURE without a pair of booleans"), gatewayID: core.id)
            }
            let coercion = StringCoercion(py2strAsPy3str: first, py3strAsPy2str: second)
            if message.channelID == 0 {
                core.coercion = coercion
            } else if let record = core.channel(id: message.channelID) {
                core.setCoercion(coercion, of: record)
            }
        case .channelExec:
            // A host runs no code for its peer, as stock's host refuses.
            if let record = core.channel(id: message.channelID) {
                try? core.close(record, error: "execution disallowed")
            }
        case .status:
            let reply: PyValue = .dict([
                .str("numchannels"): .int(PyInt(core.openChannelCount)),
                .str("numexecuting"): .int(0),
                .str("execmodel"): .str(execmodel),
            ])
            try? core.sendData(channelID: message.channelID, value: reply)
            try? core.send(.channelClose, channelID: message.channelID)
        }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
