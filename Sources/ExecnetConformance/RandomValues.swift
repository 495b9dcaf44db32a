import ExecnetWire

/// A small, seedable generator so that every fuzz run can be replayed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random values of every kind, for property tests and fuzz seeds.
public struct RandomValues {
    public var rng: SplitMix64
    public var maxDepth: Int
    public var maxWidth: Int

    public init(seed: UInt64, maxDepth: Int = 4, maxWidth: Int = 5) {
        rng = SplitMix64(seed: seed)
        self.maxDepth = maxDepth
        self.maxWidth = maxWidth
    }

    mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    public mutating func value(depth: Int = 0) -> PyValue {
        let containerChance = depth < maxDepth ? 6 : 0
        let pick = below(14 + containerChance)
        if pick >= 14 { return container(depth: depth) }
        return scalar(pick)
    }

    /// Values Python can hash: scalars, tuples of them, frozensets.
    public mutating func hashable(depth: Int = 0) -> PyValue {
        switch below(depth < maxDepth ? 16 : 14) {
        case 14: return .tuple(PyItems((0..<below(maxWidth)).map { _ in hashable(depth: depth + 1) }))
        case 15: return .frozenset(PyItems((0..<below(maxWidth)).map { _ in hashable(depth: depth + 1) }))
        case let n: return scalar(n)
        }
    }

    mutating func scalar(_ pick: Int) -> PyValue {
        switch pick {
        case 0: return .none
        case 1: return .bool(below(2) == 0)
        case 2: return .int(integer())
        case 3: return .long(integer())
        case 4: return .float(double())
        case 5: return .complex(real: double(), imag: double())
        case 6: return .bytes(bytes())
        case 7: return .str(text())
        case 8: return .py2str(bytes())
        case 9: return .unicode(text())
        case 10: return .channel(id: Int32(truncatingIfNeeded: below(3) == 0 ? rng.next() : rng.next() % 20))
        case 11: return .int(PyInt(Int64(below(10))))
        case 12: return .str(["", "a", "key", "é", "\u{1F600}"][below(5)])
        default: return .float([0.0, -0.0, .nan, .infinity, 1.5][below(5)])
        }
    }

    mutating func container(depth: Int) -> PyValue {
        let width = below(maxWidth + 1)
        switch below(6) {
        case 0, 1: return .list(PyItems((0..<width).map { _ in value(depth: depth + 1) }))
        case 2: return .tuple(PyItems((0..<width).map { _ in value(depth: depth + 1) }))
        case 3: return .set(PyItems((0..<width).map { _ in hashable(depth: depth + 1) }))
        case 4: return .frozenset(PyItems((0..<width).map { _ in hashable(depth: depth + 1) }))
        default:
            return .dict(PyDict((0..<width).map { _ in (hashable(depth: depth + 1), value(depth: depth + 1)) }))
        }
    }

    mutating func integer() -> PyInt {
        switch below(6) {
        case 0: return PyInt(Int64(below(200)) - 100)
        case 1: return PyInt(Int64(Int32.max) + Int64(below(3)) - 1)
        case 2: return PyInt(Int64(Int32.min) + Int64(below(3)) - 1)
        case 3: return PyInt(Int64(bitPattern: rng.next()))
        case 4: return PyInt(decimal: String(repeating: "9", count: 19 + below(60)))!
        default: return PyInt(decimal: "-" + String(repeating: "7", count: 19 + below(60)))!
        }
    }

    mutating func double() -> Double {
        switch below(4) {
        case 0: return Double(bitPattern: rng.next())
        case 1: return [0.0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude][below(7)]
        default: return Double(below(2000)) / 8 - 100
        }
    }

    mutating func bytes() -> [UInt8] { (0..<below(12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }

    mutating func text() -> String {
        let pool: [Unicode.Scalar] = ["a", "z", " ", "'", "\"", "\\", "\n", "\u{0}", "é", "ß", "中", "\u{1F600}", "\u{10FFFF}", "\u{7F}"]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<below(10) { scalars.append(pool[below(pool.count)]) }
        return String(scalars)
    }
}

/// Byte-level mutations of valid dumps, biased towards the format's weak
/// spots: opcodes, 32-bit operands and lengths.
public struct DumpMutator {
    public var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    public mutating func mutate(_ input: [UInt8], splice other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + below(3)) { mutateOnce(&bytes, other: other) }
        return bytes
    }

    mutating func mutateOnce(_ bytes: inout [UInt8], other: [UInt8]) {
        let position = below(bytes.count + 1)
        switch below(9) {
        case 0 where !bytes.isEmpty:
            bytes[min(position, bytes.count - 1)] ^= UInt8(1 << below(8))
        case 1:
            bytes.insert(UInt8(0x40 + below(21)), at: position)
        case 2 where !bytes.isEmpty:
            bytes.remove(at: min(position, bytes.count - 1))
        case 3:
            let edges: [UInt32] = [0, 1, 2, 3, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 5, 100]
            let value = edges[below(edges.count)].bigEndian
            let word = withUnsafeBytes(of: value) { Array($0) }
            let start = min(position, max(0, bytes.count - 4))
            bytes.replaceSubrange(start..<min(bytes.count, start + 4), with: word)
        case 4 where !bytes.isEmpty:
            bytes.removeSubrange(min(position, bytes.count - 1)...)
        case 5 where !other.isEmpty:
            let from = below(other.count)
            bytes.insert(contentsOf: other[from..<min(other.count, from + 1 + below(12))], at: position)
        case 6 where bytes.count > 1:
            let start = below(bytes.count - 1)
            let chunk = bytes[start..<min(bytes.count, start + 1 + below(10))]
            bytes.insert(contentsOf: chunk, at: position)
        case 7:
            let interesting: [UInt8] = [0x50, 0x51, 0x40, 0x4F, 0x45, 0x4A, 0x4B, 0x4C, 0x52, 0x20, 0x5F, 0x30]
            bytes.insert(interesting[below(interesting.count)], at: position)
        default:
            if !bytes.isEmpty { bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: rng.next()) }
        }
    }
}
