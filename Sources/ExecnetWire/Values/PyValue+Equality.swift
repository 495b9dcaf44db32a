extension PyValue: Hashable {
    /// Representational equality: see ``PyValue``. Iterative, so deep values are safe.
    public static func == (lhs: PyValue, rhs: PyValue) -> Bool {
        var pending: [(PyStorage, PyStorage)] = []
        guard shallowEqual(lhs, rhs, pending: &pending) else { return false }
        while let (a, b) = pending.popLast() {
            if a === b { continue }
            let equal = a.withElements { left in
                b.withElements { right in
                    for index in left.indices where !shallowEqual(left[index], right[index], pending: &pending) {
                        return false
                    }
                    return true
                }
            }
            if !equal { return false }
        }
        return true
    }

    /// Compares everything but container elements; queues the element storages instead.
    private static func shallowEqual(_ lhs: PyValue, _ rhs: PyValue, pending: inout [(PyStorage, PyStorage)]) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)), (.long(let a), .long(let b)): return a == b
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        case (.complex(let ar, let ai), .complex(let br, let bi)):
            return ar.bitPattern == br.bitPattern && ai.bitPattern == bi.bitPattern
        case (.bytes(let a), .bytes(let b)), (.py2str(let a), .py2str(let b)): return a == b
        case (.str(let a), .str(let b)), (.unicode(let a), .unicode(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)),
            (.set(let a), .set(let b)), (.frozenset(let a), .frozenset(let b)):
            guard a.count == b.count else { return false }
            pending.append((a.storage, b.storage))
            return true
        case (.dict(let a), .dict(let b)):
            guard a.count == b.count else { return false }
            pending.append((a.storage, b.storage))
            return true
        case (.channel(let a), .channel(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        var pending: [PyStorage] = []
        hashShallow(self, into: &hasher, pending: &pending)
        while let storage = pending.popLast() {
            storage.withElements { elements in
                for element in elements { hashShallow(element, into: &hasher, pending: &pending) }
            }
        }
    }

    private func hashShallow(_ value: PyValue, into hasher: inout Hasher, pending: inout [PyStorage]) {
        hasher.combine(value.kindTag)
        switch value {
        case .none: break
        case .bool(let b): hasher.combine(b)
        case .int(let i), .long(let i): hasher.combine(i)
        case .float(let d): hasher.combine(d.bitPattern)
        case .complex(let r, let i):
            hasher.combine(r.bitPattern)
            hasher.combine(i.bitPattern)
        case .bytes(let b), .py2str(let b): hasher.combine(b)
        case .str(let s), .unicode(let s):
            hasher.combine(s.utf8.count)
            for byte in s.utf8 { hasher.combine(byte) }
        case .list(let items), .tuple(let items), .set(let items), .frozenset(let items):
            hasher.combine(items.count)
            pending.append(items.storage)
        case .dict(let dict):
            hasher.combine(dict.count)
            pending.append(dict.storage)
        case .channel(let id): hasher.combine(id)
        }
    }

    /// A small number per case, used where a case must be identified without its payload.
    var kindTag: UInt8 {
        switch self {
        case .none: return 0
        case .bool: return 1
        case .int: return 2
        case .long: return 3
        case .float: return 4
        case .complex: return 5
        case .bytes: return 6
        case .str: return 7
        case .py2str: return 8
        case .unicode: return 9
        case .list: return 10
        case .tuple: return 11
        case .set: return 12
        case .frozenset: return 13
        case .dict: return 14
        case .channel: return 15
        }
    }
}
