import ExecnetWire

/// Writes become items on a channel (execnet's `makefile("w")`).
public struct ChannelWriter: Sendable {
    public let channel: Channel
    public let proxyClose: Bool

    public func write(_ bytes: [UInt8]) async throws { try await channel.send(.bytes(bytes)) }
    public func write(_ text: String) async throws { try await channel.send(.str(text)) }
    public func flush() {}
    public var isTTY: Bool { false }

    /// Closes the channel too when made with `proxyClose`.
    public func close() throws {
        if proxyClose { try channel.close() }
    }
}

/// Reads text from the str items arriving on a channel (execnet's
/// `makefile("r")`): `read(count)` and `readLine()` count characters as
/// Python does (Unicode scalars); end of channel gives what is left.
public final class ChannelReader: @unchecked Sendable {
    public let channel: Channel
    public let proxyClose: Bool
    // Used by one reader at a time, like a Python file object.
    private var buffer: [Unicode.Scalar]?

    init(channel: Channel, proxyClose: Bool) {
        self.channel = channel
        self.proxyClose = proxyClose
    }

    /// Up to `count` characters; fewer only at the end of the channel.
    public func read(_ count: Int) async throws -> String {
        do {
            if buffer == nil { buffer = try await nextText() }
            while buffer!.count < count { buffer! += try await nextText() }
        } catch let error as ChannelError where error.kind == .endOfChannel {
            try close()
        }
        guard var pending = buffer else { return "" }
        let taken = pending.prefix(count)
        pending.removeFirst(taken.count)
        buffer = pending
        var text = ""
        text.unicodeScalars.append(contentsOf: taken)
        return text
    }

    /// The next line including its newline; at the end, what is left.
    public func readLine() async throws -> String {
        var line: String
        if let pending = buffer {
            if let newline = pending.firstIndex(of: "\n") { return try await read(newline + 1) }
            line = try await read(pending.count + 1)
        } else {
            line = try await read(1)
        }
        while let last = line.unicodeScalars.last, last != "\n" {
            let next = try await read(1)
            if next.isEmpty { break }
            line += next
        }
        return line
    }

    public func close() throws {
        if proxyClose { try channel.close() }
    }

    private func nextText() async throws -> [Unicode.Scalar] {
        switch try await channel.receive() {
        case .str(let text), .unicode(let text): return Array(text.unicodeScalars)
        case .bytes(let bytes), .py2str(let bytes): return Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        case let other: return Array("\(other)".unicodeScalars)
        }
    }
}
