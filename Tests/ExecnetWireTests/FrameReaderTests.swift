import Testing
import ExecnetWire

@Suite("Message framing")
struct FrameReaderTests {
    let messages: [Message] = [
        Message(.status, channelID: 3),
        Message.reconfigure(py2strAsPy3str: true, py3strAsPy2str: false),
        Message(.gatewayTerminate),
        try! Message.channelExec(channelID: 1, source: "channel.send(42)"),
        try! Message.channelData(channelID: -1, value: ["k": [1, 2.5, "x"]]),
        Message(.channelClose, channelID: Int32.max),
        Message.channelCloseError(channelID: 2, error: "Traceback ..."),
        Message(.channelLastMessage, channelID: 9),
    ]

    var stream: [UInt8] { messages.flatMap { try! $0.framed() } }

    @Test func headerLayout() throws {
        let framed = try Message(.channelData, channelID: -2, payload: [0x4C, 0x51]).framed()
        #expect(framed == [4, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 2, 0x4C, 0x51])
    }

    @Test func wholeStreamAtOnce() throws {
        var reader = FrameReader()
        reader.append(stream)
        var read: [Message] = []
        while let message = try reader.next() { read.append(message) }
        #expect(read == messages)
        #expect(reader.bufferedByteCount == 0)
    }

    @Test func oneByteAtATime() throws {
        var reader = FrameReader()
        var read: [Message] = []
        for byte in stream {
            reader.append([byte])
            while let message = try reader.next() { read.append(message) }
        }
        #expect(read == messages)
    }

    @Test func everySplitPoint() throws {
        let all = stream
        for split in 0...all.count {
            var reader = FrameReader()
            var read: [Message] = []
            reader.append(all[..<split])
            while let message = try reader.next() { read.append(message) }
            reader.append(all[split...])
            while let message = try reader.next() { read.append(message) }
            #expect(read == messages)
        }
    }

    @Test func oversizedDeclaredLengthIsRefusedBeforeThePayloadArrives() {
        var reader = FrameReader(limits: .init(maxPayloadSize: 1024))
        reader.append([4, 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: FrameError(reason: .payloadTooLarge(length: Int(Int32.max), limit: 1024), offset: 0)) {
            try reader.next()
        }
        // The failure is sticky: the stream cannot be resynchronised.
        reader.append([0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: FrameError.self) { try reader.next() }
    }

    @Test("unknown types and negative lengths", arguments: [
        ([8, 0, 0, 0, 0, 0, 0, 0, 0], FrameError.Reason.unknownMessageType(8)),
        ([0xFF, 0, 0, 0, 0, 0, 0, 0, 0], .unknownMessageType(-1)),
        ([4, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], .negativePayloadLength(-1)),
    ] as [([UInt8], FrameError.Reason)])
    func malformedHeaders(header: [UInt8], reason: FrameError.Reason) {
        var reader = FrameReader()
        reader.append(try! Message(.status).framed())
        reader.append(header)
        #expect(try! reader.next() == Message(.status))
        #expect(throws: FrameError(reason: reason, offset: 9)) { try reader.next() }
    }

    @Test func channelExecPayloadRoundTrips() throws {
        let message = try Message.channelExec(
            channelID: 1, source: "def f(channel, x):\n    channel.send(x)\n", fileName: "remote.py",
            callName: "f", kwargs: [("x", 7)])
        let value = try DumpDecoder().decode(message.payload)
        let payload = try #require(ChannelExecPayload(value))
        #expect(payload.callName == "f")
        #expect(payload.fileName == "remote.py")
        #expect(payload.kwargs.first?.1 == 7)
    }
}
