import ExecnetTransport

/// An exception raised by code running on the remote side (execnet's
/// `RemoteError`): the traceback text it sent, with the exception's type
/// and message read from its last line, and the gateway and channel it
/// arrived on.
public struct RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The full formatted traceback, as the remote sent it.
    public let formatted: String
    public let gatewayID: String?
    public let channelID: Int32?

    public init(formatted: String, gatewayID: String? = nil, channelID: Int32? = nil) {
        self.formatted = formatted
        self.gatewayID = gatewayID
        self.channelID = channelID
    }

    /// The exception's type name (`ValueError`, `mymodule.Oops`), when the
    /// text ends in a `Type: message` line; nil for a bare close error text.
    public var typeName: String? { Self.split(lastLine).type }

    /// The exception's message (`boom`); the whole last line when no type is found.
    public var message: String {
        let line = lastLine
        return Self.split(line).type == nil ? line : Self.split(line).message
    }

    /// Just the traceback text.
    public var traceback: String { formatted }

    private var lastLine: String {
        formatted.split(separator: "\n", omittingEmptySubsequences: true).last.map(String.init) ?? ""
    }

    private static func split(_ line: String) -> (type: String?, message: String) {
        let head = line.prefix { $0 != ":" }
        let isName = !head.isEmpty && head.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            && head.first.map { !$0.isNumber } == true
        guard isName else { return (nil, line) }
        if head.count == line.count { return (String(head), "") }
        var rest = line.dropFirst(head.count + 1)
        if rest.first == " " { rest = rest.dropFirst() }
        return (String(head), String(rest))
    }

    public var description: String { formatted }

    public static func == (a: RemoteError, b: RemoteError) -> Bool { a.formatted == b.formatted }
}

/// A failure of a channel operation. Its description names the channel and
/// its gateway.
public struct ChannelError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No item (or close) within the given time (see ``ChannelError/timeout``).
        case timeout
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
    /// The time that passed, for a timeout.
    public let timeout: Duration?

    public init(kind: Kind, channelID: Int32, gatewayID: String, reason: String? = nil, timeout: Duration? = nil) {
        self.kind = kind
        self.channelID = channelID
        self.gatewayID = gatewayID
        self.reason = reason
        self.timeout = timeout
    }

    public var description: String {
        let subject = "channel \(channelID) of gateway \(pythonRepr(gatewayID))"
        switch kind {
        case .timeout: return "\(subject): timed out\(timeout.map { " after \($0)" } ?? "")"
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
        /// The bootstrap timeout passed while waiting for `awaited`; the process was killed.
        case bootstrapTimedOut(program: String, awaited: String, after: Duration, status: ExitStatus?, stderrTail: String)
        /// The remote host could not be found or reached: ssh exited with
        /// status 255 before the bootstrap was acknowledged, or a socket
        /// address does not resolve (stock's HostNotFound).
        case hostNotFound(address: String, detail: String, stderrTail: String)
        /// A TCP connection could not be made (refused, unreachable, timed out).
        case cannotConnect(address: String, detail: String)
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
        case .bootstrapTimedOut(let program, let awaited, let after, let status, let tail):
            var text = "\(subject): bootstrap of \(pythonRepr(program)) timed out after \(after) waiting for \(awaited); the process was killed"
            if let status { text += " (\(status))" }
            let trimmed = tail.split(separator: "\n", omittingEmptySubsequences: true).suffix(15)
            if !trimmed.isEmpty { text += "\nremote stderr (tail):\n" + trimmed.joined(separator: "\n") }
            return text
        case .hostNotFound(let address, let detail, let tail):
            var text = "\(subject): host not found: \(pythonRepr(address)): \(detail)"
            let trimmed = tail.split(separator: "\n", omittingEmptySubsequences: true).suffix(15)
            if !trimmed.isEmpty { text += "\nstderr (tail):\n" + trimmed.joined(separator: "\n") }
            return text
        case .cannotConnect(let address, let detail):
            return "\(subject): cannot connect to \(address): \(detail)"
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
