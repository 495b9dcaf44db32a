import Execnet
import ExecnetTransport
#if canImport(Glibc)
import Glibc
#endif

/// The floor of channels64: a minimal host driving `channels` echo channels
/// of one remote from one thread, with blocking I/O. It answers in waves:
/// once every channel's echo is in, the next item of all of them goes out
/// in one write. Of the three orders tried (an echo answered with a write
/// of its own: ~23 s for 64 x 2,000; a write per read chunk: ~10 s; waves:
/// ~8.3 s, on this 2-core machine), waves let stock's remote go fastest:
/// its cost is its threads handing the GIL to each other, not the host.
final class FloorChannels {
    private let transport: PopenTransport
    private var reader = FrameReader()
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private let channels: Int

    init(python: String, base: GatewayBase, channels: Int) throws {
        self.channels = channels
        transport = try PopenTransport(arguments: [python, "-u", "-c", "import sys;exec(eval(sys.stdin.readline()))"], forwardStandardError: true)
        try writeAll(BootstrapLines.exec(base, id: "floor", execmodel: "thread"))
        var acknowledgement: UInt8 = 0
        guard read(transport.inputDescriptor, &acknowledgement, 1) == 1, acknowledgement == UInt8(ascii: "1") else {
            throw BenchFailure(description: "floor.channels64: no acknowledgement: \(transport.diagnostics)")
        }
        var execs: [UInt8] = []
        for index in 0..<channels { execs += try Message.channelExec(channelID: Self.id(index), source: echoSource).framed() }
        try writeAll(execs)
    }

    deinit { chunk.deallocate() }

    private static func id(_ index: Int) -> Int32 { Int32(2 * index + 1) }

    /// `items` round trips on every channel, in waves.
    func run(items: Int) throws -> Duration {
        let start = ContinuousClock.now
        var wave: [UInt8] = []
        for round in 0..<items {
            wave.removeAll(keepingCapacity: true)
            for index in 0..<channels {
                wave += try Message.channelData(channelID: Self.id(index), value: .int(PyInt(round))).framed()
            }
            try writeAll(wave)
            var echoed = 0
            while echoed < channels {
                if let message = try reader.next() {
                    guard message.type == .channelData else { throw BenchFailure(description: "floor.channels64: got \(message.type)") }
                    echoed += 1
                    continue
                }
                let n = read(transport.inputDescriptor, chunk.baseAddress!, chunk.count)
                if n <= 0 { throw BenchFailure(description: "floor.channels64: the remote ended: \(transport.diagnostics)") }
                reader.append(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            }
        }
        return ContinuousClock.now - start
    }

    func close() {
        if let end = try? Message(.gatewayTerminate).framed() { try? writeAll(end) }
        transport.closeOutput()
    }

    var process: ChildProcess { transport.child }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(transport.outputDescriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno != EINTR { throw BenchFailure(description: "floor.channels64: write failed (errno \(errno))") }
            if n > 0 { offset += n }
        }
    }
}
