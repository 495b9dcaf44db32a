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
    // Bytes, not Characters: a quote followed by a combining mark still counts.
    let quote = text.utf8.contains(UInt8(ascii: "'")) && !text.utf8.contains(UInt8(ascii: "\"")) ? UInt8(ascii: "\"") : UInt8(ascii: "'")
    var out: [UInt8] = [quote]
    out.reserveCapacity(text.utf8.count + 2)
    func escape(_ prefix: String, _ value: UInt32, width: Int) {
        out.append(contentsOf: prefix.utf8)
        out.append(contentsOf: hex(value, width: width).utf8)
    }
    for scalar in text.unicodeScalars {
        let value = scalar.value
        switch value {
        case 0x5c: out += [0x5c, 0x5c]
        case 0x09: out += [0x5c, UInt8(ascii: "t")]
        case 0x0a: out += [0x5c, UInt8(ascii: "n")]
        case 0x0d: out += [0x5c, UInt8(ascii: "r")]
        case UInt32(quote): out += [0x5c, quote]
        case 0..<0x20, 0x7f: escape("\\x", value, width: 2)
        case 0x20..<0x7f: out.append(UInt8(value))
        default:
            if isPythonPrintable(scalar) {
                out.append(contentsOf: String(scalar).utf8)
            } else if value <= 0xff {
                escape("\\x", value, width: 2)
            } else if value <= 0xffff {
                escape("\\u", value, width: 4)
            } else {
                escape("\\U", value, width: 8)
            }
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
