/// The eight message types of execnet's protocol, by their wire number.
public enum MessageType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case status = 0
    case reconfigure = 1
    case gatewayTerminate = 2
    case channelExec = 3
    case channelData = 4
    case channelClose = 5
    case channelCloseError = 6
    case channelLastMessage = 7

    /// The upper-case name execnet uses, e.g. `CHANNEL_DATA`.
    public var name: String {
        switch self {
        case .status: return "STATUS"
        case .reconfigure: return "RECONFIGURE"
        case .gatewayTerminate: return "GATEWAY_TERMINATE"
        case .channelExec: return "CHANNEL_EXEC"
        case .channelData: return "CHANNEL_DATA"
        case .channelClose: return "CHANNEL_CLOSE"
        case .channelCloseError: return "CHANNEL_CLOSE_ERROR"
        case .channelLastMessage: return "CHANNEL_LAST_MESSAGE"
        }
    }

    public var description: String { name }
}

/// One framed message: a 9-byte header (type as a signed byte, channel id as
/// a signed 32-bit big-endian integer, payload length as a 32-bit big-endian
/// integer) followed by the payload.
public struct Message: Sendable, Equatable {
    public static let headerSize = 9

    public var type: MessageType
    public var channelID: Int32
    public var payload: [UInt8]

    public init(_ type: MessageType, channelID: Int32 = 0, payload: [UInt8] = []) {
        self.type = type
        self.channelID = channelID
        self.payload = payload
    }

    /// Header and payload, ready for the wire.
    public func framed() throws(FrameError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Message.headerSize + payload.count)
        try appendFramed(to: &out)
        return out
    }

    /// Appends header and payload to `out`. The length field is signed, as
    /// stock reads it, so a payload of 2 GiB or more cannot be framed.
    public func appendFramed(to out: inout [UInt8]) throws(FrameError) {
        try Message.appendHeader(type, channelID: channelID, payloadLength: payload.count, to: &out)
        out.append(contentsOf: payload)
    }

    /// Appends the 9-byte header of a message whose payload is
    /// `payloadLength` bytes long.
    public static func appendHeader(
        _ type: MessageType, channelID: Int32, payloadLength: Int, to out: inout [UInt8]
    ) throws(FrameError) {
        let length = try checkedLength(payloadLength)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: headerSize))
        out.withUnsafeMutableBytes { store(type, channelID: channelID, length: length, at: start, in: $0) }
    }

    /// Overwrites the header at the start of `frame`, whose payload follows
    /// it: for encoders that write the payload first, after a placeholder.
    /// `payloadLength` is for a payload that goes on past `frame` (in
    /// further segments); by default the payload is the rest of `frame`.
    public static func writeHeader(
        _ type: MessageType, channelID: Int32, payloadLength: Int? = nil, into frame: inout [UInt8]
    ) throws(FrameError) {
        precondition(frame.count >= headerSize)
        let length = try checkedLength(payloadLength ?? frame.count - headerSize)
        frame.withUnsafeMutableBytes { store(type, channelID: channelID, length: length, at: 0, in: $0) }
    }

    private static func checkedLength(_ payloadLength: Int) throws(FrameError) -> UInt32 {
        guard payloadLength <= Int(Int32.max) else {
            throw FrameError(reason: .payloadTooLarge(length: payloadLength, limit: Int(Int32.max)), offset: 0)
        }
        return UInt32(payloadLength)
    }

    /// The header's layout, the one routine both writers above use: type,
    /// channel id and payload length, the last two big-endian.
    private static func store(
        _ type: MessageType, channelID: Int32, length: UInt32, at offset: Int, in out: UnsafeMutableRawBufferPointer
    ) {
        out[offset] = UInt8(bitPattern: type.rawValue)
        out.storeBytes(of: UInt32(bitPattern: channelID).bigEndian, toByteOffset: offset + 1, as: UInt32.self)
        out.storeBytes(of: length.bigEndian, toByteOffset: offset + 5, as: UInt32.self)
    }
}

// MARK: - Payloads of specific messages

extension Message {
    /// CHANNEL_EXEC: the dump of `(source, file_name, call_name, kwargs)`.
    public static func channelExec(
        channelID: Int32, source: String, fileName: String? = nil, callName: String? = nil,
        kwargs: [(String, PyValue)] = []
    ) throws(DumpEncodingError) -> Message {
        let payload = ChannelExecPayload(source: source, fileName: fileName, callName: callName, kwargs: kwargs)
        return Message(.channelExec, channelID: channelID, payload: try DumpEncoder().encode(payload.value))
    }

    /// RECONFIGURE: the dump of the pair `(py2str_as_py3str, py3str_as_py2str)`;
    /// channel 0 addresses the whole gateway.
    public static func reconfigure(channelID: Int32 = 0, py2strAsPy3str: Bool, py3strAsPy2str: Bool) -> Message {
        let value = PyValue.tuple([.bool(py2strAsPy3str), .bool(py3strAsPy2str)])
        // A tuple of two booleans always encodes.
        return Message(.reconfigure, channelID: channelID, payload: try! DumpEncoder().encode(value))
    }

    /// CHANNEL_DATA carrying one value.
    public static func channelData(channelID: Int32, value: PyValue) throws(DumpEncodingError) -> Message {
        Message(.channelData, channelID: channelID, payload: try DumpEncoder().encode(value))
    }

    /// CHANNEL_CLOSE_ERROR carrying the error text (a Python 3 `str`).
    public static func channelCloseError(channelID: Int32, error: String) -> Message {
        Message(.channelCloseError, channelID: channelID, payload: try! DumpEncoder().encode(.str(error)))
    }
}

/// What CHANNEL_EXEC carries: code, an optional file name for tracebacks, an
/// optional function to call with the channel and keyword arguments.
public struct ChannelExecPayload: Sendable, Equatable {
    public var source: String
    public var fileName: String?
    public var callName: String?
    public var kwargs: [(String, PyValue)]

    public init(source: String, fileName: String? = nil, callName: String? = nil, kwargs: [(String, PyValue)] = []) {
        self.source = source
        self.fileName = fileName
        self.callName = callName
        self.kwargs = kwargs
    }

    /// The tuple stock sends: `(source, file_name, call_name, kwargs)`.
    public var value: PyValue {
        .tuple([
            .str(source), fileName.map(PyValue.str) ?? .none, callName.map(PyValue.str) ?? .none,
            .dict(PyDict(kwargs.map { (PyValue.str($0.0), $0.1) })),
        ])
    }

    /// Reads the tuple back; nil when `value` is not of that shape.
    public init?(_ value: PyValue) {
        guard case .tuple(let parts) = value, parts.count == 4, let source = parts[0].stringValue,
            case .dict(let kwargs) = parts[3]
        else { return nil }
        func optionalText(_ v: PyValue) -> String?? { v.isNone ? .some(nil) : v.stringValue.map { .some($0) } }
        guard let fileName = optionalText(parts[1]), let callName = optionalText(parts[2]) else { return nil }
        var pairs: [(String, PyValue)] = []
        for (key, argument) in kwargs {
            guard let name = key.stringValue else { return nil }
            pairs.append((name, argument))
        }
        self.init(source: source, fileName: fileName, callName: callName, kwargs: pairs)
    }

    public static func == (a: ChannelExecPayload, b: ChannelExecPayload) -> Bool { a.value == b.value }
}
