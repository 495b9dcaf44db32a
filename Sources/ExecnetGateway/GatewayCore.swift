import Dispatch
import ExecnetTransport
import ExecnetWire

/// The message state machine of one gateway: channel table, id allocation,
/// sending, and the handlers the receiver thread runs for each message.
final class GatewayCore: Sendable {
    let id: String
    let transport: any ByteTransport
    let tracer: Tracer
    private let state: Locked<CoreState>

    struct CoreState {
        var channels: [Int32: ChannelRecord] = [:]
        var nextChannelID: Int32 = 1
        var coercion = StringCoercion()
        /// The receiver has ended; no channel can be created any more.
        var finished = false
        /// Why the receiver ended, unless by a normal termination.
        var endReason: String?
        var receiverDone = false
        var joinWaiters: [(UInt64, CheckedContinuation<Bool, Never>)] = []
        var nextToken: UInt64 = 0
        /// Ids of channels the remote created and referenced in values.
        var remoteChannelIDs: Set<Int32> = []
        /// Channels referenced by received values that no handle has claimed
        /// yet: kept so that items and a close arriving before the claim are
        /// not lost (a Python value would hold its channel object alive).
        var unclaimed: [Int32: ChannelRecord] = [:]
        /// Claimed channels, while some handle holds them.
        var held: [Int32: WeakRecord] = [:]
    }

    struct WeakRecord {
        weak var record: ChannelRecord?
    }

    init(id: String, transport: any ByteTransport, tracer: Tracer) {
        self.id = id
        self.transport = transport
        self.tracer = tracer
        self.state = Locked(CoreState())
    }

    func trace(_ message: @autoclosure () -> String) {
        if tracer.isEnabled { tracer.write("\(id) \(message())") }
    }

    // MARK: - Sending

    func send(_ type: MessageType, channelID: Int32 = 0, payload: [UInt8] = []) throws(GatewayError) {
        var frame: [UInt8] = []
        frame.reserveCapacity(Message.headerSize + payload.count)
        appendHeader(type, channelID: channelID, length: payload.count, to: &frame)
        frame.append(contentsOf: payload)
        try write(frame, type: type, channelID: channelID)
    }

    /// CHANNEL_DATA with `value` encoded straight after the header. An
    /// unencodable value throws before anything is written.
    func sendData(channelID: Int32, value: PyValue) throws(any Error) {
        var frame = [UInt8](repeating: 0, count: Message.headerSize)
        try DumpEncoder().encode(value, into: &frame)
        let length = frame.count - Message.headerSize
        guard length <= Int(Int32.max) else {
            throw FrameError(reason: .payloadTooLarge(length: length, limit: Int(Int32.max)), offset: 0)
        }
        if mayReferenceChannels(value) { try checkChannelReferences(in: value) }
        var header: [UInt8] = []
        appendHeader(.channelData, channelID: channelID, length: length, to: &header)
        frame.replaceSubrange(0..<Message.headerSize, with: header)
        try write(frame, type: .channelData, channelID: channelID)
    }

    /// A channel reference must name a channel of this gateway: one this
    /// host allocated or one the remote sent. Anything else (a channel of
    /// another gateway, an invented id) would silently address the wrong
    /// channel remotely, so it is refused before anything is written.
    func checkChannelReferences(in value: PyValue) throws(GatewayError) {
        let unknown: Int32? = state.withLock { state in
            channelIDs(in: value).first { id in
                !(state.channels[id] != nil || state.remoteChannelIDs.contains(id) || state.unclaimed[id] != nil
                    || (id > 0 && id % 2 == 1 && id < state.nextChannelID))
            }
        }
        if let unknown {
            throw GatewayError(
                .unsendable(detail: "channel \(unknown) is not a channel of this gateway"), gatewayID: id)
        }
    }

