import ExecnetWire

/// One end of a communication channel with code running on a gateway's
/// remote side (execnet's `Channel`). Items arrive in order; iterate with
/// `for try await item in channel` until the remote end closes.
///
/// Releasing the last handle of a channel that is still open tells the
/// remote end it is closed, as a collected Python channel does.
public final class Channel: Sendable, AsyncSequence, Hashable, CustomStringConvertible {
    public typealias Element = PyValue

    /// Odd for channels this host created, even for the remote's.
    public let id: Int32
    public let gateway: Gateway
    let record: ChannelRecord
    var core: GatewayCore { gateway.core }

    init(gateway: Gateway, record: ChannelRecord) {
        self.id = record.id
        self.gateway = gateway
        self.record = record
        gateway.core.retainHandle(record)
    }

    deinit {
        core.handleReleased(record)
    }

    /// This channel as a value: send it and the remote side gets a usable channel.
    public var value: PyValue { .channel(id: id) }

    /// Sends one item, waiting while the gateway's outbound queue is full
    /// (the remote is not reading). An item that cannot be encoded throws
    /// before anything is queued, and the channel stays usable. Cancelling
    /// the wait throws `CancellationError` with nothing queued.
    public func send(_ item: PyValue) async throws {
        if core.isClosed(record) { throw core.channelError(.closed, record) }
        try await core.send(parts: try core.dataFrame(channelID: id, value: item))
    }

    /// Sends an item encoded beforehand (`DumpEncoder().encode`, holding no
    /// channel references), so that one encoding serves any number of
    /// channels: its bytes are queued as they are, never copied.
    package func send(encoded dump: [UInt8]) async throws {
        if core.isClosed(record) { throw core.channelError(.closed, record) }
        try await core.send(channelID: id, dump: dump)
    }

    /// Sends items encoded beforehand (as for `send(encoded:)`) as one block
    /// of frames, so that many small items cost the remote one wake-up.
    package func send(encodedItems dumps: [[UInt8]]) async throws {
        if core.isClosed(record) { throw core.channelError(.closed, record) }
        var frames: [UInt8] = []
        frames.reserveCapacity(dumps.reduce(0) { $0 + $1.count + Message.headerSize })
        for dump in dumps {
            try Message.appendHeader(.channelData, channelID: id, payloadLength: dump.count, to: &frames)
            frames.append(contentsOf: dump)
        }
        try await core.send(frames)
    }

    /// Sends one item as ``send(_:)`` does when that would not wait, and
    /// says whether it did; false, with nothing queued, while the gateway's
    /// queue is full. For a thread of its own that waits some other way.
    package func sendIfRoom(_ item: PyValue) throws -> Bool {
        if core.isClosed(record) { throw core.channelError(.closed, record) }
        return try core.sendIfRoom(parts: try core.dataFrame(channelID: id, value: item))
    }

    /// Sends one item without ever waiting: it is queued at once, past the
    /// queue's bound. For synchronous code, channel callbacks above all,
    /// which run on the gateway's I/O thread and must not wait for it.
    public func sendNow(_ item: PyValue) throws {
        if core.isClosed(record) { throw core.channelError(.closed, record) }
        try core.sendNow(parts: try core.dataFrame(channelID: id, value: item))
    }

    /// The next item. Throws ``RemoteError`` when the remote code failed,
    /// ``ChannelError`` with kind `.endOfChannel` once the channel is closed
    /// and drained, `.timeout` when `timeout` passes first, and
    /// `CancellationError` when the task is cancelled (the item that
    /// arrives later is kept for the next receive).
    public func receive(timeout: Duration? = nil) async throws -> PyValue {
        try await core.receive(record, timeout: timeout)
    }

    /// Delivers items to `callback` instead of `receive`: queued ones at
    /// once, later ones on the gateway's I/O thread as they arrive, and
    /// `endmarker` (when given) once the channel closes; the end is its own
    /// event, so an item equal to the endmarker is just an item. An error
    /// thrown by the callback closes the channel and is reported to the
    /// remote side. To send from the callback, use ``sendNow(_:)``.
    public func setCallback(endmarker: PyValue? = nil, _ callback: @escaping @Sendable (PyValue) throws -> Void) throws {
        try core.setCallback(record) { event in
            switch event {
            case .item(let item): try callback(item)
            case .end: if let endmarker { try callback(endmarker) }
            }
        }
    }

    /// Delivers ``ChannelEvent``s to `handler`: each item, then `.end`.
    public func setEventHandler(_ handler: @escaping @Sendable (ChannelEvent) throws -> Void) throws {
        try core.setCallback(record, handler)
    }

    /// Closes this end, with an error text the remote side receives as a
    /// RemoteError when given. Closing twice does nothing. Never waits.
    public func close(error: String? = nil) throws {
        try core.close(record, error: error)
    }

    /// Waits until the remote end closed (or will send nothing more) and,
    /// with a callback, until the end has reached it. Throws the remote
    /// error if the remote code failed, and `CancellationError` when cancelled.
    public func waitClose(timeout: Duration? = nil) async throws {
        try await core.waitClose(record, timeout: timeout)
    }

    /// Closed here or by the remote end; queued items can still be received.
    public var isClosed: Bool { core.isClosed(record) }

    /// How this channel loads strings from now on; the remote end of the
    /// channel is told the same.
    public func reconfigure(py2strAsPy3str: Bool = true, py3strAsPy2str: Bool = false) async throws {
        let coercion = StringCoercion(py2strAsPy3str: py2strAsPy3str, py3strAsPy2str: py3strAsPy2str)
        core.setCoercion(coercion, of: record)
        let message = Message.reconfigure(channelID: id, py2strAsPy3str: py2strAsPy3str, py3strAsPy2str: py3strAsPy2str)
        try await core.send(.reconfigure, channelID: id, payload: message.payload)
    }

    /// How this host loads Python 2 strings arriving on this channel, set
    /// here only: nothing is sent, so a remote end that does not hold the
    /// channel yet is not made to create (and drop, and close) it.
    package func setLocalCoercion(py2strAsPy3str: Bool) {
        core.setCoercion(StringCoercion(py2strAsPy3str: py2strAsPy3str), of: record)
    }

    /// A writer whose writes become items on this channel.
    public func makeWriter(proxyClose: Bool = false) -> ChannelWriter {
        ChannelWriter(channel: self, proxyClose: proxyClose)
    }

    /// A reader of the text items arriving on this channel.
    public func makeReader(proxyClose: Bool = false) -> ChannelReader {
        ChannelReader(channel: self, proxyClose: proxyClose)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: Channel

        /// The next item, nil once the channel is closed and drained; a remote
        /// error is thrown, and `CancellationError` when the task is cancelled.
        public mutating func next() async throws -> PyValue? {
            do {
                return try await channel.receive()
            } catch let error as ChannelError where error.kind == .endOfChannel {
                return nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: self) }

    public static func == (a: Channel, b: Channel) -> Bool { a.record === b.record }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(record)) }

    public var description: String { "<Channel id=\(id) \(isClosed ? "closed" : "open")>" }
}
