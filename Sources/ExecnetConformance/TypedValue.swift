import ExecnetWire
import Foundation

/// Reads the fixtures' codec-independent notation of values and bytes
/// (described in Fixtures/README.md).
public enum TypedValue {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// A "hexspec": a hex string, or `{"runs": [[hex, count], ...]}`.
    public static func bytes(_ json: Any) throws -> [UInt8] {
        if let text = json as? String { return try Hex.decode(text) }
        guard let object = json as? [String: Any], let runs = object["runs"] as? [[Any]] else {
            throw Failure(description: "not a hexspec: \(json)")
        }
        var out: [UInt8] = []
        for run in runs {
            guard run.count == 2, let unit = run[0] as? String, let count = run[1] as? Int else {
                throw Failure(description: "bad run \(run)")
            }
            let unitBytes = try Hex.decode(unit)
            for _ in 0..<count { out += unitBytes }
        }
        return out
    }

    /// Values the fixtures hold that ``PyValue`` cannot.
    public enum Unrepresentable: Error {
        /// Text with lone surrogates (Python 2 only).
        case surrogates
    }

    /// Text: a JSON string, `{"repeat": unit, "count": n}`, or
    /// `{"codepoints": [...]}` for text JSON strings cannot carry.
    static func text(_ json: Any) throws -> String {
        if let text = json as? String { return text }
        if let object = json as? [String: Any], let points = object["codepoints"] as? [Int] {
            var scalars = String.UnicodeScalarView()
            for point in points {
                guard let scalar = Unicode.Scalar(UInt32(clamping: point)) else { throw Unrepresentable.surrogates }
                scalars.append(scalar)
            }
            return String(scalars)
        }
        guard let object = json as? [String: Any], let unit = object["repeat"] as? String,
            let count = object["count"] as? Int
        else { throw Failure(description: "not a text: \(json)") }
        return String(repeating: unit, count: count)
    }

    /// A typed value: `[tag, payload...]`.
    public static func value(_ json: Any) throws -> PyValue {
        guard let array = json as? [Any], let tag = array.first as? String else {
            throw Failure(description: "not a typed value: \(json)")
        }
        func arg(_ i: Int) throws -> Any {
            guard array.count > i else { throw Failure(description: "\(tag) needs \(i) arguments") }
            return array[i]
        }
        func integer(_ json: Any) throws -> PyInt {
            guard let text = json as? String, let i = PyInt(decimal: text) else {
                throw Failure(description: "bad integer \(json)")
            }
            return i
        }
        func double(_ json: Any) throws -> Double {
            guard let text = json as? String, let bits = UInt64(text, radix: 16) else {
                throw Failure(description: "bad float bits \(json)")
            }
            return Double(bitPattern: bits)
        }
        func elements(_ json: Any) throws -> PyItems {
            guard let list = json as? [Any] else { throw Failure(description: "\(tag) needs a list") }
            return PyItems(try list.map(value))
        }
        switch tag {
        case "none": return .none
        case "bool":
            guard let b = try arg(1) as? Bool else { throw Failure(description: "bad bool") }
            return .bool(b)
        case "int": return .int(try integer(try arg(1)))
        case "long": return .long(try integer(try arg(1)))
        case "float": return .float(try double(try arg(1)))
        case "complex": return .complex(real: try double(try arg(1)), imag: try double(try arg(2)))
        case "bytes": return .bytes(try bytes(try arg(1)))
        case "py2str": return .py2str(try bytes(try arg(1)))
        case "str": return .str(try text(try arg(1)))
        case "unicode": return .unicode(try text(try arg(1)))
        case "list": return .list(try elements(try arg(1)))
        case "tuple": return .tuple(try elements(try arg(1)))
        case "set": return .set(try elements(try arg(1)))
        case "frozenset": return .frozenset(try elements(try arg(1)))
        case "dict":
            guard let pairs = try arg(1) as? [[Any]] else { throw Failure(description: "dict needs pairs") }
            return .dict(
                PyDict(
                    try pairs.map { pair in
                        guard pair.count == 2 else { throw Failure(description: "bad dict pair") }
                        return (try value(pair[0]), try value(pair[1]))
                    }))
        case "channel":
            guard let id = try arg(1) as? Int, let id32 = Int32(exactly: id) else {
                throw Failure(description: "bad channel id")
            }
            return .channel(id: id32)
        default: throw Failure(description: "unknown tag \(tag)")
        }
    }
}
