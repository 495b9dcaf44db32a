/// Why a byte stream could not be read as messages. The stream is unusable
/// after one: the reader keeps answering with the same error.
public struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unknownMessageType(Int8)
        case negativePayloadLength(Int32)
        case payloadTooLarge(length: Int, limit: Int)
    }

    public let reason: Reason
    /// Offset of the offending header in the stream.
    public let offset: Int

    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .unknownMessageType(let type):
            return "unknown message type \(type) in header at stream offset \(offset)"
        case .negativePayloadLength(let length):
            return "negative payload length \(length) in header at stream offset \(offset)"
        case .payloadTooLarge(let length, let limit):
            return "payload of \(length) bytes at stream offset \(offset) exceeds maxPayloadSize (\(limit))"
        }
    }
}

/// Cuts a byte stream into messages, whatever the chunking of the input (one
/// byte at a time included). A declared length above the limit is refused
/// as soon as its header is complete. A large payload (64 KiB or more) is
/// received straight into its own storage, reserved ahead for at most its
/// first MiB and grown with the bytes received beyond that: memory follows
/// the bytes that came, a declared length alone never costs more than 1 MiB.
public struct FrameReader: Sendable {
    public struct Limits: Sendable {
        /// Largest payload accepted, in bytes. Default 1 GiB.
        public var maxPayloadSize: Int

        public init(maxPayloadSize: Int = 1 << 30) {
            self.maxPayloadSize = maxPayloadSize
        }
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var streamOffset = 0
    private var failure: FrameError?
    /// The large message being received, its payload filled as bytes come.
    private var large: (type: MessageType, channelID: Int32, length: Int, payload: [UInt8])?

    static let largePayload = 64 * 1024

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received but not yet returned as part of a message.
    public var bufferedByteCount: Int {
        buffer.count - readIndex + (large.map { Message.headerSize + $0.payload.count } ?? 0)
    }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let appended: Void? = bytes.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if appended == nil { Array(bytes).withUnsafeBytes { append($0) } }
    }

    /// The same for raw memory, copied in one go (the reader's hot path).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        if let wanted = largeBytesWanted {
            let taken = min(wanted, rest.count)
            large!.payload.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<taken]).bindMemory(to: UInt8.self))
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
        }
        guard !rest.isEmpty else { return }
        compact()
        buffer.append(contentsOf: rest.bindMemory(to: UInt8.self))
    }

    /// The storage reserved for the large payload in progress (for tests).
    var largePayloadCapacity: Int? { large?.payload.capacity }

    /// How many more bytes the large message in progress needs, if any.
    private var largeBytesWanted: Int? {
        guard let large, large.payload.count < large.length else { return nil }
        return large.length - large.payload.count
    }

    private mutating func compact() {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// The next complete message, or nil until more bytes arrive.
    public mutating func next() throws(FrameError) -> Message? {
        if let failure { throw failure }
        if let pending = large {
            guard pending.payload.count == pending.length else { return nil }
            large = nil
            streamOffset += Message.headerSize + pending.length
            return Message(pending.type, channelID: pending.channelID, payload: pending.payload)
        }
        guard buffer.count - readIndex >= Message.headerSize else { return nil }
        let header = buffer[readIndex..<readIndex + Message.headerSize]
        let rawType = Int8(bitPattern: header[header.startIndex])
        let channel = Int32(bitPattern: bigEndianUInt32(header.dropFirst(1)))
        let length = Int32(bitPattern: bigEndianUInt32(header.dropFirst(5)))
        guard let type = MessageType(rawValue: rawType) else {
            throw fail(.unknownMessageType(rawType))
        }
        guard length >= 0 else { throw fail(.negativePayloadLength(length)) }
        guard Int(length) <= limits.maxPayloadSize else {
            throw fail(.payloadTooLarge(length: Int(length), limit: limits.maxPayloadSize))
        }
        let total = Message.headerSize + Int(length)
        let payloadStart = readIndex + Message.headerSize
        guard buffer.count - readIndex >= total else {
            if Int(length) >= Self.largePayload {
                var payload: [UInt8] = []
                payload.reserveCapacity(min(Int(length), 1 << 20))
                payload.append(contentsOf: buffer[payloadStart...])
                large = (type, channel, Int(length), payload)
                readIndex = buffer.count
            }
            return nil
        }
        let message = Message(type, channelID: channel, payload: Array(buffer[payloadStart..<readIndex + total]))
        readIndex += total
        streamOffset += total
        return message
    }

    private mutating func fail(_ reason: FrameError.Reason) -> FrameError {
        let error = FrameError(reason: reason, offset: streamOffset)
        failure = error
        return error
    }

    private func bigEndianUInt32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var value: UInt32 = 0
        for byte in bytes.prefix(4) { value = value << 8 | UInt32(byte) }
        return value
    }
}
