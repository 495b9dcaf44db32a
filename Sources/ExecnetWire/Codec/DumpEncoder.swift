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
        let mark = out.count
        var writer = DumpWriter(out: consume out)
        defer { out = writer.out }
        do {
            try writer.write(value)
        } catch {
            writer.out.removeSubrange(mark...)
            throw error
        }
    }
}

private struct DumpWriter {
    var out: [UInt8]

    enum Kind { case list, dict, tuple, set, frozenset }

    struct Frame {
        let storage: PyStorage
        let kind: Kind
        var next = 0
    }

    var frames: [Frame] = []

    mutating func write(_ root: PyValue) throws(DumpEncodingError) {
        try emit(root)
        while !frames.isEmpty {
            let top = frames.count - 1
            let frame = frames[top]
            let count = frame.storage.count
            switch frame.kind {
            case .list:
                if frame.next > 0 { opcode(.setItem) }
                if frame.next == count { frames.removeLast(); continue }
                opcode(.int)
                int32(Int32(frame.next))
            case .dict:
                if frame.next > 0 && frame.next % 2 == 0 { opcode(.setItem) }
                if frame.next == count { frames.removeLast(); continue }
            case .tuple, .set, .frozenset:
                if frame.next == count {
                    opcode(frame.kind == .tuple ? .buildTuple : frame.kind == .set ? .set : .frozenset)
                    int32(Int32(count))
                    frames.removeLast()
                    continue
                }
            }
            frames[top].next += 1
            try emit(frame.storage[frame.next])
        }
        opcode(.stop)
    }

    /// Writes a scalar whole, or a container's opening and pushes its frame.
    mutating func emit(_ value: PyValue) throws(DumpEncodingError) {
        switch value {
        case .none: opcode(.none)
        case .bool(let b): opcode(b ? .true : .false)
        case .int(let i): integer(i, short: .int, long: .longInt)
        case .long(let i): integer(i, short: .long, long: .longLong)
        case .float(let d):
            opcode(.float)
            uint64(d.bitPattern)
        case .complex(let r, let i):
            opcode(.complex)
            uint64(r.bitPattern)
            uint64(i.bitPattern)
        case .bytes(let b): try byteString(.bytes, b, typeName: "bytes")
        case .py2str(let b): try byteString(.py2String, b, typeName: "str")
        case .str(let s): try byteString(.py3String, s.utf8, typeName: "str")
        case .unicode(let s): try byteString(.unicode, s.utf8, typeName: "unicode")
        case .channel(let id):
            opcode(.channel)
            int32(id)
        case .list(let items):
            let count = try length(items.count, typeName: "list")
            opcode(.newList)
            int32(count)
            frames.append(Frame(storage: items.storage, kind: .list))
        case .dict(let dict):
            opcode(.newDict)
            frames.append(Frame(storage: dict.storage, kind: .dict))
        case .tuple(let items): try open(items, .tuple, typeName: "tuple")
        case .set(let items): try open(items, .set, typeName: "set")
        case .frozenset(let items): try open(items, .frozenset, typeName: "frozenset")
        }
    }

    mutating func open(_ items: PyItems, _ kind: Kind, typeName: String) throws(DumpEncodingError) {
        _ = try length(items.count, typeName: typeName)
        frames.append(Frame(storage: items.storage, kind: kind))
    }

    func length(_ count: Int, typeName: String) throws(DumpEncodingError) -> Int32 {
        guard let length = Int32(exactly: count) else {
            throw DumpEncodingError(reason: .tooLong(typeName: typeName, count: count))
        }
        return length
    }

    mutating func integer(_ i: PyInt, short: Opcode, long: Opcode) {
        if let small = i.int64, let fits = Int32(exactly: small) {
            opcode(short)
            int32(fits)
        } else {
            let text = i.description.utf8
            opcode(long)
            int32(Int32(text.count))
            out.append(contentsOf: text)
        }
    }

    mutating func byteString<C: Collection>(_ op: Opcode, _ bytes: C, typeName: String) throws(DumpEncodingError)
    where C.Element == UInt8 {
        let count = try length(bytes.count, typeName: typeName)
        opcode(op)
        int32(count)
        out.append(contentsOf: bytes)
    }

    mutating func opcode(_ op: Opcode) { out.append(op.rawValue) }

    mutating func int32(_ value: Int32) {
        withUnsafeBytes(of: UInt32(bitPattern: value).bigEndian) { out.append(contentsOf: $0) }
    }

    mutating func uint64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
