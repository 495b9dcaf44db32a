/// Turns ``PyValue``s into execnet dumps, byte for byte as stock execnet's
/// serializer writes them where stock can write them at all.
///
/// Where stock fails (integers below -2**31 make it raise `struct.error`),
/// this encoder writes the LONGINT/LONGLONG decimal form, which every stock
/// loader reads back correctly. Lengths above 2**31-1 cannot be expressed and
/// throw before any byte is written.
public struct DumpEncoder: Sendable {
    public init() {}

    /// An internal dump (no version byte), as carried inside messages.
    public func encode(_ value: PyValue) throws(DumpEncodingError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(value, into: &out)
        return out
    }

    /// A versioned dump (`dumps` format) led by `format`'s version byte.
    public func encodeVersioned(_ value: PyValue, format: DumpFormat = .version2) throws(DumpEncodingError) -> [UInt8] {
        var out: [UInt8] = [format.rawValue]
        try encode(value, into: &out)
        return out
    }

    /// Appends an internal dump to `out`. On error `out` is left as it was.
    public func encode(_ value: PyValue, into out: inout [UInt8]) throws(DumpEncodingError) {
        try withWriter { writer throws(DumpEncodingError) in
            try writer.write(value)
            out.append(contentsOf: UnsafeRawBufferPointer(start: writer.sink.base, count: writer.sink.count))
        }
    }

    /// A writer whose sink starts in 512 bytes of stack (small dumps never
    /// touch the heap) and is released after `body`.
    private func withWriter<R>(
        _ body: (inout DumpWriter) throws(DumpEncodingError) -> R
    ) throws(DumpEncodingError) -> R {
        try withUnsafeTemporaryAllocation(byteCount: 512, alignment: 16) { scratch throws(DumpEncodingError) in
            var writer = DumpWriter(sink: ByteSink(scratch: scratch))
            defer { writer.sink.deallocate() }
            return try body(&writer)
        }
    }

    /// An internal dump as consecutive segments whose concatenation is what
    /// ``encode(_:)`` returns, led by `prefix` zero bytes (room for a
    /// caller's header). Every bytes (or Python 2 str) value of at least
    /// `threshold` bytes is a segment of its own that shares the value's
    /// storage: a megabyte payload is never copied on its way to a write.
    public func encodeSegments(
        _ value: PyValue, prefix: Int = 0, sharingAtLeast threshold: Int = 64 << 10
    ) throws(DumpEncodingError) -> [[UInt8]] {
        try withWriter { writer throws(DumpEncodingError) in
            writer.shareThreshold = max(threshold, 1)
            writer.sink.reserve(prefix)
            (writer.sink.base).initializeMemory(as: UInt8.self, repeating: 0, count: prefix)
            writer.sink.count = prefix
            try writer.write(value)
            writer.cutSegment()
            return writer.segments
        }
    }
}

/// A growable byte buffer written through raw stores: one capacity check per
/// write, no uniqueness checks, no per-append memcpy calls.
struct ByteSink {
    var base: UnsafeMutableRawPointer
    var count = 0
    var capacity: Int
    /// False while `base` is the caller's scratch memory.
    private var ownsBase: Bool

    /// Starts in `scratch`, which must outlive the sink's use.
    init(scratch: UnsafeMutableRawBufferPointer) {
        base = scratch.baseAddress!
        capacity = scratch.count
        ownsBase = false
    }

    func deallocate() { if ownsBase { base.deallocate() } }

    @inline(__always) mutating func reserve(_ n: Int) {
        if capacity - count < n { grow(n) }
    }

    @inline(never) mutating func grow(_ n: Int) {
        let newCapacity = Swift.max(capacity * 2, count + n)
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        bigger.copyMemory(from: base, byteCount: count)
        deallocate()
        base = bigger
        capacity = newCapacity
        ownsBase = true
    }

