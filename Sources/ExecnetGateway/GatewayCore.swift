import ExecnetTransport
import ExecnetWire

/// The message state machine of one gateway: its connection, its channel
/// table, and the locked state that callers and the I/O thread share.
/// Sending is here; waiting is in GatewayCore+Waiting, callbacks in
/// GatewayCore+Callbacks, and what arrives in MessageHandlers.
final class GatewayCore: Sendable {
    let id: String
    let connection: Connection
    let tracer: Tracer
    let execmodel: String
    let state: Locked<CoreState>

    struct CoreState {
        var table = ChannelTable()
        var coercion = StringCoercion()
        /// Receiving has ended; no channel can be created any more.
        var finished = false
        /// Why receiving ended, unless by a normal termination.
        var endReason: String?
        /// The I/O thread has ended and every channel has been told.
        var receiverDone = false
        var joinWaiters: [Waiter<Void>] = []
        /// This host asked the remote to terminate.
        var exitRequested = false
        /// When this host last sent CHANNEL_EXEC (see ``exitPause``).
        var lastExec: ContinuousClock.Instant?
        var exitHooks: [@Sendable () -> Void] = []
    }

    init(id: String, connection: Connection, tracer: Tracer, execmodel: String) {
        self.id = id
        self.connection = connection
        self.tracer = tracer
        self.execmodel = execmodel
        self.state = Locked(CoreState())
    }

    var transport: any GatewayTransport { connection.transport }

    func trace(_ message: @autoclosure () -> String) {
        if tracer.isEnabled { tracer.write("\(id) \(message())") }
    }

    // MARK: - Frames

