import ExecnetTransport
import ExecnetWire

/// String coercion applied when loading items (execnet's `strconfig`).
public struct StringCoercion: Sendable, Equatable, CustomStringConvertible {
    public var py2strAsPy3str: Bool
    public var py3strAsPy2str: Bool

    public init(py2strAsPy3str: Bool = true, py3strAsPy2str: Bool = false) {
        self.py2strAsPy3str = py2strAsPy3str
        self.py3strAsPy2str = py3strAsPy2str
    }

    public var description: String {
        "StringCoercion(py2strAsPy3str: \(py2strAsPy3str), py3strAsPy2str: \(py3strAsPy2str))"
    }
}

/// What a channel callback is handed: each item, then the channel's end,
/// which is its own event and never a data item.
public enum ChannelEvent: Sendable {
    case item(PyValue)
    /// The channel will receive nothing more (closed by either side, or the gateway ended).
    case end
}

typealias EventCallback = @Sendable (ChannelEvent) throws -> Void

/// The state of one channel. Every stored property is read and written only
/// while the owning gateway core's state lock is held.
final class ChannelRecord: @unchecked Sendable {
    let id: Int32
    var coercion: StringCoercion

    /// Items received and not yet taken; `head` is the next one.
    var items: [PyValue] = []
    var head = 0
    /// Set once no further item can arrive (execnet's ENDMARKER in the queue).
    var endQueued = false
    var receiveWaiters: [Waiter<PyValue>] = []
    var closeWaiters: [Waiter<Void>] = []

    /// Closed on this side, or closed by the peer (execnet's `_closed`).
    var closed = false
    /// Nothing more will be received (execnet's `_receiveclosed`).
    var receiveClosed = false
    var remoteErrors: [RemoteError] = []

    var callback: EventCallback?
    /// Events waiting for the callback, in order; drained by whichever
    /// thread finds `delivering` false, so a callback never runs twice at once.
    var callbackBacklog: [ChannelEvent] = []
    var delivering = false
    /// The end event is queued for the callback and not yet delivered:
    /// waitClose waits for it, as stock delivers the endmarker first.
    var endAwaitsDelivery = false

    /// Live public handles; the channel counts as dropped when it reaches 0.
    var handleCount = 0

    init(id: Int32, coercion: StringCoercion) {
        self.id = id
        self.coercion = coercion
    }

    var hasQueuedItem: Bool { head < items.count }

    func popItem() -> PyValue {
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// Hands `item` to the first receive still waiting; false when none is.
    func handToWaiter(_ item: PyValue) -> Bool {
        while !receiveWaiters.isEmpty {
            if receiveWaiters.removeFirst().resume(returning: item) { return true }
        }
        return false
    }

    func addReceiveWaiter(_ waiter: Waiter<PyValue>) {
        if receiveWaiters.count >= 16 { receiveWaiters.removeAll { $0.hasEnded } }
        receiveWaiters.append(waiter)
    }

    func addCloseWaiter(_ waiter: Waiter<Void>) {
        if closeWaiters.count >= 16 { closeWaiters.removeAll { $0.hasEnded } }
        closeWaiters.append(waiter)
    }
}
