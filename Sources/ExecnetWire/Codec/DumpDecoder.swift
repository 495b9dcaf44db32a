/// Turns execnet dumps into ``PyValue``s, accepting what stock execnet's
/// loader accepts and refusing what it refuses (see protocol-spec.md, "Wire").
///
/// The loader is a stack machine, run here without recursion, so nesting
/// depth costs heap, not stack.
public struct DumpDecoder: Sendable {
    public var options: DecodingOptions

    public init(options: DecodingOptions = .lossless) {
        self.options = options
    }

    /// Decodes an internal dump (no version byte), as carried inside messages.
    /// Bytes after STOP are ignored, as stock ignores them.
    public func decode(_ dump: [UInt8]) throws(DumpDecodingError) -> PyValue {
        let result = dump.withUnsafeBytes { bytes in
            Result { () throws(DumpDecodingError) in try decode(bytes) }
        }
        return try result.get()
    }

    public func decode(_ dump: UnsafeRawBufferPointer) throws(DumpDecodingError) -> PyValue {
        if let atom = Self.loneAtom(dump) { return atom }
        var machine = LoadMachine(bytes: dump, options: options)
        return try machine.run(from: 0)
    }

    /// The value of a dump that is exactly one int, None or bool and STOP,
    /// the commonest single items, read without building the stack machine
    /// (three allocations); nil for anything else, which the machine reads.
    /// The result is the machine's for the same bytes, whatever the options.
    @inline(__always)
    static func loneAtom(_ dump: UnsafeRawBufferPointer) -> PyValue? {
        let stop = Opcode.stop.rawValue
        switch dump.count {
        case 2 where dump[1] == stop:
            switch dump[0] {
            case Opcode.none.rawValue: return PyValue.none
            case Opcode.true.rawValue: return .bool(true)
            case Opcode.false.rawValue: return .bool(false)
            default: return nil
            }
        case 6 where dump[0] == Opcode.int.rawValue && dump[5] == stop:
            let raw = dump.loadUnaligned(fromByteOffset: 1, as: UInt32.self)
            return .int(PyInt(Int64(Int32(bitPattern: UInt32(bigEndian: raw)))))
        default:
            return nil
        }
    }

    /// Decodes a versioned dump (`dumps` format). With `format` nil, both
    /// version bytes are accepted; otherwise only that one. Channel
    /// references are refused whatever the options say: stock's `loads` has
    /// no gateway to attach them to and fails on them.
    public func decodeVersioned(_ dump: [UInt8], format: DumpFormat? = nil)
        throws(DumpDecodingError) -> (value: PyValue, format: DumpFormat)
    {
        let result = dump.withUnsafeBytes { bytes in
            Result { () throws(DumpDecodingError) in try decodeVersioned(bytes, format: format) }
        }
        return try result.get()
    }

    public func decodeVersioned(_ bytes: UnsafeRawBufferPointer, format: DumpFormat? = nil)
        throws(DumpDecodingError) -> (value: PyValue, format: DumpFormat)
    {
        let accepted = format.map { [$0] } ?? DumpFormat.allCases
        guard let first = bytes.first, let found = DumpFormat(rawValue: first), accepted.contains(found) else {
            throw DumpDecodingError(
                reason: .wrongVersion(found: bytes.first, expected: accepted), offset: 0, opcode: nil)
        }
        var gatewayless = options
        gatewayless.allowsChannels = false
        var machine = LoadMachine(bytes: bytes, options: gatewayless)
        return (try machine.run(from: 1), found)
    }
}

/// One run of the loader over one dump.
private struct LoadMachine {
    let bytes: UnsafeRawBufferPointer
    let options: DecodingOptions
    let stack: LoadStack
    var offset = 0
    var opcodeOffset = 0
    var opcode: Opcode?
    var listSlotsLeft: Int
    let shortTexts: ShortTextCache?

    init(bytes: UnsafeRawBufferPointer, options: DecodingOptions) {
        self.bytes = bytes
        self.options = options
        // Each entry takes at least one opcode byte: a small dump needs a small stack.
        stack = LoadStack(capacity: min(64, max(2, bytes.count)))
        listSlotsLeft = options.limits.maxListSlots + bytes.count
        shortTexts = bytes.count >= 8192 ? ShortTextCache() : nil
    }