    func frame(_ type: MessageType, channelID: Int32 = 0, payload: [UInt8] = []) throws(GatewayError) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(Message.headerSize + payload.count)
        do {
            try Message.appendHeader(type, channelID: channelID, payloadLength: payload.count, to: &frame)
        } catch {
            throw GatewayError(.unsendable(detail: "\(error)"), gatewayID: id)
        }
        frame.append(contentsOf: payload)
        return frame
    }

    /// CHANNEL_DATA with `value` encoded straight after the header. An
    /// unencodable value, or a reference to a channel this gateway does not
    /// know, throws here, before anything is queued.
    /// The frame comes in parts, the header leading the first: a large
    /// bytes value is a part of its own, sharing the value's storage.
    func dataFrame(channelID: Int32, value: PyValue) throws -> [[UInt8]] {
        var parts = try DumpEncoder().encodeSegments(value, prefix: Message.headerSize)
        let payloadLength = parts.reduce(0) { $0 + $1.count } - Message.headerSize
        try Message.writeHeader(.channelData, channelID: channelID, payloadLength: payloadLength, into: &parts[0])
        if mayReferenceChannels(value) { try checkChannelReferences(in: value) }
        return parts
    }

    /// A channel reference must name a channel of this gateway: one this
    /// host allocated or one the remote sent. Anything else (a channel of
    /// another gateway, an invented id) would silently address the wrong
    /// channel remotely.
    func checkChannelReferences(in value: PyValue) throws(GatewayError) {
        let unknown: Int32? = state.withLock { state in
            channelIDs(in: value).first { !state.table.knows($0) }
        }
        if let unknown {
            throw GatewayError(.unsendable(detail: "channel \(unknown) is not a channel of this gateway"), gatewayID: id)
        }
    }

    // MARK: - Sending

    /// Queues a frame, waiting while the gateway's queue is full.
    func send(_ frame: [UInt8]) async throws {
        try await send(parts: [frame])
    }

    /// Queues a frame given in parts (the header leading the first), back to back.
    func send(parts: [[UInt8]]) async throws {
        do {
            try await connection.send(parts: parts)
        } catch let error as TransportError {
            throw notConnected(parts[0], error)
        }
        traceSent(parts)
    }

    /// Queues a CHANNEL_DATA frame whose payload is `dump`, an item encoded
    /// beforehand (by the caller, once for any number of channels): the
    /// header and the payload go out back to back, the payload uncopied.
    func send(channelID: Int32, dump: [UInt8]) async throws {
        var header: [UInt8] = []
        header.reserveCapacity(Message.headerSize)
        try Message.appendHeader(.channelData, channelID: channelID, payloadLength: dump.count, to: &header)
        do {
            try await connection.send(parts: [header, dump])
        } catch let error as TransportError {
            throw notConnected(header, error)
        }
        if tracer.isEnabled { trace("sent CHANNEL_DATA channel=\(channelID) lendata=\(dump.count)") }
    }

    /// Queues a frame at once, past the queue's bound.
    func sendNow(_ frame: [UInt8]) throws(GatewayError) {
        try sendNow(parts: [frame])
    }

    /// Queues a frame given in parts as ``send(parts:)`` does when that
    /// would not wait; false, with nothing queued, when it would.
    func sendIfRoom(parts: [[UInt8]]) throws(GatewayError) -> Bool {
        let queued: Bool
        do {
            queued = try connection.sendIfRoom(parts: parts)
        } catch {
            throw notConnected(parts[0], error)
        }
        if queued { traceSent(parts) }
        return queued
    }

    func sendNow(parts: [[UInt8]]) throws(GatewayError) {
        do {
            try connection.sendNow(parts: parts)
        } catch {
            throw notConnected(parts[0], error)
        }
        traceSent(parts)
    }

    func send(_ type: MessageType, channelID: Int32 = 0, payload: [UInt8] = []) async throws {
        try await send(try frame(type, channelID: channelID, payload: payload))
    }

    func sendNow(_ type: MessageType, channelID: Int32 = 0, payload: [UInt8] = []) throws(GatewayError) {
        try sendNow(try frame(type, channelID: channelID, payload: payload))
    }

    private func notConnected(_ frame: [UInt8], _ error: TransportError) -> GatewayError {
        let type = MessageType(rawValue: Int8(bitPattern: frame[0])).map { "\($0)" } ?? "message"
        trace("failed to send \(type): \(error)")
        return GatewayError(.notConnected(detail: "cannot send \(type): \(error)"), gatewayID: id)
    }

    private func traceSent(_ parts: [[UInt8]]) {
        guard tracer.isEnabled, let frame = parts.first,
            let type = MessageType(rawValue: Int8(bitPattern: frame[0]))
        else { return }
        let channel = frame[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let length = parts.reduce(0) { $0 + $1.count } - Message.headerSize
        trace("sent \(type) channel=\(Int32(bitPattern: channel)) lendata=\(length)")
    }

    // MARK: - Channel table

    /// A new channel with the next host id (odd: 1, 3, 5, …).
    func newChannel() throws(GatewayError) -> ChannelRecord {
        let record: ChannelRecord? = state.withLock { state in
            state.finished ? nil : state.table.makeChannel(coercion: state.coercion)
        }
        guard let record else {
            throw GatewayError(.notConnected(detail: "connection already closed"), gatewayID: id)
        }
        return record
    }

    /// The channel `id` refers to: an open one, one that arrived in a value
    /// (even if it has closed since), one a handle still holds, or else a new
    /// one. Nil once the gateway has finished and the id is unknown.
    func channel(id channelID: Int32) -> ChannelRecord? {
        state.withLock { state in
            state.table.claim(channelID, coercion: state.coercion, mayCreate: !state.finished)
        }
    }

    var openChannelCount: Int { state.withLock { $0.table.open.count } }

    var coercion: StringCoercion {
        get { state.withLock { $0.coercion } }
        set { state.withLock { $0.coercion = newValue } }
    }

    func setCoercion(_ coercion: StringCoercion, of record: ChannelRecord) {
        state.withLock { _ in record.coercion = coercion }
    }

    var isFinished: Bool { state.withLock { $0.finished } }
    var endReason: String? { state.withLock { $0.endReason } }
    var isReceiverDone: Bool { state.withLock { $0.receiverDone } }

    func channelError(_ kind: ChannelError.Kind, _ record: ChannelRecord, timeout: Duration? = nil) -> ChannelError {
        ChannelError(kind: kind, channelID: record.id, gatewayID: id, reason: nil, timeout: timeout)
    }

    func isClosed(_ record: ChannelRecord) -> Bool { state.withLock { _ in record.closed } }

    // MARK: - Closing (callers)

    /// Closes this side; tells the peer unless it closed first. Never waits.
    func close(_ record: ChannelRecord, error: String?) throws(GatewayError) {
        let mustSend: Bool = state.withLock { _ in !record.closed && !record.receiveClosed }
        if mustSend {
            if let error {
                try sendNow(.channelCloseError, channelID: record.id, payload: encodedText(error))
            } else {
                try sendNow(.channelClose, channelID: record.id)
            }
        }
        let callbacks: Bool = state.withLock { state in
            guard !record.closed else { return false }
            record.closed = true
            return finishReceiving(record, state: &state)
        }
        if callbacks { drainCallbacks(record) }
    }

    /// A public handle went away. Like a Python channel object being
    /// collected: an open channel tells the peer it is closed (or, with a
    /// callback, that this side will send no more).
    func handleReleased(_ record: ChannelRecord) {
        let message: MessageType? = state.withLock { state in
            record.handleCount -= 1
            guard record.handleCount == 0, !record.closed, !record.receiveClosed, !state.finished else { return nil }
            if record.callback != nil { return .channelLastMessage }
            state.table.open[record.id] = nil
            return .channelClose
        }
        if let message { try? sendNow(message, channelID: record.id) }
    }

    func retainHandle(_ record: ChannelRecord) {
        state.withLock { _ in record.handleCount += 1 }
    }

    /// Removes a channel the peer never instantiated (STATUS) without a message.
    func forget(_ record: ChannelRecord) {
        let callbacks: Bool = state.withLock { state in
            record.closed = true
            return finishReceiving(record, state: &state)
        }
        if callbacks { drainCallbacks(record) }
    }

    // MARK: - Ending

    /// How long GATEWAY_TERMINATE waits behind the last CHANNEL_EXEC. A
    /// stock remote that finds the two back to back drops the execution it
    /// was handing to its main thread and then waits 5 s (15 s on 1.x)
    /// before it interrupts itself; this pause lets its main thread take
    /// the task first, so the remote ends at once. See protocol-spec.md §3.10.
    static let exitPause: Duration = .milliseconds(20)

    /// Queues GATEWAY_TERMINATE and the half-close behind everything queued;
    /// returns at once.
    func requestExit() {
        let (first, lastExec, hooks) = state.withLock { state in
            defer {
                state.exitRequested = true
                state.exitHooks = []
            }
            return (!state.exitRequested && !state.finished, state.lastExec, state.exitHooks)
        }
        for hook in hooks { hook() }
        guard first else { return }
        trace("gateway.exit() called")
        if let frame = try? frame(.gatewayTerminate) {
            let notBefore = lastExec.map { $0 + Self.exitPause } ?? .now
            if notBefore > .now {
                try? connection.send(frame, notBefore: notBefore)
            } else {
                try? connection.sendNow(frame)
            }
        }
        connection.closeOutputWhenFlushed()
    }

    func noteExecSent() {
        state.withLock { $0.lastExec = .now }
    }

    func addExitHook(_ hook: @escaping @Sendable () -> Void) {
        let ranAlready: Bool = state.withLock { state in
            if state.exitRequested { return true }
            state.exitHooks.append(hook)
            return false
        }
        if ranAlready { hook() }
    }

    var exitRequested: Bool { state.withLock { $0.exitRequested } }

    /// Receiving has ended: every channel stops receiving and every waiter
    /// wakes. `reason` is nil after a normal termination.
    func receiverFinished(reason: String?) {
        let callbackRecords: [ChannelRecord] = state.withLock { state in
            if !state.finished { state.endReason = reason }
            state.finished = true
            var callbackRecords: [ChannelRecord] = []
            for record in Array(state.table.open.values) where finishReceiving(record, state: &state) {
                callbackRecords.append(record)
            }
            return callbackRecords
        }
        for record in callbackRecords { drainCallbacks(record) }
    }

    func receiverDone() {
        let waiters = state.withLock { state in
            state.receiverDone = true
            defer { state.joinWaiters = [] }
            return state.joinWaiters
        }
        for waiter in waiters { waiter.resume(returning: ()) }
    }

    /// Under the lock: the channel receives nothing more. Queues the end,
    /// removes it from the table and wakes its waiters; true when the
    /// caller must then deliver to its callback.
    func finishReceiving(_ record: ChannelRecord, state: inout CoreState) -> Bool {
        state.table.open[record.id] = nil
        var mustDrain = false
        if !record.endQueued {
            record.endQueued = true
            for waiter in record.receiveWaiters { resumeWithEnd(waiter, record, state: state) }
            record.receiveWaiters = []
            if record.callback != nil {
                record.callbackBacklog.append(.end)
                record.endAwaitsDelivery = true
                mustDrain = claimDelivery(record)
            }
        }
        if !record.receiveClosed {
            record.receiveClosed = true
            if !record.endAwaitsDelivery { resumeCloseWaiters(record, state: state) }
        }
        return mustDrain
    }

    /// Under the lock: what receive raises past the end, a pending remote
    /// error (taken only if the waiter takes it) or else end of channel.
    func resumeWithEnd(_ waiter: Waiter<PyValue>, _ record: ChannelRecord, state: CoreState) {
        if let remote = record.remoteErrors.first {
            if waiter.resume(throwing: remote) { record.remoteErrors.removeFirst() }
        } else {
            waiter.resume(throwing: ChannelError(kind: .endOfChannel, channelID: record.id, gatewayID: id, reason: state.endReason))
        }
    }

    /// Under the lock: waitclose's verdict, the first pending remote error,
    /// else the gateway's end reason, else success.
    func resumeCloseWaiters(_ record: ChannelRecord, state: CoreState) {
        for waiter in record.closeWaiters {
            let outcome = closeOutcome(record, state: state, consuming: false)
            if waiter.resume(outcome), case .failure(let error) = outcome, error is RemoteError {
                record.remoteErrors.removeFirst()
            }
        }
        record.closeWaiters = []
    }

    func closeOutcome(_ record: ChannelRecord, state: CoreState, consuming: Bool) -> Result<Void, any Error> {
        if let remote = record.remoteErrors.first {
            if consuming { record.remoteErrors.removeFirst() }
            return .failure(remote)
        }
        if let reason = state.endReason {
            return .failure(ChannelError(kind: .endOfChannel, channelID: record.id, gatewayID: id, reason: reason))
        }
        return .success(())
    }
}

func encodedText(_ text: String) -> [UInt8] {
    // A str always encodes.
    try! DumpEncoder().encode(.str(text))
}

extension GatewayCore: CustomStringConvertible {
    var description: String { "<GatewayCore \(pythonRepr(id)) \(connection)>" }
}
