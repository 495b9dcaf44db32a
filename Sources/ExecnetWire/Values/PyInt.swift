/// A Python integer of any size.
///
/// Values that fit in 64 bits are stored inline; larger ones keep their
/// canonical decimal text (no sign for positives, no leading zeros), which is
/// exactly what the wire carries, so no arbitrary-precision arithmetic is
/// needed to stay lossless.
public struct PyInt: Sendable, Hashable, Comparable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case small(Int64)
        case big(BigDecimalText)
    }

    let storage: Storage

    public init(_ value: Int64) { storage = .small(value) }

    public init(_ value: Int) { storage = .small(Int64(value)) }

    /// Any binary integer, including ones wider than 64 bits.
    public init<T: BinaryInteger>(_ value: T) {
        if let small = Int64(exactly: value) {
            storage = .small(small)
        } else {
            storage = .big(BigDecimalText(canonical: String(value)))
        }
    }

    /// Parses canonical-or-not decimal text: an optional sign, then ASCII
    /// digits. Returns nil for anything else (no whitespace, no underscores).
    public init?(decimal text: some StringProtocol) {
        var bytes = Array(text.utf8)
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self.init(sign: negative, digits: bytes[...])
    }

    /// Digits must be non-empty ASCII decimal digits (leading zeros allowed).
    init(sign negative: Bool, digits: ArraySlice<UInt8>) {
        var digits = digits
        while digits.count > 1, digits.first == 0x30 { digits.removeFirst() }
        if digits.count <= 18 {
            var magnitude: Int64 = 0
            for d in digits { magnitude = magnitude * 10 + Int64(d - 0x30) }
            storage = .small(negative ? -magnitude : magnitude)
            return
        }
        var text = negative ? "-" : ""
        text += String(decoding: digits, as: UTF8.self)
        if let small = Int64(text) {
            storage = .small(small)
        } else {
            storage = .big(BigDecimalText(canonical: text))
        }
    }

    /// The value as an `Int`, when it fits.
    public var int: Int? {
        if case .small(let v) = storage { return Int(exactly: v) }
        return nil
    }

    /// The value as an `Int64`, when it fits.
    public var int64: Int64? {
        if case .small(let v) = storage { return v }
        return nil
    }

    public var isNegative: Bool {
        switch storage {
        case .small(let v): return v < 0
        case .big(let b): return b.text.utf8.first == UInt8(ascii: "-")
        }
    }

    /// The canonical decimal text, as Python's `str(int)` writes it.
    public var description: String {
        switch storage {
        case .small(let v): return String(v)
        case .big(let b): return b.text
        }
    }

    public static func < (lhs: PyInt, rhs: PyInt) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.small(let a), .small(let b)): return a < b
        default:
            if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
            let a = lhs.description.utf8.drop { $0 == UInt8(ascii: "-") }
            let b = rhs.description.utf8.drop { $0 == UInt8(ascii: "-") }
            let magnitudeLess = a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
            let equal = a.count == b.count && a.elementsEqual(b)
            return lhs.isNegative ? !magnitudeLess && !equal : magnitudeLess
        }
    }
}

extension PyInt: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
}

/// Canonical decimal text of an integer outside the 64-bit range, boxed so
/// that `PyInt` stays one word wide.
final class BigDecimalText: Sendable, Hashable {
    let text: String
    init(canonical text: String) { self.text = text }
    static func == (a: BigDecimalText, b: BigDecimalText) -> Bool { a.text == b.text }
    func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
