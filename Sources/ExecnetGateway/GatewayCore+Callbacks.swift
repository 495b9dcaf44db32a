import ExecnetTransport
import ExecnetWire

/// Channel callbacks: items and the end, in order, one delivery at a time,
/// on whichever thread finds deliveries pending (usually the I/O thread).
extension GatewayCore {
    /// Queued items go to `callback` at once; later items as they arrive,
    /// then `.end` once the channel receives nothing more.
    func setCallback(_ record: ChannelRecord, _ callback: @escaping EventCallback) throws {
        let shouldDrain: Bool = try state.withLock { state in
            if record.callback != nil { throw channelError(.callbackRegistered, record) }
            while record.hasQueuedItem { record.callbackBacklog.append(.item(record.popItem())) }
            record.callback = callback
            if record.endQueued {
                record.callbackBacklog.append(.end)
                record.endAwaitsDelivery = true
            }
            return claimDelivery(record)
        }
        if shouldDrain { drainCallbacks(record) }
    }

    /// Under the lock: whether the caller should deliver the backlog now.
    func claimDelivery(_ record: ChannelRecord) -> Bool {
        guard !record.delivering, !record.callbackBacklog.isEmpty else { return false }
        record.delivering = true
        return true
    }

    func drainCallbacks(_ record: ChannelRecord) {
        while true {
            let next: (EventCallback, ChannelEvent)? = state.withLock { _ in
                guard let callback = record.callback, !record.callbackBacklog.isEmpty else {
                    record.delivering = false
                    return nil
                }
                return (callback, record.callbackBacklog.removeFirst())
            }
            guard let (callback, event) = next else { return }
            switch event {
            case .end:
                try? callback(.end)
                state.withLock { state in
                    record.endAwaitsDelivery = false
                    if record.receiveClosed { resumeCloseWaiters(record, state: state) }
                }
            case .item:
                do {
                    try callback(event)
                } catch {
                    trace("exception during callback of channel \(record.id): \(error)")
                    let text = "\(error)"
                    try? sendNow(.channelCloseError, channelID: record.id, payload: encodedText(text))
                    remoteClosed(record.id, error: RemoteError(formatted: text, gatewayID: id, channelID: record.id), sendOnly: false)
                }
            }
        }
    }
}