    @inline(never)
    func failure(_ reason: DumpDecodingError.Reason) -> DumpDecodingError {
        DumpDecodingError(reason: reason, offset: opcodeOffset, opcode: opcode)
    }

    mutating func run(from start: Int) throws(DumpDecodingError) -> PyValue {
        offset = start
        while true {
            opcodeOffset = offset
            opcode = nil
            guard offset < bytes.count else { throw failure(.truncated) }
            let byte = bytes[offset]
            offset += 1
            guard let op = Opcode(byte: byte) else { throw failure(.unknownOpcode(byte)) }
            opcode = op
            switch op {
            case .none: push(.none)
            case .true: push(.bool(true))
            case .false: push(.bool(false))
            case .int: push(.int(PyInt(Int64(try readInt32()))))
            case .long: push(.long(PyInt(Int64(try readInt32()))))
            case .longInt: push(.int(try readIntegerText(longSuffix: false)))
            case .longLong: push(.long(try readIntegerText(longSuffix: true)))
            case .float: push(.float(Double(bitPattern: try readUInt64())))
            case .complex:
                let real = Double(bitPattern: try readUInt64())
                push(.complex(real: real, imag: Double(bitPattern: try readUInt64())))
            case .bytes: push(.bytes(Array(try readByteString())))
            case .py2String: try loadPy2String()
            case .py3String: try loadPy3String()
            case .unicode: push(.unicode(try readText()))
            case .newList: try loadNewList()
            case .newDict:
                let storage = PyStorage.make(capacity: 16)
                stack.push(.dict(PyDict(storage: storage)),
                           LoadEntryInfo(hashable: false, target: .passUnretained(storage), isDict: true))
            case .setItem: try loadSetItem()
            case .buildTuple, .set, .frozenset: try loadCollection(op)
            case .channel:
                let id = try readInt32()
                guard options.allowsChannels else { throw failure(.channelNotAllowed) }
                push(.channel(id: id))
            case .stop:
                guard stack.count == 1 else { throw failure(.stackNotSingleAtStop(depth: stack.count)) }
                return stack.popValue()
            }
        }
    }

    @inline(__always)
    mutating func push(_ value: PyValue) {
        stack.push(value, .scalar)
    }

    // MARK: Operands

    @inline(__always)
    mutating func readInt32() throws(DumpDecodingError) -> Int32 {
        guard bytes.count - offset >= 4 else { throw failure(.truncated) }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return Int32(bitPattern: UInt32(bigEndian: raw))
    }