    private func appendHeader(_ type: MessageType, channelID: Int32, length: Int, to out: inout [UInt8]) {
        out.append(UInt8(bitPattern: type.rawValue))
        withUnsafeBytes(of: UInt32(bitPattern: channelID).bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).bigEndian) { out.append(contentsOf: $0) }
    }

    private func write(_ frame: [UInt8], type: MessageType, channelID: Int32) throws(GatewayError) {
        do {
            try transport.write(frame)
            trace("sent \(type) channel=\(channelID) lendata=\(frame.count - Message.headerSize)")
        } catch {
            trace("failed to send \(type) channel=\(channelID): \(error)")
            throw GatewayError(.notConnected(detail: "cannot send \(type): \(error)"), gatewayID: id)
        }
    }

    // MARK: - Channel table

    /// A new channel with the next host id (odd: 1, 3, 5, …).
    func newChannel() throws(GatewayError) -> ChannelRecord {
        let result: ChannelRecord? = state.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextChannelID
            state.nextChannelID &+= 2
            let record = ChannelRecord(id: id, coercion: state.coercion)
            state.channels[id] = record
            return record
        }
        guard let result else {
            throw GatewayError(.notConnected(detail: "connection already closed"), gatewayID: id)
        }
        return result
    }

    /// The channel `id` refers to: an open one, one that arrived in a value
    /// (even if it has closed since), one a handle still holds, or else a new
    /// one. Nil once the gateway has finished and the id is unknown.
    func channel(id channelID: Int32) -> ChannelRecord? {
        state.withLock { state in
            if let record = state.unclaimed.removeValue(forKey: channelID) {
                state.held[channelID] = WeakRecord(record: record)
                return record
            }
            if let record = state.channels[channelID] ?? state.held[channelID]?.record { return record }
            guard !state.finished else { return nil }
            let record = ChannelRecord(id: channelID, coercion: state.coercion)
            state.channels[channelID] = record
            return record
        }
    }

    var openChannelCount: Int { state.withLock { $0.channels.count } }

    var coercion: StringCoercion {
        get { state.withLock { $0.coercion } }
        set { state.withLock { $0.coercion = newValue } }
    }

    func setCoercion(_ coercion: StringCoercion, of record: ChannelRecord) {
        state.withLock { _ in record.coercion = coercion }
    }

    var isFinished: Bool { state.withLock { $0.finished } }
    var endReason: String? { state.withLock { $0.endReason } }

    // MARK: - Receiving (callers)

    func receive(_ record: ChannelRecord, timeout: Duration?) async throws -> PyValue {
        enum Immediate {
            case item(PyValue)
            case failure(any Error)
            case wait(UInt64)
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PyValue, any Error>) in
            let immediate: Immediate = state.withLock { state in
                if record.callback != nil { return .failure(channelError(.callbackRegistered, record)) }
                if record.hasQueuedItem { return .item(record.popItem()) }
                if record.endQueued { return .failure(endError(record, state: state)) }
                state.nextToken &+= 1
                record.waiters.append(ReceiveWaiter(token: state.nextToken, continuation: continuation))
                return .wait(state.nextToken)
            }
            switch immediate {
            case .item(let item): continuation.resume(returning: item)
            case .failure(let error): continuation.resume(throwing: error)
            case .wait(let token):
                if let timeout { scheduleReceiveTimeout(record, token: token, after: timeout) }
            }
        }
    }

    private func scheduleReceiveTimeout(_ record: ChannelRecord, token: UInt64, after timeout: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.timeInterval) { [self] in
            let waiter: ReceiveWaiter? = state.withLock { _ in
                guard let index = record.waiters.firstIndex(where: { $0.token == token }) else { return nil }
                return record.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: channelError(.timeout(timeout), record))
        }
    }

    func waitClose(_ record: ChannelRecord, timeout: Duration?) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let (outcome, token): (Result<Void, any Error>?, UInt64) = state.withLock { state in
                if record.receiveClosed { return (closeOutcome(record, state: state), 0) }
                state.nextToken &+= 1
                record.closeWaiters.append(CloseWaiter(token: state.nextToken, continuation: continuation))
                return (nil, state.nextToken)
            }
            if let outcome { return continuation.resume(with: outcome) }
            guard let timeout else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout.timeInterval) { [self] in
                let waiter: CloseWaiter? = state.withLock { _ in
                    guard let index = record.closeWaiters.firstIndex(where: { $0.token == token }) else { return nil }
                    return record.closeWaiters.remove(at: index)
                }
                waiter?.continuation.resume(throwing: channelError(.timeout(timeout), record))
            }
        }
    }

    /// waitclose's verdict once nothing more is received: the first pending
    /// remote error, else the gateway's end reason, else success.
    private func closeOutcome(_ record: ChannelRecord, state: CoreState) -> Result<Void, any Error> {
        if !record.remoteErrors.isEmpty { return .failure(record.remoteErrors.removeFirst()) }
        if let reason = state.endReason {
            return .failure(ChannelError(kind: .endOfChannel, channelID: record.id, gatewayID: id, reason: reason))
        }
        return .success(())
    }

    /// What receive raises past the end: a pending remote error, else EOF.
    private func endError(_ record: ChannelRecord, state: CoreState) -> any Error {
        if !record.remoteErrors.isEmpty { return record.remoteErrors.removeFirst() }
        return ChannelError(kind: .endOfChannel, channelID: record.id, gatewayID: id, reason: state.endReason)
    }

    func channelError(_ kind: ChannelError.Kind, _ record: ChannelRecord) -> ChannelError {
        ChannelError(kind: kind, channelID: record.id, gatewayID: id, reason: nil)
    }

    func isClosed(_ record: ChannelRecord) -> Bool { state.withLock { _ in record.closed } }

    // MARK: - Callbacks

    /// Queued items go to `callback` at once; later items as they arrive,
    /// and `endmarker` (when given) once the channel closes.
    func setCallback(_ record: ChannelRecord, endmarker: PyValue?, _ callback: @escaping ItemCallback) throws {
        let shouldDrain: Bool = try state.withLock { state in
            if record.callback != nil { throw channelError(.callbackRegistered, record) }
            while record.hasQueuedItem { record.callbackBacklog.append(.item(record.popItem())) }
            record.callback = callback
            record.endmarker = endmarker
            if record.endQueued {
                if let endmarker { record.callbackBacklog.append(.endmarker(endmarker)) }
                record.endmarker = nil
            }
            return claimDelivery(record)
        }
        if shouldDrain { drainCallbacks(record) }
    }

    /// Under the lock: whether the caller should deliver the backlog now.
    private func claimDelivery(_ record: ChannelRecord) -> Bool {
        guard !record.delivering, !record.callbackBacklog.isEmpty else { return false }
        record.delivering = true
        return true
    }

    private func drainCallbacks(_ record: ChannelRecord) {
        while true {
            let next: (ItemCallback, CallbackDelivery)? = state.withLock { _ in
                guard let callback = record.callback, !record.callbackBacklog.isEmpty else {
                    record.delivering = false
                    return nil
                }
                return (callback, record.callbackBacklog.removeFirst())
            }
            guard let (callback, delivery) = next else { return }
            switch delivery {
            case .endmarker(let marker):
                try? callback(marker)
            case .item(let item):
                do {
                    try callback(item)
                } catch {
                    trace("exception during callback of channel \(record.id): \(error)")
                    let text = "\(error)"
                    try? send(.channelCloseError, channelID: record.id, payload: encodedText(text))
                    remoteClosed(record.id, error: RemoteError(formatted: text), sendOnly: false)
                }
            }
        }
    }

    // MARK: - Closing (callers)

    /// Closes this side; tells the peer unless it closed first.
    func close(_ record: ChannelRecord, error: String?) throws(GatewayError) {
        let mustSend: Bool = state.withLock { _ in
            guard !record.closed else { return false }
            return !record.receiveClosed
        }
        if mustSend {
            if let error {
                try send(.channelCloseError, channelID: record.id, payload: encodedText(error))
            } else {
                try send(.channelClose, channelID: record.id)
            }
        }
        let work: Wakeups = state.withLock { state in
            guard !record.closed else { return Wakeups() }
            record.closed = true
            return finishReceiving(record, state: &state)
        }
        work.run()
    }

    /// A public handle went away. Like a Python channel object being
    /// collected: an open channel tells the peer it is closed (or, with a
    /// callback, that this side will send no more).
    func handleReleased(_ record: ChannelRecord) {
        let message: MessageType? = state.withLock { state in
            record.handleCount -= 1
            guard record.handleCount == 0, !record.closed, !record.receiveClosed, !state.finished else { return nil }
            if record.callback != nil { return .channelLastMessage }
            state.channels[record.id] = nil
            return .channelClose
        }
        if let message { try? send(message, channelID: record.id) }
    }

    func retainHandle(_ record: ChannelRecord) {
        state.withLock { _ in record.handleCount += 1 }
    }

    /// Removes a channel the peer never instantiated (STATUS) without a message.
    func forget(_ record: ChannelRecord) {
        let work: Wakeups = state.withLock { state in
            record.closed = true
            return finishReceiving(record, state: &state)
        }
        work.run()
    }

    // MARK: - Receiving (the receiver thread)

    /// CHANNEL_DATA: queue the item, hand it to a waiter or a callback;
    /// dropped when the channel no longer exists on this side.
    func dataReceived(channelID: Int32, payload: [UInt8]) throws(GatewayError) {
        guard let coercion = state.withLock({ $0.channels[channelID]?.coercion }) else {
            trace("dropping data for unknown channel \(channelID)")
            return
        }
        let options = DecodingOptions(
            py2strAsPy3str: coercion.py2strAsPy3str, py3strAsPy2str: coercion.py3strAsPy2str,
            allowsChannels: true)
        let item: PyValue
        do {
            item = try DumpDecoder(options: options).decode(payload)
        } catch {
            throw GatewayError(.protocolViolation(detail: "undecodable item on channel \(channelID): \(error)"), gatewayID: id)
        }
        let referenced = mayReferenceChannels(item) ? channelIDs(in: item) : []
        enum Delivery {
            case none
            case waiter(CheckedContinuation<PyValue, any Error>)
            case callback(ChannelRecord)
        }
        let delivery: Delivery = state.withLock { state in
            for referencedID in referenced where !state.finished {
                if let record = state.channels[referencedID] {
                    if state.held[referencedID]?.record == nil { state.unclaimed[referencedID] = record }
                    continue
                }
                guard state.held[referencedID]?.record == nil, state.unclaimed[referencedID] == nil else { continue }
                let record = ChannelRecord(id: referencedID, coercion: state.coercion)
                state.channels[referencedID] = record
                state.unclaimed[referencedID] = record
                state.remoteChannelIDs.insert(referencedID)
            }
            if state.held.count > 64 { state.held = state.held.filter { $0.value.record != nil } }
            guard let record = state.channels[channelID] else { return .none }
            if record.callback != nil {
                record.callbackBacklog.append(.item(item))
                return claimDelivery(record) ? .callback(record) : .none
            }
            if !record.waiters.isEmpty { return .waiter(record.waiters.removeFirst().continuation) }
            record.items.append(item)
            return .none
        }
        switch delivery {
        case .none: break
        case .waiter(let continuation): continuation.resume(returning: item)
        case .callback(let record): drainCallbacks(record)
        }
    }

    /// CHANNEL_CLOSE, CHANNEL_CLOSE_ERROR and CHANNEL_LAST_MESSAGE.
    func remoteClosed(_ channelID: Int32, error: RemoteError?, sendOnly: Bool) {
        let (work, record): (Wakeups, ChannelRecord?) = state.withLock { state in
            guard let record = state.channels[channelID] else {
                if let error { trace("unhandled remote error on deleted channel \(channelID): \(error)") }
                return (Wakeups(), nil)
            }
            if let error { record.remoteErrors.append(error) }
            if !sendOnly { record.closed = true }
            return (finishReceiving(record, state: &state), record)
        }
        work.run()
        if work.drainCallbacks, let record { drainCallbacks(record) }
    }

    /// The receiver loop ended: every channel stops receiving, waiters wake.
    func receiverFinished(reason: String?) {
        let (works, callbackRecords): ([Wakeups], [ChannelRecord]) = state.withLock { state in
            state.finished = true
            if state.endReason == nil { state.endReason = reason }
            var works: [Wakeups] = []
            var callbackRecords: [ChannelRecord] = []
            for record in Array(state.channels.values) {
                let work = finishReceiving(record, state: &state)
                if work.drainCallbacks { callbackRecords.append(record) }
                works.append(work)
            }
            return (works, callbackRecords)
        }
        for work in works { work.run() }
        for record in callbackRecords { drainCallbacks(record) }
    }

    func receiverDone() {
        let waiters = state.withLock { state in
            state.receiverDone = true
            defer { state.joinWaiters = [] }
            return state.joinWaiters
        }
        for (_, waiter) in waiters { waiter.resume(returning: true) }
    }

    /// Waits for the receiver to end; false when `timeout` passed first.
    func join(timeout: Duration?) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let token: UInt64? = state.withLock { state in
                if state.receiverDone { return nil }
                state.nextToken &+= 1
                state.joinWaiters.append((state.nextToken, continuation))
                return state.nextToken
            }
            guard let token else { return continuation.resume(returning: true) }
            guard let timeout else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout.timeInterval) { [self] in
                let waiter: CheckedContinuation<Bool, Never>? = state.withLock { state in
                    guard let index = state.joinWaiters.firstIndex(where: { $0.0 == token }) else { return nil }
                    return state.joinWaiters.remove(at: index).1
                }
                waiter?.resume(returning: false)
            }
        }
    }

    var isReceiverDone: Bool { state.withLock { $0.receiverDone } }

    /// Continuations to resume once the lock is released.
    struct Wakeups {
        var receivers: [(CheckedContinuation<PyValue, any Error>, any Error)] = []
        var closers: [(CheckedContinuation<Void, any Error>, Result<Void, any Error>)] = []
        var drainCallbacks = false

        func run() {
            for (continuation, error) in receivers { continuation.resume(throwing: error) }
            for (continuation, outcome) in closers { continuation.resume(with: outcome) }
        }
    }

    /// Under the lock: the channel receives nothing more. Queues the end,
    /// removes it from the table, and collects whom to wake.
    private func finishReceiving(_ record: ChannelRecord, state: inout CoreState) -> Wakeups {
        var work = Wakeups()
        state.channels[record.id] = nil
        if !record.endQueued {
            record.endQueued = true
            for waiter in record.waiters { work.receivers.append((waiter.continuation, endError(record, state: state))) }
            record.waiters = []
            if record.callback != nil, let marker = record.endmarker {
                record.callbackBacklog.append(.endmarker(marker))
                record.endmarker = nil
                work.drainCallbacks = claimDelivery(record)
            }
        }
        if !record.receiveClosed {
            record.receiveClosed = true
            for waiter in record.closeWaiters { work.closers.append((waiter.continuation, closeOutcome(record, state: state))) }
            record.closeWaiters = []
        }
        return work
    }
}

func encodedText(_ text: String) -> [UInt8] {
    // A str always encodes.
    try! DumpEncoder().encode(.str(text))
}

/// Only a channel or a container can reference channels: scalar items, large
/// bytes and str ones above all, need no walk.
func mayReferenceChannels(_ value: PyValue) -> Bool {
    switch value {
    case .channel, .list, .tuple, .set, .frozenset, .dict: return true
    default: return false
    }
}

/// Channel ids referenced anywhere inside `value`, found without recursion.
func channelIDs(in value: PyValue) -> [Int32] {
    var found: [Int32] = []
    var pending = [value]
    while let next = pending.popLast() {
        switch next {
        case .channel(let id): found.append(id)
        case .list(let items), .tuple(let items), .set(let items), .frozenset(let items):
            pending.append(contentsOf: items)
        case .dict(let dict):
            for (key, item) in dict {
                pending.append(key)
                pending.append(item)
            }
        default: break
        }
    }
    return found
}

extension Duration {
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
