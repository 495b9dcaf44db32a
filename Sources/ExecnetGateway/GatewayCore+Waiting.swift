import ExecnetTransport
import ExecnetWire

/// The waits callers make: each one ends with its event, its timeout or the
/// cancellation of the waiting task, whichever comes first, and an event
/// that finds its waiter gone (a cancelled receive) is kept for the next.
extension GatewayCore {
    func receive(_ record: ChannelRecord, timeout: Duration?) async throws -> PyValue {
        let waiter = Waiter<PyValue>()
        let immediate: Result<PyValue, any Error>? = state.withLock { state in
            if record.callback != nil { return .failure(channelError(.callbackRegistered, record)) }
            if record.hasQueuedItem { return .success(record.popItem()) }
            if record.endQueued {
                resumeWithEnd(waiter, record, state: state)
                return nil
            }
            record.addReceiveWaiter(waiter)
            return nil
        }
        if let immediate { return try immediate.get() }
        // Without a timeout no closure is made: one allocation less per item.
        guard let timeout else { return try await waiter.wait() }
        let id = id
        let channelID = record.id
        return try await waiter.wait(timeout: timeout) {
            ChannelError(kind: .timeout, channelID: channelID, gatewayID: id, reason: nil, timeout: timeout)
        }
    }

    /// Waits until the channel receives nothing more and, with a callback,
    /// until its end has been delivered to it.
    func waitClose(_ record: ChannelRecord, timeout: Duration?) async throws {
        let waiter = Waiter<Void>()
        state.withLock { state in
            if record.receiveClosed && !record.endAwaitsDelivery {
                let outcome = closeOutcome(record, state: state, consuming: true)
                waiter.resume(outcome)
            } else {
                record.addCloseWaiter(waiter)
            }
        }
        let id = id
        let channelID = record.id
        try await waiter.wait(timeout: timeout) {
            ChannelError(kind: .timeout, channelID: channelID, gatewayID: id, reason: nil, timeout: timeout)
        }
    }

    /// Waits for the receiver to end; false when `timeout` passed first.
    func join(timeout: Duration?) async throws -> Bool {
        let waiter = Waiter<Void>()
        state.withLock { state in
            if state.receiverDone {
                waiter.resume(returning: ())
            } else {
                if state.joinWaiters.count >= 16 { state.joinWaiters.removeAll { $0.hasEnded } }
                state.joinWaiters.append(waiter)
            }
        }
        do {
            try await waiter.wait(timeout: timeout)
            return true
        } catch is WaitTimedOut {
            return false
        }
    }
}