    mutating func readUInt64() throws(DumpDecodingError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw failure(.truncated) }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(bigEndian: raw)
    }

    @inline(__always)
    mutating func readByteString() throws(DumpDecodingError) -> UnsafeRawBufferPointer {
        let length = try readInt32()
        guard length >= 0 else { throw failure(.negativeLength(length)) }
        guard bytes.count - offset >= Int(length) else { throw failure(.truncated) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return slice
    }

    mutating func readText() throws(DumpDecodingError) -> String {
        let raw = try readByteString()
        guard raw.count <= ShortTextCache.maxLength, let (cached, probe) = shortTexts?.lookup(raw) else {
            return try makeText(raw)
        }
        if let cached { return cached }
        let text = try makeText(raw)
        shortTexts?.store(text, at: probe)
        return text
    }

    func makeText(_ raw: UnsafeRawBufferPointer) throws(DumpDecodingError) -> String {
        if let bad = firstInvalidUTF8Offset(raw) { throw failure(.invalidUTF8(byteOffset: bad)) }
        return String(decoding: raw, as: UTF8.self)
    }

    mutating func readIntegerText(longSuffix: Bool) throws(DumpDecodingError) -> PyInt {
        let raw = try readByteString()
        do {
            return try IntegerText.parse(
                raw, dialect: options.dialect, allowsLongSuffix: longSuffix,
                maxDigits: options.limits.maxIntegerDigits)
        } catch {
            switch error {
            case .invalid: throw failure(.invalidIntegerText(Array(raw)))
            case .tooManyDigits(let count):
                throw failure(.tooManyDigits(count: count, limit: options.limits.maxIntegerDigits ?? 0))
            }
        }
    }

    // MARK: Strings

    mutating func loadPy2String() throws(DumpDecodingError) {
        let raw = try readByteString()
        if options.py2strAsPy3str {
            push(.str(String(String.UnicodeScalarView(raw.lazy.map { Unicode.Scalar($0) }))))
        } else {
            push(.py2str(Array(raw)))
        }
    }

    mutating func loadPy3String() throws(DumpDecodingError) {
        if options.py3strAsPy2str {
            push(.py2str(Array(try readByteString())))
        } else {
            push(.str(try readText()))
        }
    }

    // MARK: Containers

    mutating func loadNewList() throws(DumpDecodingError) {
        let count = max(0, Int(try readInt32()))
        guard count <= listSlotsLeft else {
            let limit = options.limits.maxListSlots + bytes.count
            throw failure(.listSlotLimit(requested: limit - listSlotsLeft + count, limit: options.limits.maxListSlots))
        }
        listSlotsLeft -= count
        let storage = PyStorage.filledWithNone(count: count)
        stack.push(.list(PyItems(storage: storage)), LoadEntryInfo(hashable: false, target: .passUnretained(storage)))
    }

    mutating func loadSetItem() throws(DumpDecodingError) {
        guard stack.count >= 3 else { throw failure(.setItemNeedsThreeValues(depth: stack.count)) }
        let depth = stack.count
        let container = stack.infos[depth - 3]
        guard let target = container.target else {
            throw failure(.setItemOnUnsupported(typeName: stack.values[depth - 3].typeName))
        }
        let keyHashable = stack.infos[depth - 2].hashable
        let value = stack.popValue()
        let key = stack.popValue()
        if container.isDict {
            guard keyHashable else { throw failure(.unhashable(typeName: key.typeName)) }
            if let grown = target._withUnsafeGuaranteedRef({ $0.appendPair(key, value) }) {
                stack.values[depth - 3] = .dict(PyDict(storage: grown))
                stack.infos[depth - 3].target = .passUnretained(grown)
            }
        } else {
            let count = target._withUnsafeGuaranteedRef { $0.count }
            let index = try listIndex(key, count: count)
            target._withUnsafeGuaranteedRef { $0.replace(at: index, with: value) }
        }
    }

    /// Python's `list[key] = ...` index rules: ints and bools, negative from the end.
    func listIndex(_ key: PyValue, count: Int) throws(DumpDecodingError) -> Int {
        if case .int(let i) = key, case .small(let small) = i.storage, small >= 0, small < count {
            return Int(small)
        }
        let integer: PyInt
        switch key {
        case .int(let i), .long(let i): integer = i
        case .bool(let b): integer = PyInt(b ? 1 : 0)
        default: throw failure(.listIndexNotInteger(typeName: key.typeName))
        }
        if let small = integer.int {
            let position = small < 0 ? small + count : small
            if position >= 0 && position < count { return position }
        }
        throw failure(.listIndexOutOfRange(index: integer.description, count: count))
    }

    /// BUILDTUPLE, SET and FROZENSET take `stack[-length:]` with Python's
    /// slice clamping: a length beyond the stack takes all of it, a negative
    /// length keeps the bottom `-length` entries.
    mutating func loadCollection(_ op: Opcode) throws(DumpDecodingError) {
        let length = Int(try readInt32())
        let depth = stack.count
        let start: Int
        if length == 0 {
            start = depth
        } else if length > 0 {
            start = max(0, depth - length)
        } else {
            start = min(depth, -length)
        }
        var allHashable = true
        for index in start..<depth where !stack.infos[index].hashable {
            if op != .buildTuple { throw failure(.unhashable(typeName: stack.values[index].typeName)) }
            allHashable = false
        }
        let storage = PyStorage.make(capacity: depth - start)
        stack.moveValues(from: start, into: storage)
        let items = PyItems(storage: storage)
        let value: PyValue
        switch op {
        case .buildTuple: value = .tuple(items)
        case .set: value = .set(items)
        default: value = .frozenset(items)
        }
        let hashable = op == .frozenset || (op == .buildTuple && allHashable)
        stack.push(value, LoadEntryInfo(hashable: hashable))
    }
}
