import ExecnetWire

/// The channels of one gateway and their ids. Lives inside the gateway
/// core's locked state.
struct ChannelTable {
    /// Channels that can still receive.
    var open: [Int32: ChannelRecord] = [:]
    var nextID: Int32 = 1
    /// Ids of channels the remote created and referenced in values.
    var remoteIDs: Set<Int32> = []
    /// Channels referenced by received values that no handle has claimed
    /// yet: kept so that items and a close arriving before the claim are
    /// not lost (a Python value would hold its channel object alive).
    var unclaimed: [Int32: ChannelRecord] = [:]
    /// Claimed channels, while some handle holds them.
    var held: [Int32: WeakRecord] = [:]

    struct WeakRecord {
        weak var record: ChannelRecord?
    }

    /// A new channel with the next host id (odd: 1, 3, 5, …).
    mutating func makeChannel(coercion: StringCoercion) -> ChannelRecord {
        let id = nextID
        nextID &+= 2
        let record = ChannelRecord(id: id, coercion: coercion)
        open[id] = record
        return record
    }

    /// The record a handle for `id` should use, made when unknown and
    /// `mayCreate`.
    mutating func claim(_ id: Int32, coercion: StringCoercion, mayCreate: Bool) -> ChannelRecord? {
        if let record = unclaimed.removeValue(forKey: id) {
            held[id] = WeakRecord(record: record)
            return record
        }
        if let record = open[id] ?? held[id]?.record { return record }
        guard mayCreate else { return nil }
        let record = ChannelRecord(id: id, coercion: coercion)
        open[id] = record
        return record
    }

    /// Notes the channels a received value references, keeping each alive
    /// until some handle claims it.
    mutating func noteReferences(_ ids: [Int32], coercion: StringCoercion) {
        for id in ids {
            if let record = open[id] {
                if held[id]?.record == nil { unclaimed[id] = record }
                continue
            }
            guard held[id]?.record == nil, unclaimed[id] == nil else { continue }
            let record = ChannelRecord(id: id, coercion: coercion)
            open[id] = record
            unclaimed[id] = record
            remoteIDs.insert(id)
        }
        if held.count > 64 { held = held.filter { $0.value.record != nil } }
    }

    /// Whether a channel reference to `id` names a channel of this gateway.
    func knows(_ id: Int32) -> Bool {
        open[id] != nil || remoteIDs.contains(id) || unclaimed[id] != nil || (id > 0 && id % 2 == 1 && id < nextID)
    }
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
