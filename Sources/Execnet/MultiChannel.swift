import ExecnetTransport


/// Several channels used together, such as those of ``Group/remoteExec(_:fileName:)``
/// (execnet's `MultiChannel`).
public struct MultiChannel: Sendable, RandomAccessCollection {
    public let channels: [Channel]

    public init(_ channels: [Channel]) {
        self.channels = channels
    }

    public var startIndex: Int { channels.startIndex }
    public var endIndex: Int { channels.endIndex }
    public subscript(position: Int) -> Channel { channels[position] }

    /// Sends `item` on every channel.
    public func sendEach(_ item: PyValue) async throws {
        for channel in channels { try await channel.send(item) }
    }

    /// One item from each channel, in channel order.
    public func receiveEach(timeout: Duration? = nil) async throws -> [PyValue] {
        var items: [PyValue] = []
        for channel in channels { items.append(try await channel.receive(timeout: timeout)) }
        return items
    }

    /// One item from each channel, paired with its channel.
    public func receiveEachWithChannel(timeout: Duration? = nil) async throws -> [(Channel, PyValue)] {
        var items: [(Channel, PyValue)] = []
        for channel in channels { items.append((channel, try await channel.receive(timeout: timeout))) }
        return items
    }

    /// All items of all channels in arrival order, through callbacks. With
    /// an endmarker each channel adds `(channel, endmarker)` when it closes
    /// (its end is its own event: an item equal to the endmarker is just an
    /// item). The stream finishes once every channel has closed, with or
    /// without an endmarker.
    public func makeReceiveQueue(endmarker: PyValue? = nil) throws -> AsyncStream<(Channel, PyValue)> {
        let (stream, continuation) = AsyncStream<(Channel, PyValue)>.makeStream()
        let remaining = Locked(channels.count)
        if channels.isEmpty { continuation.finish() }
        for channel in channels {
            try channel.setEventHandler { [weak channel] event in
                switch event {
                case .item(let item):
                    if let channel { continuation.yield((channel, item)) }
                case .end:
                    if let channel, let endmarker { continuation.yield((channel, endmarker)) }
                    if remaining.withLock({ count in
                        count -= 1
                        return count == 0
                    }) {
                        continuation.finish()
                    }
                }
            }
        }
        return stream
    }

    /// Waits for every channel to close, then throws the first remote error.
    public func waitClose(timeout: Duration? = nil) async throws {
        var first: (any Error)?
        for channel in channels {
            do {
                try await channel.waitClose(timeout: timeout)
            } catch let error as RemoteError {
                if first == nil { first = error }
            }
        }
        if let first { throw first }
    }
}
