import ExecnetWire

/// String coercion applied when loading items (execnet's `strconfig`).
public struct StringCoercion: Sendable, Equatable {
    public var py2strAsPy3str: Bool
    public var py3strAsPy2str: Bool

    public init(py2strAsPy3str: Bool = true, py3strAsPy2str: Bool = false) {
        self.py2strAsPy3str = py2strAsPy3str
        self.py3strAsPy2str = py3strAsPy2str
    }
}

typealias ItemCallback = @Sendable (PyValue) throws -> Void

/// One receive() waiting for an item.
struct ReceiveWaiter {
    let token: UInt64
    let continuation: CheckedContinuation<PyValue, any Error>
}

/// One waitclose() waiting for the channel to stop receiving.
struct CloseWaiter {
    let token: UInt64
    let continuation: CheckedContinuation<Void, any Error>
}

/// What a callback is handed: an item, or the endmarker once at close.
enum CallbackDelivery {
    case item(PyValue)
    case endmarker(PyValue)
}

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
    var waiters: [ReceiveWaiter] = []
    var closeWaiters: [CloseWaiter] = []

    /// Closed on this side, or closed by the peer (execnet's `_closed`).
    var closed = false
    /// Nothing more will be received (execnet's `_receiveclosed`).
    var receiveClosed = false
    var remoteErrors: [RemoteError] = []

    var callback: ItemCallback?
    var endmarker: PyValue?
    /// Deliveries waiting for the callback, in order; drained by whichever
    /// thread finds `delivering` false, so a callback never runs twice at once.
    var callbackBacklog: [CallbackDelivery] = []
    var delivering = false

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
}
