import Execnet
import ExecnetTransport
#if canImport(Glibc)
import Glibc
#endif

/// The least a host can do against the same remote: frames encoded before
/// the clock starts, one thread, the remote's pipes driven directly with
/// poll(2). What it reaches is what the remote allows; the Swift host is
/// judged against it.
final class FloorHost {
    private let transport: PopenTransport
    private var reader = FrameReader()
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    /// `channels` echo channels (ids 1, 3, 5, …); the frames of `frames(count:)` use the first.
    init(python: String, base: GatewayBase, channels: Int = 1) throws {
        transport = try PopenTransport(arguments: [python, "-u", "-c", "import sys;exec(eval(sys.stdin.readline()))"], forwardStandardError: true)
        // Writes never block; a read blocks only once everything is written.
        let output = transport.outputDescriptor
        _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
        try exchange(BootstrapLines.exec(base, id: "floor", execmodel: "thread"), acknowledgement: true, replies: 0)
        for index in 0..<channels {
            try exchange(try Message.channelExec(channelID: Self.channelID(index), source: echoSource).framed(), replies: 0)
        }
    }

    private static func channelID(_ index: Int) -> Int32 { Int32(2 * index + 1) }

    deinit { chunk.deallocate() }

    static func frames(count: Int) throws -> [[UInt8]] {
        try (0..<count).map { try Message.channelData(channelID: 1, value: .int(PyInt($0))).framed() }
    }

    /// Each frame written, then its echo read, one at a time.
    func roundtrip(_ frames: [[UInt8]]) throws -> Duration {
        let start = ContinuousClock.now
        for frame in frames { try exchange(frame, replies: 1) }
        return ContinuousClock.now - start
    }

    /// Every frame in one write, the echoes read in large chunks.
    func pipelined(_ frames: [[UInt8]]) throws -> Duration {
        let all = frames.flatMap { $0 }
        let start = ContinuousClock.now
        try exchange(all, replies: frames.count)
        return ContinuousClock.now - start
    }

    /// The floor of channels64: `rounds` items through each of the first
    /// `channels` channels in waves, once every channel's echo is in, the
    /// next item of all of them in one write. Of three orders tried against
    /// stock's remote (an echo answered with a write of its own: ~23 s for
    /// 64 x 2,000; a write per read chunk: ~10 s; waves: ~8.3 s, on a 2-core
    /// machine), waves let it go fastest: its cost is its threads handing
    /// the GIL to each other, not the host.
    func waves(channels: Int, rounds: Int) throws -> Duration {
        let start = ContinuousClock.now
        for round in 0..<rounds {
            var wave: [UInt8] = []
            for index in 0..<channels {
                wave += try Message.channelData(channelID: Self.channelID(index), value: .int(PyInt(round))).framed()
            }
            try exchange(wave, replies: channels)
        }
        return ContinuousClock.now - start
    }

    func close() {
        if let end = try? Message(.gatewayTerminate).framed() {
            end.withUnsafeBytes { _ = write(transport.outputDescriptor, $0.baseAddress, $0.count) }
        }
        transport.closeOutput()
    }

    var process: ChildProcess { transport.child }

    /// Writes `bytes` and reads until `replies` messages (and, first, the
    /// bootstrap's acknowledgement byte) have come, with poll(2) and
    /// non-blocking I/O on this one thread.
    private func exchange(_ bytes: [UInt8], acknowledgement: Bool = false, replies: Int) throws {
        var offset = 0
        var awaitingAcknowledgement = acknowledgement
        var received = 0
        while offset < bytes.count || awaitingAcknowledgement || received < replies {
            if offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(transport.outputDescriptor, $0.baseAddress! + offset, $0.count - offset) }
                if n > 0 { offset += n }
            }
            if offset >= bytes.count && !awaitingAcknowledgement && received >= replies { break }
            if offset < bytes.count {
                var fds = [
                    pollfd(fd: transport.inputDescriptor, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: transport.outputDescriptor, events: Int16(POLLOUT), revents: 0),
                ]
                _ = poll(&fds, 2, -1)
                if fds[0].revents == 0 { continue }
            }
            let n = read(transport.inputDescriptor, chunk.baseAddress!, chunk.count)
            if n == 0 { throw BenchFailure(description: "floor: the remote ended: \(transport.diagnostics)") }
            if n < 0 { continue }
            var raw = UnsafeRawBufferPointer(rebasing: chunk[0..<n])
            if awaitingAcknowledgement {
                guard raw.first == UInt8(ascii: "1") else { throw BenchFailure(description: "floor: no acknowledgement") }
                awaitingAcknowledgement = false
                raw = UnsafeRawBufferPointer(rebasing: raw.dropFirst())
            }
            reader.append(raw)
            while let message = try reader.next() {
                guard message.type == .channelData else { throw BenchFailure(description: "floor: got \(message.type)") }
                received += 1
            }
        }
    }
}

/// The timed runs of one floor workload, taken one at a time (between the
/// Swift host's runs of the same workload, or on their own).
final class FloorRuns {
    private let run: () throws -> Duration
    private var warmup = 0.0
    private var seconds: [Double] = []
    private var cpu = 0.0

    init(_ run: @escaping () throws -> Duration) {
        self.run = run
    }

    func warmUp() throws { warmup = try run().seconds }

    func once() throws {
        let before = processCPUSeconds()
        seconds.append(try run().seconds)
        cpu += processCPUSeconds() - before
    }

    var timing: HostTiming { HostTiming(warmup_s: warmup, seconds: seconds, cpu_s: cpu) }
}
