/// Python 3's `repr()` of a `str`: the framing of every bootstrap line.
///
/// Single quotes unless the text contains `'` and no `"`; backslash escapes
/// for `\\`, the quote, `\t`, `\n`, `\r`; `\xNN` for other ASCII controls and
/// DEL; non-ASCII kept as is when Python deems it printable, otherwise
/// `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
public func pythonRepr(_ text: String) -> String {
    String(decoding: pythonReprUTF8(text), as: UTF8.self)
}

/// ``pythonRepr(_:)`` as UTF-8 bytes, written byte by byte: bootstrap lines
/// frame the whole of gateway_base's source (about 60 KB) this way.
func pythonReprUTF8(_ text: String) -> [UInt8] {
    var text = text
    if let ascii = text.withUTF8(asciiRepr) { return ascii }
    return scalarRepr(text)
}

/// The repr of an all-ASCII text, byte by byte (nil for any other text).
/// Most texts sent, gateway_base itself above all, take this way.
private func asciiRepr(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    var singles = 0, doubles = 0, length = 2
    for byte in bytes {
        switch byte {
        case 0x80...: return nil
        case 0x27: singles += 1
        case 0x22: doubles += 1
        case 0x5c, 0x09, 0x0a, 0x0d: length += 2
        case 0x20..<0x7f: length += 1
        default: length += 4  // \xNN
        }
    }
    let quote = singles > 0 && doubles == 0 ? UInt8(ascii: "\"") : UInt8(ascii: "'")
    // Quotes take one byte each, the one chosen to delimit two (escaped).
    length += singles + doubles + (quote == UInt8(ascii: "'") ? singles : doubles)
    return [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
        var at = 0
        func put(_ byte: UInt8) {
            buffer[at] = byte
            at += 1
        }
        put(quote)
        for byte in bytes {
            switch byte {
            case 0x5c, quote:
                put(0x5c)
                put(byte)
            case 0x09:
                put(0x5c)
                put(UInt8(ascii: "t"))
            case 0x0a:
                put(0x5c)
                put(UInt8(ascii: "n"))
            case 0x0d:
                put(0x5c)
                put(UInt8(ascii: "r"))
            case 0x20..<0x7f: put(byte)
            default:
                put(0x5c)
                put(UInt8(ascii: "x"))
                for digit in hex(UInt32(byte), width: 2).utf8 { put(digit) }
            }
        }
        put(quote)
        assert(at == length)
        count = at
    }
}

private func scalarRepr(_ text: String) -> [UInt8] {
    // Bytes, not Characters: a quote followed by a combining mark still counts.
    let quote = text.utf8.contains(UInt8(ascii: "'")) && !text.utf8.contains(UInt8(ascii: "\"")) ? UInt8(ascii: "\"") : UInt8(ascii: "'")
    var out: [UInt8] = [quote]
    out.reserveCapacity(text.utf8.count + text.utf8.count / 16 + 2)
    // No nested functions: one capturing `out` would box it.
    for scalar in text.unicodeScalars {
        let value = scalar.value
        var escape: (prefix: UInt8, width: Int)?
        switch value {
        case 0x5c, UInt32(quote):
            out.append(0x5c)
            out.append(UInt8(value))
        case 0x09:
            out.append(0x5c)
            out.append(UInt8(ascii: "t"))
        case 0x0a:
            out.append(0x5c)
            out.append(UInt8(ascii: "n"))
        case 0x0d:
            out.append(0x5c)
            out.append(UInt8(ascii: "r"))
        case 0..<0x20, 0x7f: escape = (UInt8(ascii: "x"), 2)
        case 0x20..<0x7f: out.append(UInt8(value))
        default:
            if isPythonPrintable(scalar) {
                out.append(contentsOf: String(scalar).utf8)
            } else if value <= 0xff {
                escape = (UInt8(ascii: "x"), 2)
            } else if value <= 0xffff {
                escape = (UInt8(ascii: "u"), 4)
            } else {
                escape = (UInt8(ascii: "U"), 8)
            }
        }
        if let escape {
            out.append(0x5c)
            out.append(escape.prefix)
            out.append(contentsOf: hex(value, width: escape.width).utf8)
        }
    }
    out.append(quote)
    return out
}

/// Python's `str.isprintable()` for one non-ASCII character: false for the
/// "Other" and "Separator" categories except the ASCII space.
private func isPythonPrintable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned,
        .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default:
        return true
    }
}

private func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
