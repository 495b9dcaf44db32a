/// Reads LONGINT/LONGLONG operands the way Python's `int()` reads bytes:
/// optional ASCII whitespace around an optional sign and decimal digits, with
/// single underscores between digits on Python 3; on Python 2 and PyPy 3,
/// whitespace may also follow the sign, and Python 2's `long()` (LONGLONG)
/// takes a trailing `L`.
enum IntegerText {
    enum Failure: Error {
        case invalid
        case tooManyDigits(Int)
    }

    static func parse(
        _ text: UnsafeRawBufferPointer, dialect: PythonDialect, allowsLongSuffix: Bool, maxDigits: Int?
    ) throws(Failure) -> PyInt {
        var start = 0
        var end = text.count
        while start < end, isSpace(text[start]) { start += 1 }
        while end > start, isSpace(text[end - 1]) { end -= 1 }
        if allowsLongSuffix, dialect == .python2, end > start, text[end - 1] | 0x20 == UInt8(ascii: "l") {
            end -= 1
        }
        var negative = false
        if start < end, text[start] == UInt8(ascii: "-") || text[start] == UInt8(ascii: "+") {
            negative = text[start] == UInt8(ascii: "-")
            start += 1
            if dialect != .python3 {
                while start < end, isSpace(text[start]) { start += 1 }
            }
        }
        guard start < end else { throw .invalid }
        var digits: [UInt8] = []
        digits.reserveCapacity(end - start)
        var previousWasDigit = false
        for index in start..<end {
            let byte = text[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte)
                previousWasDigit = true
            } else if byte == UInt8(ascii: "_"), dialect != .python2, previousWasDigit, index + 1 < end,
                text[index + 1] >= 0x30 && text[index + 1] <= 0x39
            {
                previousWasDigit = false
            } else {
                throw .invalid
            }
        }
        if let maxDigits, digits.count > maxDigits { throw .tooManyDigits(digits.count) }
        return PyInt(sign: negative, digits: digits[...])
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
