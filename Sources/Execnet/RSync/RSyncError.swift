/// Why an ``RSync`` could not start or a target failed.
public struct RSyncError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `send()` with no targets, or a second time (stock: the same).
        case noTargets
        /// `addTarget` or `send()` while a `send()` is running.
        case sendInProgress
        /// The source tree holds something stock's protocol cannot carry: a
        /// name that is not UTF-8, or a file that is neither a regular file,
        /// a directory nor a symlink (fifo, socket, device).
        case cannotSync(path: String, reason: String)
        /// The source could not be listed.
        case cannotRead(path: String, reason: String)
        /// The target's remote sent what the protocol does not allow.
        case protocolViolation(detail: String)
        /// The target's channel or gateway ended before it reported done.
        case targetFailed(detail: String)
    }

    public let kind: Kind
    /// The target's gateway id, when the error is one target's.
    public let gatewayID: String?
    /// The underlying error, when there is one (a `RemoteError`, a `ChannelError`).
    public let underlying: (any Error)?

    init(_ kind: Kind, gatewayID: String? = nil, underlying: (any Error)? = nil) {
        self.kind = kind
        self.gatewayID = gatewayID
        self.underlying = underlying
    }

    public var description: String {
        let target = gatewayID.map { "rsync target \(pythonRepr($0)): " } ?? "rsync: "
        switch kind {
        case .noTargets: return target + "no targets available, maybe send() was called twice"
        case .sendInProgress: return target + "a send() is running: add targets and send again after it returns"
        case .cannotSync(let path, let reason): return target + "cannot sync \(path): \(reason)"
        case .cannotRead(let path, let reason): return target + "cannot list \(path): \(reason)"
        case .protocolViolation(let detail): return target + "protocol violation: \(detail)"
        case .targetFailed(let detail): return target + detail
        }
    }
}

/// Every target that failed in one `send()`, after all targets ended.
public struct RSyncFailures: Error, Sendable, CustomStringConvertible {
    /// One error per failed target, in the order the targets were added.
    public let errors: [RSyncError]

    public var description: String {
        errors.count == 1
            ? errors[0].description
            : "\(errors.count) rsync targets failed:\n" + errors.map { "  \($0)" }.joined(separator: "\n")
    }
}
