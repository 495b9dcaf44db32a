import ExecnetWire

/// The standard benchmark corpus, built exactly as the Python side builds it:
///
///     [{"id": i, "name": "item-%d" % i, "score": i * 0.5,
///       "tags": ["a", "b", "c"], "ok": True, "blob": b"\x00\x01" * 8}
///      for i in range(records)]
///
/// Entry order matters (dicts dump in insertion order), `score` is a Python
/// float and `blob` is `bytes`, so the dump is byte-identical to stock's.
enum Corpus {
    static let standardRecords = 20_000

    static func records(_ count: Int) -> PyValue {
        let blob: PyValue = .bytes(Array(repeating: [0x00, 0x01] as [UInt8], count: 8).flatMap { $0 })
        let tags: PyValue = ["a", "b", "c"]
        var items: [PyValue] = []
        items.reserveCapacity(count)
        for i in 0..<count {
            let record: PyValue = [
                "id": .int(PyInt(i)),
                "name": .str("item-\(i)"),
                "score": .float(Double(i) * 0.5),
                "tags": tags,
                "ok": true,
                "blob": blob,
            ]
            items.append(record)
        }
        return .list(PyItems(items))
    }

    /// A cheap digest of a decoded corpus that touches its shape and its last
    /// record, so the optimizer cannot drop the decode it came from.
    static func checksum(_ value: PyValue) -> Int {
        guard let items = value.items else { return -1 }
        var sum = items.count
        if let last = items.last, let id = last["id"]?.intValue, let name = last["name"]?.stringValue {
            sum &+= id &* 31 &+ name.utf8.count
        }
        return sum
    }
}
