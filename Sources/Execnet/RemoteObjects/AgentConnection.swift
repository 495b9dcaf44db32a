import ExecnetGateway
import ExecnetWire
import ExecnetTransport

/// The host's end of one agent: numbers requests and matches replies to
/// them, keeps the host callbacks the agent may call, and batches the
/// releases of dropped proxies. Replies are handled on the gateway's I/O
/// thread and never wait there.
final class AgentConnection: Sendable {
    let channel: Channel
    let gatewayID: String
    let gcEnabled: Bool
    let gcInterval: Duration
    /// Nothing that may hold a proxy (a callback, above all) is ever
    /// released while this is locked: a proxy's release locks it again.
    private let state = Locked(State())

    private enum Slot {
        case reserved
        case waiting(CheckedContinuation<AgentReply, any Error>)
        case arrived(Result<AgentReply, any Error>)
    }

    private struct State {
        /// Request 0 is the agent's "ready" message.
        var pending: [Int: Slot] = [0: .reserved]
        var nextRequest = 1
        var callbacks: [Int: RemoteCallback] = [:]
        var nextCallback = 1
        var releases: [Int: Int] = [:]
        var flushScheduled = false
        var releaseMessages = 0
        var ended: RemoteObjectError?
    }

    init(channel: Channel, gcEnabled: Bool, gcInterval: Duration) throws {
        self.channel = channel
        self.gatewayID = channel.gateway.id
        self.gcEnabled = gcEnabled
        self.gcInterval = gcInterval
        try channel.setEventHandler { [weak self] event in
            guard let self else { return }
            switch event {
            case .item(let item): self.dispatch(item)
            case .end: self.lost()
            }
        }
    }

    /// The Python major version the agent reported once it started.
    func waitReady() async throws -> Int {
        guard case .value(let major) = try await reply(to: 0), let number = major.intValue else {
            throw error(.protocolViolation, "the agent's first message is not its version")
        }
        return number
    }

    // MARK: Requests

    /// Sends `(id, operation, arguments…)` and waits for its reply. A remote
    /// exception throws ``RemoteError``; cancelling stops the wait (an object
    /// the agent sends back later is released).
    /// `held` are the handles of objects named in `arguments`: kept until the
    /// reply, so that no release of them reaches the agent first.
    func request(_ operation: String, _ arguments: [PyValue], holding held: [ObjectHandle] = []) async throws -> AgentReply {
        defer { withExtendedLifetime(held) {} }
        return try await reply(to: try await submit(operation, arguments))
    }

    /// Calls the attribute chain `path` of the held object `object` with
    /// `arguments` (`[args]`, `[kwargs]`, both optional), in the request's
    /// short form `(id, object, path, …)`: the commonest request, and the
    /// fewer items the remote's loader has to build, the sooner it answers.
    func call(_ object: Int, path: PyValue, _ arguments: [PyValue], holding held: [ObjectHandle]) async throws -> AgentReply {
        defer { withExtendedLifetime(held) {} }
        var message: [PyValue] = [.int(PyInt(object)), path]
        message.append(contentsOf: arguments)
        return try await reply(to: try await submit(message))
    }

    /// Sends `(id, operation, arguments…)` and returns its id once the
    /// request is queued, so ahead of anything sent after it: a request that
    /// names a new channel must reach the remote before that channel's data,
    /// which stock's gateway drops while it does not know the channel. Every
    /// id returned must be waited on with ``reply(to:)``.
    func submit(_ operation: String, _ arguments: [PyValue]) async throws -> Int {
        var message: [PyValue] = [.str(operation)]
        message.append(contentsOf: arguments)
        return try await submit(message)
    }

    /// Sends `(id, parts…)`, returning the id once the request is queued.
    private func submit(_ parts: [PyValue]) async throws -> Int {
        let id = try reserve()
        var message: [PyValue] = [.int(PyInt(id))]
        message.append(contentsOf: parts)
        do {
            try await channel.send(.tuple(PyItems(message)))
        } catch {
            discard(id)
            if let ended = state.withLock({ $0.ended }) { throw ended }
            throw error
        }
        return id
    }

    private func reserve() throws -> Int {
        try state.withLock { state in
            if let ended = state.ended { throw ended }
            let id = state.nextRequest
            state.nextRequest += 1
            state.pending[id] = .reserved
            return id
        }
    }

    private func discard(_ id: Int) {
        state.withLock { _ = $0.pending.removeValue(forKey: id) }
    }