    /// After `reserve`.
    @inline(__always) mutating func byteUnchecked(_ b: UInt8) {
        base.storeBytes(of: b, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func byte(_ b: UInt8) {
        reserve(1)
        base.storeBytes(of: b, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func opInt32(_ op: Opcode, _ value: Int32) {
        reserve(5)
        base.storeBytes(of: op.rawValue, toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: UInt32(bitPattern: value).bigEndian, toByteOffset: count + 1, as: UInt32.self)
        count += 5
    }

    @inline(__always) mutating func opUInt64(_ op: Opcode, _ value: UInt64) {
        reserve(9)
        base.storeBytes(of: op.rawValue, toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: value.bigEndian, toByteOffset: count + 1, as: UInt64.self)
        count += 9
    }

    @inline(__always) mutating func uint64(_ value: UInt64) {
        reserve(8)
        base.storeBytes(of: value.bigEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    @inline(__always) mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let src = bytes.baseAddress { (base + count).copyMemory(from: src, byteCount: bytes.count) }
        count += bytes.count
    }
}

private struct DumpWriter {
    var sink: ByteSink
    /// encodeSegments only: bytes values this long are shared, not copied.
    var shareThreshold = Int.max
    var segments: [[UInt8]] = []

    /// What the sink holds becomes the next segment.
    mutating func cutSegment() {
        guard sink.count > 0 else { return }
        segments.append(Array(UnsafeRawBufferPointer(start: sink.base, count: sink.count)))
        sink.count = 0
    }

    enum Kind { case list, dict, tuple, set, frozenset }

    /// No strong reference: every storage is reachable from the root value,
    /// which `write` borrows for its whole run, and storages never change once
    /// shared, so the tail-allocated elements stay put. Frames are plain data.
    struct Frame {
        let elements: UnsafeMutablePointer<PyValue>
        let count: Int
        let kind: Kind
        var next = 0
    }

    var frames: [Frame] = []

    /// The innermost open container is `current`; `frames` holds only its
    /// ancestors, so the per-element loop touches no array.
    var current: Frame? = nil

    mutating func write(_ root: PyValue) throws(DumpEncodingError) {
        try emit(root)
        while var frame = current {
            let next = frame.next
            switch frame.kind {
            case .list:
                if next > 0 { sink.byte(Opcode.setItem.rawValue) }
                if next == frame.count { current = frames.popLast(); continue }
                sink.opInt32(.int, Int32(truncatingIfNeeded: next))
            case .dict:
                if next > 0 && next % 2 == 0 { sink.byte(Opcode.setItem.rawValue) }
                if next == frame.count { current = frames.popLast(); continue }
            case .tuple, .set, .frozenset:
                if next == frame.count {
                    let kind = frame.kind
                    sink.opInt32(kind == .tuple ? .buildTuple : kind == .set ? .set : .frozenset, Int32(truncatingIfNeeded: frame.count))
                    current = frames.popLast()
                    continue
                }
            }
            frame.next = next + 1
            current = frame
            try emit(frame.elements[next])
        }
        sink.byte(Opcode.stop.rawValue)
    }

    /// Writes a scalar whole, or a container's opening and pushes its frame.
    mutating func emit(_ value: borrowing PyValue) throws(DumpEncodingError) {
        switch value {
        case .none: sink.byte(Opcode.none.rawValue)
        case .bool(let b): sink.byte(b ? Opcode.true.rawValue : Opcode.false.rawValue)
        case .int(let i): integer(i, short: .int, long: .longInt)
        case .long(let i): integer(i, short: .long, long: .longLong)
        case .float(let d): sink.opUInt64(.float, d.bitPattern)
        case .complex(let r, let i):
            sink.opUInt64(.complex, r.bitPattern)
            sink.uint64(i.bitPattern)
        case .bytes(let b): try byteArray(.bytes, b, typeName: "bytes")
        case .py2str(let b): try byteArray(.py2String, b, typeName: "str")
        case .str(let s): try text(.py3String, s, typeName: "str")
        case .unicode(let s): try text(.unicode, s, typeName: "unicode")
        case .channel(let id): sink.opInt32(.channel, id)
        case .list(let items):
            let count = try length(items.count, typeName: "list")
            sink.opInt32(.newList, count)
            push(items.storage, .list)
        case .dict(let dict):
            sink.byte(Opcode.newDict.rawValue)
            push(dict.storage, .dict)
        case .tuple(let items): try open(items, .tuple, typeName: "tuple")
        case .set(let items): try open(items, .set, typeName: "set")
        case .frozenset(let items): try open(items, .frozenset, typeName: "frozenset")
        }
    }

    mutating func push(_ storage: PyStorage, _ kind: Kind) {
        let (elements, count) = storage.withUnsafeMutablePointers { head, elements in (elements, head.pointee.count) }
        if let parent = current { frames.append(parent) }
        current = Frame(elements: elements, count: count, kind: kind)
    }

    mutating func open(_ items: PyItems, _ kind: Kind, typeName: String) throws(DumpEncodingError) {
        _ = try length(items.count, typeName: typeName)
        push(items.storage, kind)
    }

    func length(_ count: Int, typeName: String) throws(DumpEncodingError) -> Int32 {
        guard let length = Int32(exactly: count) else {
            throw DumpEncodingError(reason: .tooLong(typeName: typeName, count: count))
        }
        return length
    }

    mutating func integer(_ i: PyInt, short: Opcode, long: Opcode) {
        if let small = i.int64, let fits = Int32(exactly: small) {
            sink.opInt32(short, fits)
        } else {
            var text = i.description
            text.withUTF8 { utf8 in
                sink.opInt32(long, Int32(utf8.count))
                sink.raw(UnsafeRawBufferPointer(utf8))
            }
        }
    }

    mutating func byteArray(_ op: Opcode, _ bytes: [UInt8], typeName: String) throws(DumpEncodingError) {
        let count = try length(bytes.count, typeName: typeName)
        sink.opInt32(op, count)
        if bytes.count >= shareThreshold {
            cutSegment()
            segments.append(bytes)
            return
        }
        bytes.withUnsafeBytes { sink.raw($0) }
    }

    mutating func text(_ op: Opcode, _ string: borrowing String, typeName: String) throws(DumpEncodingError) {
        let utf8 = string.utf8
        let count = try length(utf8.count, typeName: typeName)
        sink.opInt32(op, count)
        let copied: Void? = utf8.withContiguousStorageIfAvailable { sink.raw(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            sink.reserve(Int(count))
            for byte in utf8 { sink.byteUnchecked(byte) }
        }
    }
}
