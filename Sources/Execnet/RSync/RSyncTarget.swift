/// One destination of an ``RSync``: the channel to stock's `rsync_remote`
/// on its gateway, and the host's half of the protocol for it.
final class RSyncTarget: Sendable {
    let gatewayID: String
    private let channel: Channel
    private let finished: (@Sendable () -> Void)?

    /// A target on a channel whose remote code is already running (tests
    /// drive hostile remotes this way).
    init(gatewayID: String, channel: Channel, finished: (@Sendable () -> Void)?) {
        self.gatewayID = gatewayID
        self.channel = channel
        self.finished = finished
    }

    /// As stock's `add_target`: the remote module from the gateway's own
    /// stock release, the channel reconfigured so that no text changes type
    /// on the way, then the destination and the options.
    static func start(
        on gateway: Gateway, destination: String, delete: Bool, finished: (@Sendable () -> Void)?
    ) async throws -> RSyncTarget {
        let channel = try await gateway.remoteExec(stockModule: "rsync_remote.py")
        try await channel.reconfigure(py2strAsPy3str: false, py3strAsPy2str: false)
        let options: PyDict = delete ? [.str("delete"): .bool(true)] : [:]
        try await channel.send(.tuple([.str(destination), .dict(options)]))
        return RSyncTarget(gatewayID: gateway.id, channel: channel, finished: finished)
    }

    /// Ends the remote side early (it reads end of channel and stops).
    func abandon() {
        try? channel.close()
    }

    /// The structure, then the remote's requests until it reports done.
    func run(tree: SourceTree, bodies: FileBodies, progress: (@Sendable (RSync.Event) -> Void)?) async throws {
        for block in tree.encodedStructure { try await send(encodedItems: block) }
        var sizes: [[UInt8]: Int] = [:]
        var requestedBytes = 0
        while true {
            let message = try await receive()
            guard case .tuple(let parts) = message, parts.count == 2, let tag = Self.text(parts[0]) else {
                throw violation("expected a (command, argument) tuple, got \(message)")
            }
            switch tag {
            case "send":
                guard let request = parts[1].items, request.count == 2, let components = request[0].items,
                    let names = Optional(components.compactMap(Self.text)), names.count == components.count
                else { throw violation("malformed send request \(parts[1])") }
                let checksum = request[1].bytesValue
                let relative = names.joined(separator: "/")
                let path = names.reduce(tree.root, PythonPosixPath.join)
                let body = await bodies.acquire(path)
                sizes[Array(relative.utf8)] = body.count
                var unchanged = body.dump == nil
                if body.dump != nil {
                    requestedBytes += body.count
                    if let checksum, await body.md5() == checksum {
                        unchanged = true
                    } else {
                        progress?(.sending(gatewayID: gatewayID, path: relative, bytes: body.count))
                    }
                }
                do {
                    if unchanged {
                        try await send(.none)
                    } else {
                        try await send(encoded: body.dump!)
                    }
                } catch {
                    await bodies.release(path)
                    throw error
                }
                await bodies.release(path)
            case "list_done":
                progress?(.listed(gatewayID: gatewayID, bytes: requestedBytes))
            case "ack":
                guard let relative = Self.text(parts[1]) else { throw violation("malformed ack \(parts[1])") }
                progress?(.acknowledged(gatewayID: gatewayID, path: relative, bytes: sizes[Array(relative.utf8)] ?? 0))
            case "links":
                try await send(encodedItems: tree.encodedLinks)
            case "done":
                finished?()
                do {
                    try await channel.waitClose()
                } catch {
                    throw failure(error)
                }
                return
            default:
                throw violation("unknown command \(pythonRepr(tag))")
            }
        }
    }

    private func send(_ item: PyValue) async throws {
        try await sending { try await channel.send(item) }
    }

    private func send(encoded dump: [UInt8]) async throws {
        try await sending { try await channel.send(encoded: dump) }
    }

    private func send(encodedItems dumps: [[UInt8]]) async throws {
        try await sending { try await channel.send(encodedItems: dumps) }
    }

    private func sending(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw failure(error)
        }
    }

    private func receive() async throws -> PyValue {
        do {
            return try await channel.receive()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw failure(error)
        }
    }

    private func failure(_ error: any Error) -> RSyncError {
        if let error = error as? RemoteError {
            return RSyncError(.targetFailed(detail: "the remote failed: \(error.formatted)"), gatewayID: gatewayID, underlying: error)
        }
        if let error = error as? ChannelError, error.kind == .endOfChannel {
            return RSyncError(.targetFailed(detail: "connection unexpectedly closed"), gatewayID: gatewayID, underlying: error)
        }
        return RSyncError(.targetFailed(detail: "\(error)"), gatewayID: gatewayID, underlying: error)
    }

    private func violation(_ detail: String) -> RSyncError {
        RSyncError(.protocolViolation(detail: detail), gatewayID: gatewayID)
    }

    /// A command or name: text, or (from a Python 2 remote, whose plain
    /// strings arrive as bytes on this channel) ASCII bytes.
    private static func text(_ value: PyValue) -> String? {
        if let text = value.stringValue { return text }
        if let bytes = value.bytesValue { return String(validating: bytes, as: UTF8.self) }
        return nil
    }
}
