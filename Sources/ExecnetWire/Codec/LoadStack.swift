/// What the loader knows about a stack value besides the value itself.
struct LoadEntryInfo {
    /// Whether Python could hash it (tuples: all elements hashable).
    var hashable: Bool
    /// For lists and dicts (only NEWLIST/NEWDICT make them): their storage,
    /// unretained (the value keeps it alive), so SETITEM reaches it without
    /// copying the value or touching reference counts.
    var target: Unmanaged<PyStorage>? = nil
    var isDict = false

    static var scalar: LoadEntryInfo { LoadEntryInfo(hashable: true) }
}

/// The loader's stack in raw buffers, values apart from their trivial
/// bookkeeping, so that values move in and out without copies, reference
/// counting or the uniqueness checks of an `Array`.
final class LoadStack {
    private(set) var values: UnsafeMutablePointer<PyValue>
    private(set) var infos: UnsafeMutablePointer<LoadEntryInfo>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
        values = .allocate(capacity: capacity)
        infos = .allocate(capacity: capacity)
    }

    deinit {
        values.deinitialize(count: count)
        values.deallocate()
        infos.deallocate()
    }

    @inline(__always) func push(_ value: consuming PyValue, _ info: LoadEntryInfo) {
        if count == capacity { grow() }
        (values + count).initialize(to: value)
        infos[count] = info
        count += 1
    }

    @inline(__always) func popValue() -> PyValue {
        count -= 1
        return (values + count).move()
    }

    /// Moves the values of entries `start...` out, oldest first, and drops them.
    func moveValues(from start: Int, into storage: PyStorage) {
        for index in start..<count {
            storage.append((values + index).move())
        }
        count = start
    }

    private func grow() {
        let biggerValues = UnsafeMutablePointer<PyValue>.allocate(capacity: capacity * 2)
        biggerValues.moveInitialize(from: values, count: count)
        values.deallocate()
        values = biggerValues
        let biggerInfos = UnsafeMutablePointer<LoadEntryInfo>.allocate(capacity: capacity * 2)
        biggerInfos.moveInitialize(from: infos, count: count)
        infos.deallocate()
        infos = biggerInfos
        capacity *= 2
    }
}
