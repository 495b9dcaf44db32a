/// Why a dump was refused, with the byte offset of the opcode being read.
public struct DumpDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A versioned dump did not start with the expected version byte (nil: empty input).
        case wrongVersion(found: UInt8?, expected: [DumpFormat])
        case unknownOpcode(UInt8)
        /// The input ended inside an operand or before STOP.
        case truncated
        /// A string or bytes length below zero.
        case negativeLength(Int32)
        /// STOP found a stack that does not hold exactly one value.
        case stackNotSingleAtStop(depth: Int)
        /// SETITEM needs a container, a key and a value on the stack.
        case setItemNeedsThreeValues(depth: Int)
        /// SETITEM's target is not a list or dict (names the Python type).
        case setItemOnUnsupported(typeName: String)
        case listIndexNotInteger(typeName: String)
        case listIndexOutOfRange(index: String, count: Int)
        /// A dict key or set member of a type Python cannot hash.
        case unhashable(typeName: String)
        /// LONGINT/LONGLONG text that Python's `int()` refuses.
        case invalidIntegerText([UInt8])
        /// More decimal digits than ``DecodingLimits/maxIntegerDigits``.
        case tooManyDigits(count: Int, limit: Int)
        case invalidUTF8(byteOffset: Int)
        /// NEWLIST lengths in one dump added up past ``DecodingLimits/maxListSlots``.
        case listSlotLimit(requested: Int, limit: Int)
        /// A CHANNEL opcode where ``DecodingOptions/allowsChannels`` is off.
        case channelNotAllowed
    }

    public let reason: Reason
    /// Offset of the opcode (or version byte) being processed.
    public let offset: Int
    /// The opcode being processed, when it is a known one.
    public let opcode: Opcode?

    public init(reason: Reason, offset: Int, opcode: Opcode?) {
        self.reason = reason
        self.offset = offset
        self.opcode = opcode
    }

    public var description: String {
        let at = opcode.map { "at offset \(offset), opcode \($0)" } ?? "at offset \(offset)"
        return "cannot decode dump \(at): \(reasonText)"
    }

    private var reasonText: String {
        switch reason {
        case .wrongVersion(let found, let expected):
            let want = expected.map { String($0.rawValue) }.joined(separator: " or ")
            return found.map { "wrong dump format version \($0), expected \(want)" } ?? "empty input, expected version byte \(want)"
        case .unknownOpcode(let byte): return "unknown opcode 0x\(hexByte(byte))"
        case .truncated: return "input ends too early"
        case .negativeLength(let n): return "negative length \(n)"
        case .stackNotSingleAtStop(let depth): return "STOP with \(depth) values on the stack, expected 1"
        case .setItemNeedsThreeValues(let depth): return "SETITEM with \(depth) values on the stack, needs 3"
        case .setItemOnUnsupported(let name): return "SETITEM on a \(name), which supports no item assignment"
        case .listIndexNotInteger(let name): return "list index of type \(name)"
        case .listIndexOutOfRange(let index, let count): return "list index \(index) out of range for length \(count)"
        case .unhashable(let name): return "unhashable type \(name) as dict key or set member"
        case .invalidIntegerText(let bytes): return "invalid integer text \(pythonBytesRepr(Array(bytes.prefix(40))))"
        case .tooManyDigits(let count, let limit): return "integer of \(count) digits exceeds maxIntegerDigits (\(limit))"
        case .invalidUTF8(let at): return "invalid UTF-8 at byte \(at) of the string"
        case .listSlotLimit(let requested, let limit): return "lists would need \(requested) slots, over maxListSlots (\(limit))"
        case .channelNotAllowed: return "channel reference where none is allowed"
        }
    }
}

/// Why a value could not be encoded. Thrown before any byte is produced.
public struct DumpEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A string, bytes or collection longer than a signed 32-bit length.
        case tooLong(typeName: String, count: Int)
    }

    public let reason: Reason

    public init(reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .tooLong(let name, let count):
            return "cannot encode a \(name) of length \(count): the wire allows at most \(Int32.max)"
        }
    }
}
