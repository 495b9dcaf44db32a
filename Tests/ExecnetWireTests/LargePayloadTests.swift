import Testing
@testable import ExecnetWire

/// Large payloads take their own paths: the encoder hands big bytes values
/// over as segments of their own, and the frame reader receives a large
/// payload straight into its storage. Both must give what the plain paths give.
@Suite("Large payloads")
struct LargePayloadTests {
    static let big = [UInt8]((0..<(200 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7) })

    static let values: [PyValue] = [
        .none, 42, "small", .bytes([1, 2, 3]),
        .bytes(big),
        .bytes(Array(big.prefix(64 * 1024 - 1))),
        .bytes(Array(big.prefix(64 * 1024))),
        .py2str(big),
        .tuple(["name", .bytes(big), 7, .bytes(Array(big.reversed()))]),
        .list([.dict(["k": .bytes(big)]), .bytes([])]),
        .bytes([]),
    ]

    @Test(arguments: values.indices)
    func segmentsJoinToTheWholeDump(_ index: Int) throws {
        let value = Self.values[index]
        let whole = try DumpEncoder().encode(value)
        let segments = try DumpEncoder().encodeSegments(value, prefix: 9)
        #expect(segments.first.map { Array($0.prefix(9)) } == [UInt8](repeating: 0, count: 9))
        #expect(Array(segments.joined().dropFirst(9)) == whole)
        #expect(!segments.contains { $0.isEmpty })
    }

    @Test func aBigBytesValueIsASegmentOfItsOwn() throws {
        let segments = try DumpEncoder().encodeSegments(.tuple([.bytes(Self.big), .bytes(Self.big)]))
        #expect(segments.filter { $0 == Self.big }.count == 2)
        let small = try DumpEncoder().encodeSegments(.bytes(Array(Self.big.prefix(100))))
        #expect(small.count == 1)
    }

    /// The segment is the value's own storage, not a copy of it.
    @Test func aBigBytesSegmentSharesTheValuesStorage() throws {
        let value = Self.big
        let segments = try DumpEncoder().encodeSegments(.list(["x", .bytes(value)]))
        let original = value.withUnsafeBufferPointer { $0.baseAddress }
        let shared = segments.filter { segment in segment.withUnsafeBufferPointer { $0.baseAddress } == original }
        #expect(shared.count == 1)
    }

    var messages: [Message] {
        [
            Message(.status, channelID: 3),
            try! Message.channelData(channelID: 1, value: .bytes(Self.big)),
            try! Message.channelData(channelID: 5, value: "between"),
            try! Message.channelData(channelID: 1, value: .bytes(Array(Self.big.prefix(64 * 1024)))),
            Message(.channelClose, channelID: 1),
        ]
    }

    @Test(arguments: [1, 7, 4096, 65_536, 100_000, 1 << 20])
    func largeFramesInAnyChunking(_ chunkSize: Int) throws {
        let expected = messages
        let stream = expected.flatMap { try! $0.framed() }
        var reader = FrameReader()
        var read: [Message] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            stream[offset..<end].withUnsafeBytes { reader.append($0) }
            offset = end
            while let message = try reader.next() { read.append(message) }
        }
        #expect(read == expected)
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func aTruncatedLargeFrameCountsWhatArrived() throws {
        let frame = try Message.channelData(channelID: 1, value: .bytes(Self.big)).framed()
        var reader = FrameReader()
        reader.append(frame.prefix(100_000))
        #expect(try reader.next() == nil)
        #expect(reader.bufferedByteCount == 100_000)
        reader.append(frame[100_000...])
        #expect(try reader.next() == Message(.channelData, channelID: 1, payload: Array(frame.dropFirst(9))))
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func aHugeDeclaredLengthWaitsForItsBytes() throws {
        // A header declaring 1 GiB, then a few bytes: the reader waits for
        // more and counts only what came.
        var reader = FrameReader()
        reader.append([4, 0, 0, 0, 1, 0x40, 0, 0, 0, 1, 2, 3])
        #expect(try reader.next() == nil)
        #expect(reader.bufferedByteCount == 12)
        // Reserved ahead: at most its first MiB (and what the allocator rounds to).
        let reserved = try #require(reader.largePayloadCapacity)
        #expect(reserved >= 3 && reserved <= (1 << 20) + 4096)
        // Beyond that MiB, storage grows only with the bytes that come.
        reader.append([UInt8](repeating: 9, count: 3 << 20))
        #expect(reader.bufferedByteCount == 12 + (3 << 20))
        #expect(try #require(reader.largePayloadCapacity) < 8 << 20)
    }
}
