import ExecnetTransport

/// An exception raised by code running on the remote side, carrying the
/// formatted traceback text it sent (execnet's `RemoteError`).
public struct RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    public let formatted: String

    public init(formatted: String) {
        self.formatted = formatted
    }

    public var description: String { formatted }
}

/// A failure of a channel operation. Its description names the channel and
/// its gateway.
public struct ChannelError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No item (or close) within the given time.
        case timeout(Duration)
        /// The channel is closed and every item has been received; with a
        /// `reason` when the gateway itself ended (execnet's EOFError).
        case endOfChannel
        /// Sending on a channel closed on this side.
        case closed
        /// `receive` on a channel that delivers to a callback.
        case callbackRegistered
    }

    public let kind: Kind
    public let channelID: Int32
    public let gatewayID: String
    /// Why the gateway ended, when it ended without terminating normally.
    public let reason: String?

    public var description: String {
        let subject = "channel \(channelID) of gateway \(pythonRepr(gatewayID))"
        switch kind {
        case .timeout(let duration): return "\(subject): no item within \(duration)"
        case .endOfChannel:
            if let reason { return "\(subject): end of channel, gateway ended: \(reason)" }
            return "\(subject): end of channel"
        case .closed: return "\(subject) is closed"
        case .callbackRegistered: return "\(subject) delivers to a callback; receive is not available"
        }
    }
}

/// A failure to start, bootstrap or talk to a gateway. Its description names
/// the gateway.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The interpreter could not be started.
        case cannotStart(program: String, detail: String)
        /// The remote ended, or said something else, before acknowledging the bootstrap.
        case bootstrapFailed(status: ExitStatus?, detail: String, stderrTail: String)
        /// No gateway_base version at hand runs on the remote Python.
        case pythonTooOld(python: String, detail: String)
        /// The remote sent bytes that are not execnet messages.
        case protocolViolation(detail: String)
        /// Sending failed: the gateway has ended or its connection broke.
        case notConnected(detail: String)
        /// A value that must not be sent (checked before anything is written).
        case unsendable(detail: String)
        /// The spec cannot be served by this host.
        case unsupportedSpec(detail: String)
        /// No gateway_base source could be found or fetched.
        case gatewayBaseUnavailable(detail: String)
    }

    public let kind: Kind
    public let gatewayID: String

    public init(_ kind: Kind, gatewayID: String) {
        self.kind = kind
        self.gatewayID = gatewayID
    }

    public var description: String {
        let subject = "gateway \(pythonRepr(gatewayID))"
        switch kind {
        case .cannotStart(let program, let detail):
            return "\(subject): cannot start interpreter \(pythonRepr(program)): \(detail)"
        case .bootstrapFailed(let status, let detail, let tail):
            var text = "\(subject): bootstrap failed: \(detail)"
            if let status { text += " (\(status))" }
            let trimmed = tail.split(separator: "\n", omittingEmptySubsequences: true).suffix(15)
            if !trimmed.isEmpty { text += "\nremote stderr (tail):\n" + trimmed.joined(separator: "\n") }
            return text
        case .pythonTooOld(let python, let detail):
            return "\(subject): Python \(python) is too old: \(detail)"
        case .protocolViolation(let detail):
            return "\(subject): protocol violation: \(detail)"
        case .notConnected(let detail):
            return "\(subject): not connected: \(detail)"
        case .unsupportedSpec(let detail):
            return "\(subject): \(detail)"
        case .unsendable(let detail):
            return "\(subject): cannot send: \(detail)"
        case .gatewayBaseUnavailable(let detail):
            return "\(subject): no gateway_base source: \(detail)"
        }
    }
}
