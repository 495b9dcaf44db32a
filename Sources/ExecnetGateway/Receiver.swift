import ExecnetTransport
import ExecnetWire

/// Everything the I/O thread reads, in order: the bootstrap's answers (the
/// probe's line, the acknowledgement byte), then messages for the core's
/// handlers. Its state is touched by the I/O thread only.
final class Receiver: @unchecked Sendable {
    private enum Phase {
        case probeReply([UInt8])
        case acknowledgement
        case messages
        case terminated
    }

    let core: GatewayCore
    let probeReply = Waiter<String>()
    let acknowledged = Waiter<Void>()
    private var phase: Phase
    private var frames = FrameReader()
    private let onEnd: @Sendable () -> Void

    static let probeReplyLimit = 4096

    init(core: GatewayCore, expectsProbeReply: Bool, onEnd: @escaping @Sendable () -> Void) {
        self.core = core
        self.phase = expectsProbeReply ? .probeReply([]) : .acknowledgement
        self.onEnd = onEnd
    }

    func start() {
        core.connection.start(
            onBytes: { [self] bytes in received(bytes) },
            onEnd: { [self] end in ended(end) })
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        while !rest.isEmpty {
            switch phase {
            case .probeReply(var line):
                if let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
                    line.append(contentsOf: rest[..<newline])
                    rest = rest[(newline + 1)...]
                    phase = .acknowledgement
                    probeReply.resume(returning: String(decoding: line, as: UTF8.self))
                } else {
                    line.append(contentsOf: rest)
                    rest = rest[rest.endIndex...]
                    if line.count > Self.probeReplyLimit {
                        fail("the version probe's answer is longer than \(Self.probeReplyLimit) bytes")
                        return
                    }
                    phase = .probeReply(line)
                }
            case .acknowledgement:
                let byte = rest[rest.startIndex]
                rest = rest.dropFirst()
                guard byte == UInt8(ascii: "1") else {
                    let shown = pythonRepr(String(decoding: [byte], as: UTF8.self))
                    fail("expected the acknowledgement byte '1', got \(shown)")
                    return
                }
                phase = .messages
                acknowledged.resume(returning: ())
            case .messages:
                frames.append(UnsafeRawBufferPointer(rebasing: rest))
                rest = rest[rest.endIndex...]
                dispatchFrames()
            case .terminated:
                return
            }
        }
    }

    private func dispatchFrames() {
        do {
            while let message = try frames.next() {
                if try core.handle(message) {
                    phase = .terminated
                    core.receiverFinished(reason: nil)
                    core.connection.abort("the remote sent GATEWAY_TERMINATE")
                    return
                }
            }
        } catch {
            let reason = error is FrameError ? "protocol violation: \(error)" : "\(error)"
            core.trace(reason)
            phase = .terminated
            core.receiverFinished(reason: reason)
            core.transport.process?.kill()
            core.connection.abort(reason)
        }
    }

    private func fail(_ detail: String) {
        let problem = BootstrapInterrupted(detail: detail)
        probeReply.resume(throwing: problem)
        acknowledged.resume(throwing: problem)
        phase = .terminated
        core.connection.abort(detail)
    }

    private func ended(_ end: ConnectionEnd) {
        let reason: String
        switch end {
        case .endOfStream:
            if frames.bufferedByteCount > 0 {
                reason = "connection lost in the middle of a message (\(frames.bufferedByteCount) bytes of it received)"
            } else {
                reason = "connection lost: the remote closed its output without terminating"
            }
        case .failed(let error): reason = "connection lost: \(error)"
        case .aborted(let why): reason = why
        }
        switch phase {
        case .probeReply:
            probeReply.resume(throwing: BootstrapInterrupted(detail: "the remote ended before answering the version probe"))
            acknowledged.resume(throwing: BootstrapInterrupted(detail: "the remote ended before answering the version probe"))
        case .acknowledgement:
            acknowledged.resume(throwing: BootstrapInterrupted(detail: "the remote ended before acknowledging the bootstrap"))
        case .messages, .terminated:
            break
        }
        core.trace("receiver finished: \(reason)")
        core.receiverFinished(reason: reason)
        core.receiverDone()
        onEnd()
    }
}

/// The bootstrap could not finish; the opener adds the exit status and
/// stderr tail.
struct BootstrapInterrupted: Error {
    let detail: String
}
