/// The elements of a Python list, tuple, set or frozenset, in wire order.
///
/// Sets keep their members in the order the dump listed them, duplicates
/// included, so that encoding them again reproduces the same bytes.
/// Storage is never mutated once the value exists, so sharing it is safe.
public struct PyItems: @unchecked Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    let storage: PyStorage

    init(storage: PyStorage) { self.storage = storage }

    public init() { storage = PyStorage.make(capacity: 0) }

    public init<S: Sequence>(_ elements: S) where S.Element == PyValue {
        storage = PyStorage.make(elements)
    }

    public init(arrayLiteral elements: PyValue...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    public subscript(position: Int) -> PyValue {
        precondition(position >= 0 && position < storage.count, "PyItems index out of range")
        return storage[position]
    }
}

/// A Python dict as the wire carries it: key/value entries in wire order.
///
/// Looking a key up returns the value of its last entry, as Python's dict
/// would after loading entries with a repeated key.
public struct PyDict: @unchecked Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: PyValue, value: PyValue)

    /// Keys and values interleaved: key at 2i, value at 2i + 1.
    let storage: PyStorage

    init(storage: PyStorage) { self.storage = storage }

    public init() { storage = PyStorage.make(capacity: 0) }

    public init<S: Sequence>(_ entries: S) where S.Element == (PyValue, PyValue) {
        var storage = PyStorage.make(capacity: 2 * entries.underestimatedCount)
        for (key, value) in entries {
            storage = storage.append(key)
            storage = storage.append(value)
        }
        self.storage = storage
    }

    public init(dictionaryLiteral elements: (PyValue, PyValue)...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count / 2 }
    public subscript(position: Int) -> Element {
        precondition(position >= 0 && position < endIndex, "PyDict index out of range")
        return (storage[2 * position], storage[2 * position + 1])
    }

    /// The value stored for `key` (its last entry), compared with `PyValue`'s `==`.
    public subscript(key: PyValue) -> PyValue? {
        var index = endIndex - 1
        while index >= 0 {
            if storage[2 * index] == key { return storage[2 * index + 1] }
            index -= 1
        }
        return nil
    }

    /// The value for a text key (`str` or py2 `unicode`).
    public subscript(key: String) -> PyValue? {
        self[.str(key)] ?? self[.unicode(key)]
    }

    public var keys: [PyValue] { map(\.key) }
    public var values: [PyValue] { map(\.value) }
}
