extension PyValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// Python 3's `repr` of what stock execnet's `loads` gives for this value
    /// (Python 2 `str` shows as bytes, `unicode` as str, `long` as int).
    public var description: String { render(tagged: false) }

    /// Like ``description`` but keeps the Python 2 kinds apart: `5L`,
    /// `u'text'`, `str2(b'bytes')`.
    public var debugDescription: String { render(tagged: true) }

    private struct Frame {
        let storage: PyStorage
        let open: String
        let close: String
        let isDict: Bool
        var next = 0
    }

    private func render(tagged: Bool) -> String {
        var out = ""
        var frames: [Frame] = []
        func emit(_ value: PyValue) {
            switch value {
            case .none: out += "None"
            case .bool(let b): out += b ? "True" : "False"
            case .int(let i): out += i.description
            case .long(let i): out += tagged ? "\(i)L" : i.description
            case .float(let d): out += pythonFloatRepr(d)
            case .complex(let r, let i): out += pythonComplexRepr(real: r, imag: i)
            case .bytes(let b): out += pythonBytesRepr(b)
            case .py2str(let b): out += tagged ? "str2(\(pythonBytesRepr(b)))" : pythonBytesRepr(b)
            case .str(let s): out += pythonStringRepr(s)
            case .unicode(let s): out += (tagged ? "u" : "") + pythonStringRepr(s)
            case .channel(let id): out += "<Channel id=\(id)>"
            case .list(let items): open(items.storage, "[", "]", isDict: false)
            case .tuple(let items):
                open(items.storage, "(", items.count == 1 ? ",)" : ")", isDict: false)
            case .set(let items):
                if items.isEmpty { out += "set()" } else { open(items.storage, "{", "}", isDict: false) }
            case .frozenset(let items):
                if items.isEmpty { out += "frozenset()" } else { open(items.storage, "frozenset({", "})", isDict: false) }
            case .dict(let dict): open(dict.storage, "{", "}", isDict: true)
            }
        }
        func open(_ storage: PyStorage, _ opener: String, _ closer: String, isDict: Bool) {
            out += opener
            frames.append(Frame(storage: storage, open: opener, close: closer, isDict: isDict))
        }
        emit(self)
        while !frames.isEmpty {
            let top = frames.count - 1
            let index = frames[top].next
            let storage = frames[top].storage
            if index == storage.count {
                out += frames[top].close
                frames.removeLast()
                continue
            }
            frames[top].next += 1
            if index > 0 { out += frames[top].isDict && index % 2 == 1 ? ": " : ", " }
            emit(storage[index])
        }
        return out
    }
}

func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    var text = "\(d)"
    // Swift writes "1e-05" and "1e+16" as Python does, but a few forms differ.
    if let e = text.firstIndex(of: "e") {
        let mantissa = text[..<e]
        var exponent = String(text[text.index(after: e)...])
        if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
        let digits = exponent.dropFirst()
        if digits.count == 1 { exponent = String(exponent.first!) + "0" + digits }
        let trimmedMantissa = mantissa.hasSuffix(".0") ? String(mantissa.dropLast(2)) : String(mantissa)
        text = trimmedMantissa + "e" + exponent
    }
    return text
}

func pythonComplexRepr(real: Double, imag: Double) -> String {
    func part(_ d: Double) -> String {
        let text = pythonFloatRepr(d)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
    if real == 0 && real.sign == .plus { return part(imag) + "j" }
    let imagText = part(imag)
    let sign = imagText.hasPrefix("-") ? "" : "+"
    return "(\(part(real))\(sign)\(imagText)j)"
}

func pythonBytesRepr(_ bytes: [UInt8]) -> String {
    let quote: UInt8 = bytes.contains(UInt8(ascii: "'")) && !bytes.contains(UInt8(ascii: "\"")) ? 0x22 : 0x27
    var out = "b" + String(UnicodeScalar(quote))
    for byte in bytes {
        switch byte {
        case 0x5C: out += "\\\\"
        case quote: out += "\\" + String(UnicodeScalar(byte))
        case 0x09: out += "\\t"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x20..<0x7F: out.unicodeScalars.append(UnicodeScalar(byte))
        default: out += "\\x" + hexByte(byte)
        }
    }
    return out + String(UnicodeScalar(quote))
}

func pythonStringRepr(_ text: String) -> String {
    let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x5C: out += "\\\\"
        case 0x09: out += "\\t"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0..<0x20, 0x7F..<0xA1, 0xAD:
            out += "\\x" + hexByte(UInt8(scalar.value))
        case 0xD800..<0xE000, 0xFFFE, 0xFFFF, 0x2028, 0x2029, 0xE0000...:
            out += escapedScalar(scalar.value)
        default:
            if Character(scalar) == quote { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
    }
    out.append(quote)
    return out
}

func hexByte(_ byte: UInt8) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

private func escapedScalar(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    let width = value > 0xFFFF ? 8 : 4
    let prefix = value > 0xFFFF ? "\\U" : "\\u"
    return prefix + String(repeating: "0", count: width - hex.count) + hex
}

extension PyItems: CustomStringConvertible {
    /// The items as a Python list literal.
    public var description: String { PyValue.list(self).description }
}

extension PyDict: CustomStringConvertible {
    /// As Python prints the dict.
    public var description: String { PyValue.dict(self).description }
}
