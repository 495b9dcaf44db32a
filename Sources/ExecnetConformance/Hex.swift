/// Lowercase hex, the notation of fixtures and of `execnet-conform recode`.
public enum Hex {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case oddLength
        case badDigit(Character)

        public var description: String {
            switch self {
            case .oddLength: return "odd number of hex digits"
            case .badDigit(let c): return "not a hex digit: \(c)"
            }
        }
    }

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts upper or lower case; surrounding whitespace is trimmed.
    public static func decode(_ text: some StringProtocol) throws(Failure) -> [UInt8] {
        let utf8 = Array(text.utf8).trimmingWhitespace()
        guard utf8.count % 2 == 0 else { throw .oddLength }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            out.append(try nibble(utf8[index]) << 4 | nibble(utf8[index + 1]))
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) throws(Failure) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: throw .badDigit(Character(UnicodeScalar(c)))
        }
    }
}

extension Array where Element == UInt8 {
    func trimmingWhitespace() -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return []
        }
        return self[first...last]
    }
}
