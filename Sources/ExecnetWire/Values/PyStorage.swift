/// Element storage shared by every container value, in one allocation.
///
/// Its only job beyond holding elements is tearing them down without
/// recursion: a value nested 100,000 deep would otherwise overflow the stack
/// when its last reference goes away. Storage is mutated only while a value
/// is being built (by the decoder or an initializer), before it is shared.
final class PyStorage: ManagedBuffer<PyStorage.Header, PyValue> {
    struct Header {
        var count: Int
        var capacity: Int
    }

    static func make(capacity: Int) -> PyStorage {
        let buffer = PyStorage.create(minimumCapacity: Swift.max(capacity, 1)) { _ in
            Header(count: 0, capacity: 0)
        }
        let storage = unsafeDowncast(buffer, to: PyStorage.self)
        storage.withUnsafeMutablePointerToHeader { $0.pointee.capacity = Swift.max(capacity, 1) }
        return storage
    }

    static func make<S: Sequence>(_ elements: S) -> PyStorage where S.Element == PyValue {
        let storage = make(capacity: elements.underestimatedCount)
        for element in elements { storage.append(element) }
        return storage
    }

    /// A storage of `count` copies of `.none`, as Python's `[None] * count`.
    static func filledWithNone(count: Int) -> PyStorage {
        let storage = make(capacity: count)
        storage.withUnsafeMutablePointerToElements { $0.initialize(repeating: .none, count: count) }
        storage.withUnsafeMutablePointerToHeader { $0.pointee.count = count }
        return storage
    }

    var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

    subscript(index: Int) -> PyValue {
        withUnsafeMutablePointerToElements { $0[index] }
    }

    /// Stores `element` at `index` (which must hold an element), releasing the old one.
    func replace(at index: Int, with element: consuming PyValue) {
        let slot = withUnsafeMutablePointerToElements { $0 + index }
        slot.pointee = element
    }

    /// Appends a dict entry. Returns nil when it fit in place; otherwise the
    /// larger copy that the caller must use from now on.
    func appendPair(_ key: consuming PyValue, _ value: consuming PyValue) -> PyStorage? {
        let (count, capacity) = withUnsafeMutablePointerToHeader { ($0.pointee.count, $0.pointee.capacity) }
        if capacity - count >= 2 {
            let slot = withUnsafeMutablePointers { head, elements in
                defer { head.pointee.count += 2 }
                return elements + head.pointee.count
            }
            slot.initialize(to: key)
            (slot + 1).initialize(to: value)
            return nil
        }
        return append(key).append(value)
    }

    /// Appends in place when there is room; otherwise returns a larger copy
    /// that the caller must use from now on.
    @discardableResult
    func append(_ element: consuming PyValue) -> PyStorage {
        let (count, capacity) = withUnsafeMutablePointerToHeader { ($0.pointee.count, $0.pointee.capacity) }
        if count == capacity {
            let bigger = PyStorage.make(capacity: capacity * 2)
            withUnsafeMutablePointers { head, elements in
                bigger.withUnsafeMutablePointerToElements { $0.moveInitialize(from: elements, count: head.pointee.count) }
                bigger.withUnsafeMutablePointerToHeader { $0.pointee.count = head.pointee.count }
                head.pointee.count = 0
            }
            bigger.appendInPlace(element)
            return bigger
        }
        appendInPlace(element)
        return self
    }

    private func appendInPlace(_ element: consuming PyValue) {
        let slot = withUnsafeMutablePointers { head, elements in
            defer { head.pointee.count += 1 }
            return elements + head.pointee.count
        }
        slot.initialize(to: element)
    }

    func withElements<R>(_ body: (UnsafeBufferPointer<PyValue>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { head, elements in
            try body(UnsafeBufferPointer(start: elements, count: head.pointee.count))
        }
    }

    deinit {
        var pending: [PyStorage] = []
        drainElements(into: &pending)
        while let next = pending.popLast() {
            next.drainElements(into: &pending)
        }
    }

    /// Moves every element out; containers that nobody else holds are queued
    /// instead of being released here, so their own teardown never nests.
    private func drainElements(into pending: inout [PyStorage]) {
        withUnsafeMutablePointers { head, elements in
            let count = head.pointee.count
            head.pointee.count = 0
            for index in 0..<count {
                var element = (elements + index).move()
                guard var storage = element.containerStorage else { continue }
                element = .none
                if isKnownUniquelyReferenced(&storage) { pending.append(storage) }
            }
        }
    }
}