    /// Waits for the reply to the request `id` (from ``submit(_:_:)``).
    func reply(to id: Int) async throws -> AgentReply {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<AgentReply, any Error>? = state.withLock { state in
                    switch state.pending[id] {
                    case .arrived(let result):
                        state.pending[id] = nil
                        return result
                    case .reserved:
                        state.pending[id] = .waiting(continuation)
                        return nil
                    case .waiting, nil:
                        return .failure(CancellationError())
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let continuation: CheckedContinuation<AgentReply, any Error>? = state.withLock { state in
                guard let slot = state.pending.removeValue(forKey: id) else { return nil }
                if case .waiting(let continuation) = slot { return continuation }
                if case .arrived(.success(.object(let object, _))) = slot { state.releases[object, default: 0] += 1 }
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    private func complete(_ id: Int, with result: Result<AgentReply, any Error>) {
        let continuation: CheckedContinuation<AgentReply, any Error>? = state.withLock { state in
            switch state.pending[id] {
            case .reserved:
                state.pending[id] = .arrived(result)
                return nil
            case .waiting(let continuation):
                state.pending[id] = nil
                return continuation
            case .arrived, nil:
                // Nobody waits any more (cancelled): give back what it held.
                if case .success(.object(let object, _)) = result { state.releases[object, default: 0] += 1 }
                return nil
            }
        }
        continuation?.resume(with: result)
    }

    // MARK: Messages from the agent

    private func dispatch(_ item: PyValue) {
        guard let parts = item.items, parts.count >= 2 else { return violation(item) }
        if let id = parts[0].intValue {
            if parts.count == 2 { return complete(id, with: .success(.value(parts[1]))) }
            guard let tag = parts[1].agentText else { return violation(item) }
            switch (tag, parts.count) {
            case ("o", 4):
                guard let object = parts[2].intValue else { return violation(item) }
                complete(id, with: .success(.object(id: object, typeName: parts[3].agentText ?? "object")))
            case ("e", 3):
                let text = parts[2].agentText ?? "\(parts[2])"
                complete(id, with: .failure(RemoteError(formatted: text, gatewayID: gatewayID, channelID: channel.id)))
            case ("i", 4):
                guard let items = parts[2].items, let finished = parts[3].boolValue else { return violation(item) }
                complete(id, with: .success(.items(items, finished: finished)))
            default: violation(item)
            }
            return
        }
        switch parts[0].agentText {
        case "ready": complete(0, with: .success(.value(parts[1])))
        case "call" where parts.count == 5:
            guard let number = parts[2].intValue, let args = parts[3].items, let named = parts[4].items else {
                return violation(item)
            }
            call(number, answering: parts[1], positional: args, named: named)
        case "drop":
            let numbers = parts[1].items?.compactMap(\.intValue) ?? []
            // Released after the lock: a closure may hold the last copy of a
            // proxy, whose release takes the lock again.
            let dropped = state.withLock { state in numbers.compactMap { state.callbacks.removeValue(forKey: $0) } }
            withExtendedLifetime(dropped) {}
        default: violation(item)
        }
    }

    private func violation(_ item: PyValue) {
        let failure = error(.protocolViolation, "the agent sent \(item), which is no message of its protocol")
        end(with: failure)
        try? channel.close(error: failure.description)
    }

    /// The agent's channel ended: every outstanding request fails, naming
    /// the gateway and, when the agent or gateway failed, why.
    private func lost() {
        let alreadyEnded = state.withLock { state in
            if state.ended != nil { return true }
            state.ended = error(.connectionLost, "the agent's channel closed")
            return false
        }
        if alreadyEnded { return }
        let channel = self.channel
        Task {
            var reason = "the agent's channel closed"
            do {
                try await channel.waitClose(timeout: .seconds(2))
            } catch {
                reason = "the agent ended: \(error)"
            }
            if let gatewayReason = channel.gateway.endReason { reason = "the gateway ended (\(gatewayReason))" }
            self.end(with: self.error(.connectionLost, reason), replacing: true)
        }
    }

    /// Fails every outstanding request with `failure`; later requests fail with it too.
    func end(with failure: RemoteObjectError, replacing: Bool = false) {
        let (waiting, callbacks) = state.withLock { state -> ([CheckedContinuation<AgentReply, any Error>], [Int: RemoteCallback]) in
            if state.ended == nil || replacing { state.ended = failure }
            var waiting: [CheckedContinuation<AgentReply, any Error>] = []
            for (id, slot) in state.pending {
                switch slot {
                case .waiting(let continuation):
                    waiting.append(continuation)
                    state.pending[id] = nil
                case .reserved: state.pending[id] = .arrived(.failure(failure))
                case .arrived: break
                }
            }
            let callbacks = state.callbacks
            state.callbacks = [:]
            state.releases.removeAll()
            return (waiting, callbacks)
        }
        // Dropped here, outside the lock (see "drop").
        withExtendedLifetime(callbacks) {}
        for continuation in waiting { continuation.resume(throwing: failure) }
    }

    var isEnded: Bool { state.withLock { $0.ended != nil } }

    func error(_ code: RemoteObjectError.Code, _ message: String) -> RemoteObjectError {
        RemoteObjectError(code, message, gatewayID: gatewayID)
    }

    // MARK: Callbacks

    func register(_ callback: RemoteCallback) -> Int {
        state.withLock { state in
            let number = state.nextCallback
            state.nextCallback += 1
            state.callbacks[number] = callback
            return number
        }
    }

    private func call(_ number: Int, answering callID: PyValue, positional: PyItems, named: PyItems) {
        let callback = state.withLock { $0.callbacks[number] }
        Task {
            var answer: PyValue
            do {
                guard let callback else { throw error(.protocolViolation, "the agent called unknown callback \(number)") }
                let arguments = try RemoteCallArguments(
                    positional: positional.map { try self.object(wrapped: $0) },
                    keywords: stride(from: 0, to: named.count - 1, by: 2).map { index in
                        (named[index].agentText ?? "\(named[index])", try self.object(wrapped: named[index + 1]))
                    })
                let result = try await callback.body(arguments)
                var held: [ObjectHandle] = []
                answer = .tuple([0, "answer", callID, true, try result.remoteArgument.tagged(self, holding: &held)])
                try await channel.send(answer)
                withExtendedLifetime(held) {}
                return
            } catch {
                answer = .tuple([0, "answer", callID, false, .str(String(describing: error))])
            }
            do {
                try await channel.send(answer)
            } catch {
                // The agent is gone; its caller ended with it.
            }
        }
    }

    /// A proxy or value for an item the agent wrapped (`("v", x)` or `("o", id, type)`).
    func object(wrapped: PyValue) throws -> RemoteObject {
        guard let parts = wrapped.items, let tag = parts.first?.agentText else {
            throw error(.protocolViolation, "\(wrapped) is not a wrapped object")
        }
        switch (tag, parts.count) {
        case ("v", 2): return RemoteObject(connection: self, value: parts[1])
        case ("o", 3):
            guard let id = parts[1].intValue else { break }
            return RemoteObject(handle: ObjectHandle(id: id, typeName: parts[2].agentText ?? "object", connection: self))
        default: break
        }
        throw error(.protocolViolation, "\(wrapped) is not a wrapped object")
    }

    /// The result of a request as an object.
    func object(from reply: AgentReply) throws -> RemoteObject {
        switch reply {
        case .value(let value): return RemoteObject(connection: self, value: value)
        case .object(let id, let typeName):
            return RemoteObject(handle: ObjectHandle(id: id, typeName: typeName, connection: self))
        case .items: throw error(.protocolViolation, "a batch of items where an object was expected")
        }
    }

    // MARK: Releases

    /// One proxy of object `id` was dropped.
    func queueRelease(_ id: Int) {
        let schedule = state.withLock { state -> Bool in
            guard state.ended == nil else { return false }
            state.releases[id, default: 0] += 1
            guard gcEnabled, !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        guard schedule else { return }
        let interval = gcInterval
        Task { [weak self] in
            try? await Task.sleep(for: interval)
            self?.flushReleases()
        }
    }

    /// Sends every queued release in one message, at once.
    func flushReleases() {
        let flat: [PyValue] = state.withLock { state in
            state.flushScheduled = false
            guard state.ended == nil, !state.releases.isEmpty else { return [] }
            var flat: [PyValue] = []
            flat.reserveCapacity(state.releases.count * 2)
            for (id, count) in state.releases {
                flat.append(.int(PyInt(id)))
                flat.append(.int(PyInt(count)))
            }
            state.releases.removeAll(keepingCapacity: true)
            state.releaseMessages += 1
            return flat
        }
        guard !flat.isEmpty else { return }
        try? channel.sendNow(.tuple([0, "release", .list(PyItems(flat))]))
    }

    /// Release messages sent so far, and releases queued but not yet sent.
    var releaseCounts: (messages: Int, queued: Int) {
        state.withLock { ($0.releaseMessages, $0.releases.values.reduce(0, +)) }
    }

    /// Closes the agent's channel: outstanding requests fail, the agent ends
    /// and its table (every object this host held) goes with it.
    func close() {
        end(with: error(.closed, "the connection was closed"))
        try? channel.close()
    }
}
