#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a connection's I/O ended.
package enum ConnectionEnd: Sendable {
    /// The peer closed its side (or its process ended and nothing was left to read).
    case endOfStream
    /// Reading failed.
    case failed(TransportError)
    /// This host ended it (a kill, a timeout, a protocol violation).
    case aborted(String)
}

/// The I/O of one gateway over a ``GatewayTransport``: one writer and one
/// reader, both driven by a dedicated I/O thread that also runs the
/// gateway's ``ConnectionExecutor``.
///
/// Writing: bytes are queued in order. While nothing is queued, a sender
/// writes straight to the (non-blocking) descriptor, so a lone frame goes
/// out at once with no thread hop (unless the I/O thread is handing out a
/// chunk's messages: then it goes with the flush that ends the chunk,
/// together with the other replies that chunk woke); what the pipe does not take is queued
/// and written by the I/O thread when the peer drains it, many frames per
/// write. The queue is bounded in bytes: ``send(_:)`` suspends while it is
/// full; ``sendNow(_:)`` never waits (for synchronous callers such as
/// channel callbacks, which must not block the thread that reads).
///
/// Reading: the I/O thread reads in large chunks and hands each to
/// `onBytes`. When the peer's process has exited, what is left in the pipe
/// is read and the stream then counts as ended, even if a grandchild still
/// holds the pipe's other end.
package final class Connection: @unchecked Sendable {
    package let transport: any GatewayTransport
    package let executor: ConnectionExecutor
    package let outboundLimit: Int
    private let state = Locked(State())
    private let tap: (@Sendable (TapDirection, UnsafeRawBufferPointer) -> Void)?
    private let name: String

    private struct State {
        var backlog: [[UInt8]] = []
        /// Bytes of `backlog[0]` written already.
        var backlogOffset = 0
        var queuedBytes = 0
        /// Bytes held back until `heldUntil` (then queued, in order).
        var held: [[UInt8]] = []
        var heldUntil: ContinuousClock.Instant?
        var roomWaiters: [(parts: [[UInt8]], count: Int, waiter: Waiter<Void>)] = []
        var closeOutputRequested = false
        var outputClosed = false
        var writeFailure: TransportError?
        var peerExited = false
        var abortReason: String?
        var ended = false
        /// The I/O thread, once started: bytes it queues (from executor
        /// jobs and callbacks) are gathered and written when the job or the
        /// chunk it is handling is done (a lone job's first frame excepted).
        var ioThread: pthread_t?
        /// The I/O thread is handing a chunk's messages out: what senders
        /// queue meanwhile goes out with its flush, many frames per write.
        var dispatching = false
        /// The I/O thread runs a lone job, which may write its first frame
        /// at once: a reply leaves before the job goes on to its next wait.
        var loneJobMayWrite = false
    }

    package init(
        transport: any GatewayTransport, name: String, outboundLimit: Int = 4 << 20,
        tap: (@Sendable (TapDirection, UnsafeRawBufferPointer) -> Void)? = nil
    ) throws(TransportError) {
        self.transport = transport
        self.name = name
        self.outboundLimit = max(outboundLimit, 1)
        self.tap = tap
        do {
            executor = ConnectionExecutor(wakeup: try IOWakeup())
        } catch {
            throw TransportError(.cannotStart, peer: transport.peerDescription, underlying: error)
        }
        setNonBlocking(transport.inputDescriptor)
        setNonBlocking(transport.outputDescriptor)
    }

    /// Starts the I/O thread. `onBytes` and `onEnd` run on it.
    package func start(
        onBytes: @escaping @Sendable (UnsafeRawBufferPointer) -> Void,
        onEnd: @escaping @Sendable (ConnectionEnd) -> Void
    ) {
        transport.process?.onExit { [weak self] _ in
            guard let self else { return }
            state.withLock { $0.peerExited = true }
            executor.wakeup.signal()
        }
        startDetachedThread(name: "execnet-\(name)") { [self] in
            state.withLock { $0.ioThread = pthread_self() }
            let end = run(onBytes: onBytes)
            finish(end, onEnd: onEnd)
        }
    }

    // MARK: - Sending

    /// Queues `bytes` after everything queued before, waiting while the
    /// queue is full. Throws `CancellationError` (nothing queued) when the
    /// task is cancelled while waiting.
    package func send(_ bytes: [UInt8]) async throws {
        try await send(parts: [bytes])
    }

    /// Queues `parts` back to back, with nothing of another sender between
    /// them (a frame whose header and payload are separate arrays, so that
    /// a payload shared by several gateways is never copied), waiting while
    /// the queue is full.
    package func send(parts: [[UInt8]]) async throws {
        let total = parts.reduce(0) { $0 + $1.count }
        let waiter: Waiter<Void>? = try state.withLock { state throws(TransportError) in
            try checkWritable(state)
            if admitsAtOnce(total, state) {
                try accept(parts, &state)
                return nil
            }
            let waiter = Waiter<Void>()
            state.roomWaiters.append((parts, total, waiter))
            return waiter
        }
        if let waiter { try await waiter.wait() }
    }

    /// Queues `parts` as ``send(parts:)`` would when it need not wait, and
    /// says so; false, with nothing queued, when it would wait. For a
    /// thread of its own (not the pool) that waits some other way only
    /// when the queue is full.
    package func sendIfRoom(parts: [[UInt8]]) throws(TransportError) -> Bool {
        let total = parts.reduce(0) { $0 + $1.count }
        return try state.withLock { state throws(TransportError) in
            try checkWritable(state)
            guard admitsAtOnce(total, state) else { return false }
            try accept(parts, &state)
            return true
        }
    }

    /// Queues `bytes` at once, past the bound; never waits.
    package func sendNow(_ bytes: [UInt8]) throws(TransportError) {
        try sendNow(parts: [bytes])
    }

    /// Queues `parts` back to back at once, past the bound; never waits.
    package func sendNow(parts: [[UInt8]]) throws(TransportError) {
        try state.withLock { state throws(TransportError) in
            try checkWritable(state)
            try accept(parts, &state)
        }
    }

    /// Queues `bytes` to be written no earlier than `instant`; whatever is
    /// queued after them waits with them.
    package func send(_ bytes: [UInt8], notBefore instant: ContinuousClock.Instant) throws(TransportError) {
        try state.withLock { state throws(TransportError) in
            try checkWritable(state)
            tapWritten(bytes)
            state.held.append(bytes)
            state.queuedBytes += bytes.count
            if state.heldUntil.map({ instant > $0 }) ?? true { state.heldUntil = instant }
        }
        executor.wakeup.signal()
    }

    /// Half-closes the sending side once everything queued has been written.
    /// Later sends throw.
    package func closeOutputWhenFlushed() {
        let changed = state.withLock { state in
            defer { state.closeOutputRequested = true }
            return !state.closeOutputRequested
        }
        if changed { executor.wakeup.signal() }
    }

    /// Ends the I/O now: the thread stops and every waiter fails.
    package func abort(_ reason: String) {
        state.withLock { state in
            if state.abortReason == nil && !state.ended { state.abortReason = reason }
        }
        executor.wakeup.signal()
    }

    /// Bytes queued and not yet written.
    package var queuedByteCount: Int { state.withLock { $0.queuedBytes } }

    package var hasEnded: Bool { state.withLock { $0.ended } }

    /// Under the lock: `total` more bytes fit the bound (an empty queue
    /// takes anything).
    private func fits(_ total: Int, _ state: State) -> Bool {
        state.queuedBytes == 0 || state.queuedBytes + total <= outboundLimit
    }

    /// Under the lock: a sender of `total` bytes goes in without waiting
    /// (nobody waits ahead of it and the bytes fit).
    private func admitsAtOnce(_ total: Int, _ state: State) -> Bool {
        state.roomWaiters.isEmpty && fits(total, state)
    }

    private func checkWritable(_ state: State) throws(TransportError) {
        if let failure = state.writeFailure { throw failure }
        if state.ended || state.closeOutputRequested {
            throw TransportError(.closed, peer: transport.peerDescription)
        }
    }

    /// Under the lock: writes `parts` at once (one write, or one writev for
    /// several) when nothing is queued ahead, and queues what is left.
    private func accept(_ parts: [[UInt8]], _ state: inout State) throws(TransportError) {
        let total = parts.reduce(0) { $0 + $1.count }
        guard total > 0 else { return }
        for part in parts where !part.isEmpty { tapWritten(part) }
        var written = 0
        let onIOThread = state.ioThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        if state.backlog.isEmpty && state.held.isEmpty && !state.dispatching && (!onIOThread || state.loneJobMayWrite) {
            if onIOThread { state.loneJobMayWrite = false }
            written = try writeSome(parts[...], &state)
            if written == total { return }
        }
        let wasEmpty = state.backlog.isEmpty
        // A partial write happened only with an empty backlog: the rest is
        // kept in place, not copied.
        var skip = written
        for part in parts where !part.isEmpty {
            if skip >= part.count {
                skip -= part.count
                continue
            }
            state.backlog.append(part)
            if skip > 0 {
                state.backlogOffset = skip
                skip = 0
            }
        }
        state.queuedBytes += total - written
        if wasEmpty && !onIOThread && !state.dispatching { executor.wakeup.signal() }
    }

    private func tapWritten(_ bytes: [UInt8]) {
        if let tap { bytes.withUnsafeBytes { tap(.written, $0) } }
    }

    /// One non-blocking write of `parts` (at most 16 of them) under the
    /// lock; the count written (0 when the pipe is full). A failure is kept
    /// for every later send.
    private func writeSome(_ parts: ArraySlice<[UInt8]>, _ state: inout State) throws(TransportError) -> Int {
        let n = writeOnce(parts, skipping: 0)
        if n >= 0 { return n }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK { return 0 }
        let failure = TransportError(.broken, peer: transport.peerDescription, underlying: SystemError("write", errno: code))
        state.writeFailure = failure
        throw failure
    }

    /// One write (one part, past its first `offset` bytes) or writev
    /// (several, at most 16, whole), retried on EINTR; as write(2) returns,
    /// with errno set on failure.
    private func writeOnce(_ parts: ArraySlice<[UInt8]>, skipping offset: Int) -> Int {
        precondition(offset == 0 || parts.count == 1, "only a lone part is written from an offset")
        let fd = transport.outputDescriptor
        while true {
            let n: Int
            if parts.count == 1 {
                n = parts[parts.startIndex].withUnsafeBytes { raw in
                    write(fd, raw.baseAddress! + offset, raw.count - offset)
                }
            } else {
                var vectors: [iovec] = []
                vectors.reserveCapacity(16)
                n = withVectors(parts.prefix(16), &vectors) { writev(fd, $0, Int32($0.count)) }
            }
            if n >= 0 || errno != EINTR { return n }
        }
    }

    // MARK: - The I/O thread

    private func run(onBytes: @Sendable (UnsafeRawBufferPointer) -> Void) -> ConnectionEnd {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        let wakeup = executor.wakeup
        let poller: IOPoller
        do {
            poller = try IOPoller(
                wakeup: wakeup.descriptor, input: transport.inputDescriptor, output: transport.outputDescriptor)
        } catch {
            return .failed(TransportError(.broken, peer: transport.peerDescription, underlying: error))
        }
        while true {
            let batch = executor.takePending()
            if batch > 0 {
                if batch == 1 { state.withLock { $0.loneJobMayWrite = true } }
                executor.runTaken()
                if batch == 1 { state.withLock { $0.loneJobMayWrite = false } }
                flushBacklog()
            }
            wakeup.prepareToSleep()
            let plan = state.withLock { state in nextPlan(&state) }
            if executor.hasPending { wakeup.awake(); continue }
            switch plan {
            case .stop(let reason):
                wakeup.awake()
                return .aborted(reason)
            case .closeOutput:
                wakeup.awake()
                poller.forgetOutput()
                transport.closeOutput()
                continue
            case .poll(let wantWrite, let timeout):
                let ready: IOReadiness
                do {
                    ready = try poller.wait(wantWrite: wantWrite, timeout: timeout)
                } catch {
                    wakeup.awake()
                    return .failed(TransportError(.broken, peer: transport.peerDescription, underlying: error))
                }
                wakeup.awake()
                if ready.output { flushBacklog() }
                let peerExited = state.withLock { $0.peerExited }
                if ready.input || peerExited {
                    switch readChunk(chunk) {
                    case .bytes(let count):
                        let received = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
                        tap?(.read, received)
                        state.withLock { $0.dispatching = true }
                        onBytes(received)
                        state.withLock { $0.dispatching = false }
                        flushBacklog()
                    case .nothing:
                        if peerExited { return .endOfStream }
                    case .end(let end):
                        return end
                    }
                }
            }
        }
    }

    private enum Plan {
        case stop(String)
        case closeOutput
        case poll(wantWrite: Bool, timeout: Int32)
    }

    private func nextPlan(_ state: inout State) -> Plan {
        if let reason = state.abortReason { return .stop(reason) }
        var timeout: Int32 = state.peerExited ? 0 : -1
        if let until = state.heldUntil {
            let now = ContinuousClock.now
            if until <= now {
                state.backlog += state.held
                state.held = []
                state.heldUntil = nil
            } else {
                let (seconds, attoseconds) = (until - now).components
                timeout = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
        }
        if state.closeOutputRequested && !state.outputClosed && state.backlog.isEmpty && state.held.isEmpty {
            state.outputClosed = true
            return .closeOutput
        }
        let wantWrite = !state.backlog.isEmpty && !state.outputClosed && state.writeFailure == nil
        return .poll(wantWrite: wantWrite, timeout: timeout)
    }

    private enum ReadOutcome {
        case bytes(Int)
        case nothing
        case end(ConnectionEnd)
    }

    private func readChunk(_ chunk: UnsafeMutableRawBufferPointer) -> ReadOutcome {
        while true {
            let n = read(transport.inputDescriptor, chunk.baseAddress!, chunk.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .end(.endOfStream) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .nothing }
            return .end(.failed(TransportError(.broken, peer: transport.peerDescription, underlying: SystemError("read", errno: code))))
        }
    }

    /// Writes as much of the backlog as the peer takes: small frames are
    /// gathered into one buffer, large ones are written from their own
    /// storage, all in one write or writev.
    private func flushBacklog() {
        while true {
            let batch: (parts: [[UInt8]], offset: Int, count: Int)? = state.withLock { state in
                guard !state.backlog.isEmpty, !state.outputClosed, state.writeFailure == nil else { return nil }
                let first = state.backlog[0]
                let offset = state.backlogOffset
                if first.count - offset >= 64 * 1024 || state.backlog.count == 1 {
                    return ([first], offset, first.count - offset)
                }
                var gathered: [UInt8] = []
                gathered.reserveCapacity(256 * 1024)
                gathered.append(contentsOf: first[offset...])
                var rest = state.backlog.dropFirst()
                while let chunk = rest.first, gathered.count + chunk.count <= 256 * 1024 {
                    gathered.append(contentsOf: chunk)
                    rest = rest.dropFirst()
                }
                // A large frame right after the small ones goes in the same writev.
                if let large = rest.first {
                    return ([gathered, large], 0, gathered.count + large.count)
                }
                return ([gathered], 0, gathered.count)
            }
            guard let batch else { return }
            let n = writeOnce(batch.parts[...], skipping: batch.offset)
            let code = errno
            let full = state.withLock { state -> Bool in
                if n < 0 {
                    if code != EAGAIN && code != EWOULDBLOCK {
                        state.writeFailure = TransportError(
                            .broken, peer: transport.peerDescription, underlying: SystemError("write", errno: code))
                        state.backlog = []
                        state.backlogOffset = 0
                        state.queuedBytes = 0
                        let failed = state.roomWaiters.map(\.waiter)
                        state.roomWaiters = []
                        for waiter in failed { waiter.resume(throwing: state.writeFailure!) }
                    }
                    return true
                }
                consume(n, &state)
                admitWaiters(&state)
                return n < batch.count
            }
            if full { return }
        }
    }

    private func consume(_ written: Int, _ state: inout State) {
        var remaining = written
        state.queuedBytes -= written
        // Whole frames written are dropped in one removal: one at a time,
        // each would shift the rest of a backlog of thousands.
        var done = 0
        while remaining > 0 {
            let available = state.backlog[done].count - state.backlogOffset
            if remaining >= available {
                remaining -= available
                done += 1
                state.backlogOffset = 0
            } else {
                state.backlogOffset += remaining
                remaining = 0
            }
        }
        state.backlog.removeFirst(done)
    }

    /// Under the lock: lets waiting senders in, in order, while there is room.
    private func admitWaiters(_ state: inout State) {
        while let first = state.roomWaiters.first {
            if first.waiter.hasEnded {
                state.roomWaiters.removeFirst()
                continue
            }
            guard fits(first.count, state) else { break }
            state.roomWaiters.removeFirst()
            if first.waiter.resume(returning: ()) {
                for part in first.parts where !part.isEmpty {
                    tapWritten(part)
                    state.backlog.append(part)
                }
                state.queuedBytes += first.count
            }
        }
    }

    private func finish(_ end: ConnectionEnd, onEnd: @Sendable (ConnectionEnd) -> Void) {
        let waiters: [Waiter<Void>] = state.withLock { state in
            state.ended = true
            state.backlog = []
            state.held = []
            state.queuedBytes = 0
            defer { state.roomWaiters = [] }
            return state.roomWaiters.map(\.waiter)
        }
        transport.close()
        let failure = TransportError(.closed, peer: transport.peerDescription)
        for waiter in waiters { waiter.resume(throwing: failure) }
        onEnd(end)
        executor.stop()
    }
}

/// Which way tapped bytes went.
public enum TapDirection: Sendable {
    case written
    case read
}

/// Runs `body` with an iovec for each part, every part's storage pinned
/// for the call.
private func withVectors<R>(_ parts: ArraySlice<[UInt8]>, _ vectors: inout [iovec], _ body: ([iovec]) -> R) -> R {
    guard let first = parts.first else { return body(vectors) }
    return first.withUnsafeBytes { raw in
        vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
        return withVectors(parts.dropFirst(), &vectors, body)
    }
}

private func setNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
}

extension Connection: CustomStringConvertible {
    /// Short on purpose: the queued bytes can be megabytes.
    package var description: String {
        "<Connection \(transport.peerDescription), \(queuedByteCount) bytes queued\(hasEnded ? ", ended" : "")>"
    }
}
