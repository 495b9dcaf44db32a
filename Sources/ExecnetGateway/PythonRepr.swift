/// Python 3's `repr()` of a `str`: the framing of every bootstrap line.
///
/// Single quotes unless the text contains `'` and no `"`; backslash escapes
/// for `\\`, the quote, `\t`, `\n`, `\r`; `\xNN` for other ASCII controls and
/// DEL; non-ASCII kept as is when Python deems it printable, otherwise
/// `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
public func pythonRepr(_ text: String) -> String {
    // Scalars, not Characters: a quote followed by a combining mark still counts.
    let quote: Character = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
    var out = String(quote)
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\t": out += "\\t"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        default:
            if scalar == quote.unicodeScalars.first! {
                out += "\\" + String(quote)
            } else if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + hex(scalar.value, width: 2)
            } else if scalar.value < 0x7f || isPythonPrintable(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value <= 0xff {
                out += "\\x" + hex(scalar.value, width: 2)
            } else if scalar.value <= 0xffff {
                out += "\\u" + hex(scalar.value, width: 4)
            } else {
                out += "\\U" + hex(scalar.value, width: 8)
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
