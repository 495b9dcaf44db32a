import ExecnetTransport
import ExecnetWire

/// What the I/O thread does with each message from the remote: execnet's
/// handler table, one case per message type.
extension GatewayCore {
    /// Runs one message's handler; true when the peer asked to terminate.
    func handle(_ message: Message) throws -> Bool {
        if tracer.isEnabled {
            trace("received \(message.type) channel=\(message.channelID) lendata=\(message.payload.count)")
        }
        switch message.type {
        case .channelData:
            try dataReceived(channelID: message.channelID, payload: message.payload)
        case .channelClose:
            remoteClosed(message.channelID, error: nil, sendOnly: false)
        case .channelCloseError:
            let text: String
            switch try? DumpDecoder().decode(message.payload) {
            case .str(let value)?, .unicode(let value)?: text = value
            case .py2str(let bytes)?: text = String(decoding: bytes, as: UTF8.self)
            default:
                throw GatewayError(.protocolViolation(detail: "CHANNEL_CLOSE_ERROR without error text"), gatewayID: id)
            }
            let error = RemoteError(formatted: text, gatewayID: id, channelID: message.channelID)
            remoteClosed(message.channelID, error: error, sendOnly: false)
        case .channelLastMessage:
            remoteClosed(message.channelID, error: nil, sendOnly: true)
        case .gatewayTerminate:
            return true
        case .reconfigure:
            guard case .tuple(let pair)? = try? DumpDecoder().decode(message.payload), pair.count == 2,
                let first = pair[0].boolValue, let second = pair[1].boolValue
            else {
                throw GatewayError(.protocolViolation(detail: "RECONFIGURE without a pair of booleans"), gatewayID: id)
            }
            let coercion = StringCoercion(py2strAsPy3str: first, py3strAsPy2str: second)
            if message.channelID == 0 {
                self.coercion = coercion
            } else if let record = channel(id: message.channelID) {
                setCoercion(coercion, of: record)
            }
        case .channelExec:
            // A host runs no code for its peer, as stock's host refuses.
            if let record = channel(id: message.channelID) {
                try? close(record, error: "execution disallowed")
            }
        case .status:
            let reply: PyValue = .dict([
                .str("numchannels"): .int(PyInt(openChannelCount)),
                .str("numexecuting"): .int(0),
                .str("execmodel"): .str(execmodel),
            ])
            if let frame = try? dataFrame(channelID: message.channelID, value: reply) { try? sendNow(parts: frame) }
            try? sendNow(.channelClose, channelID: message.channelID)
        }
        return false
    }

    /// CHANNEL_DATA: hand the item to a waiting receive or the callback, or
    /// queue it; dropped when the channel no longer exists on this side.
    func dataReceived(channelID: Int32, payload: [UInt8]) throws(GatewayError) {
        guard let coercion = state.withLock({ $0.table.open[channelID]?.coercion }) else {
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
        let callbackRecord: ChannelRecord? = state.withLock { state in
            if !referenced.isEmpty && !state.finished {
                state.table.noteReferences(referenced, coercion: state.coercion)
            }
            guard let record = state.table.open[channelID] else { return nil }
            if record.callback != nil {
                record.callbackBacklog.append(.item(item))
                return claimDelivery(record) ? record : nil
            }
            if !record.handToWaiter(item) { record.items.append(item) }
            return nil
        }
        if let callbackRecord { drainCallbacks(callbackRecord) }
    }

    /// CHANNEL_CLOSE, CHANNEL_CLOSE_ERROR and CHANNEL_LAST_MESSAGE.
    func remoteClosed(_ channelID: Int32, error: RemoteError?, sendOnly: Bool) {
        let callbackRecord: ChannelRecord? = state.withLock { state in
            guard let record = state.table.open[channelID] else {
                if let error { trace("unhandled remote error on deleted channel \(channelID): \(error)") }
                return nil
            }
            if let error { record.remoteErrors.append(error) }
            if !sendOnly { record.closed = true }
            return finishReceiving(record, state: &state) ? record : nil
        }
        if let callbackRecord { drainCallbacks(callbackRecord) }
    }
}
