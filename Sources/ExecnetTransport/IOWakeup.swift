#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wakes a thread sleeping in poll(2): the sleeper announces that it is
/// about to sleep, then looks for work; whoever makes work visible after
/// that signals, and only then is a byte written to the wake pipe. Work
/// made visible while the thread is awake costs no system call.
package final class IOWakeup: @unchecked Sendable {
    package let descriptor: Int32
    private let writeEnd: Int32
    private let state = Locked((asleep: false, signalled: false))

    package init() throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        guard makeNonBlockingPipe(&fds) == 0 else { throw SystemError("pipe", errno: errno) }
        descriptor = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        FileDescriptorIO.closeIgnoringErrors(descriptor)
        FileDescriptorIO.closeIgnoringErrors(writeEnd)
    }

    package func signal() {
        let mustWrite = state.withLock { state in
            guard state.asleep, !state.signalled else { return false }
            state.signalled = true
            return true
        }
        if mustWrite {
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }
    }

    /// Called before the sleeper checks for work one last time.
    package func prepareToSleep() {
        state.withLock { $0.asleep = true }
    }

    /// Called after poll returned (or when the sleeper found work instead).
    package func awake() {
        let drain = state.withLock { state in
            defer { state = (false, false) }
            return state.signalled
        }
        if drain {
            var sink = [UInt8](repeating: 0, count: 64)
            while read(descriptor, &sink, sink.count) > 0 {}
        }
    }
}

/// pipe(2) with both ends non-blocking and close-on-exec.
func makeNonBlockingPipe(_ fds: inout [Int32]) -> Int32 {
    #if canImport(Darwin)
    guard pipe(&fds) == 0 else { return -1 }
    for fd in fds {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
    return 0
    #else
    return linuxPipe2(&fds, Int32(O_CLOEXEC | O_NONBLOCK))
    #endif
}

#if !canImport(Darwin)
@_silgen_name("pipe2")
func linuxPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif
