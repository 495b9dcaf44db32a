#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if os(Linux)
import CExecnetSystem
#endif

/// What one wait of the I/O thread found ready.
struct IOReadiness {
    var input = false
    var output = false
}

/// The I/O thread's wait on the wake pipe, the input and (while bytes are
/// queued) the output. On Linux an epoll set keeps the registrations from
/// one wait to the next: waking from it costs less than poll(2), which
/// registers with every descriptor again each time and scans them all when
/// it wakes (measured with the floor host: ~2 us of CPU per round trip).
/// Elsewhere it is poll(2).
final class IOPoller {
    private let input: Int32
    private let output: Int32
    #if os(Linux)
    // The wake pipe is registered once; its wake-ups need no check here
    // (IOWakeup.awake drains it).
    private let epoll: Int32
    private var watchingOutput = false
    private var readyDescriptors = [Int32](repeating: -1, count: 3)
    private var readyEvents = [UInt32](repeating: 0, count: 3)
    #else
    private let wakeup: Int32
    private var fds = [pollfd](repeating: pollfd(), count: 3)
    #endif

    init(wakeup: Int32, input: Int32, output: Int32) throws(SystemError) {
        self.input = input
        self.output = output
        #if os(Linux)
        epoll = cexecnet_epoll_create()
        guard epoll >= 0 else { throw SystemError("epoll_create1", errno: errno) }
        for fd in [wakeup, input] where cexecnet_epoll_control(epoll, EpollOperation.add, fd, cexecnet_epoll_in) != 0 {
            let code = errno
            FileDescriptorIO.closeIgnoringErrors(epoll)
            throw SystemError("epoll_ctl", errno: code)
        }
        #else
        self.wakeup = wakeup
        #endif
    }

    deinit {
        #if os(Linux)
        FileDescriptorIO.closeIgnoringErrors(epoll)
        #endif
    }

    /// Waits up to `timeout` ms (-1: no limit) for a descriptor to be ready
    /// or the wake pipe to be signalled (then nothing is reported ready).
    func wait(wantWrite: Bool, timeout: Int32) throws(SystemError) -> IOReadiness {
        var ready = IOReadiness()
        #if os(Linux)
        if wantWrite != watchingOutput { try watchOutput(wantWrite) }
        let count = cexecnet_epoll_wait(epoll, &readyDescriptors, &readyEvents, 3, timeout)
        if count < 0 {
            if errno == EINTR { return ready }
            throw SystemError("epoll_wait", errno: errno)
        }
        let failed = cexecnet_epoll_err | cexecnet_epoll_hup
        for index in 0..<Int(count) {
            let events = readyEvents[index]
            if readyDescriptors[index] == input && events & (cexecnet_epoll_in | failed) != 0 { ready.input = true }
            if readyDescriptors[index] == output && events & (cexecnet_epoll_out | failed) != 0 { ready.output = true }
        }
        #else
        fds[0] = pollfd(fd: wakeup, events: Int16(POLLIN), revents: 0)
        fds[1] = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        var count = 2
        var outputSlot = -1
        if wantWrite {
            if output == input {
                fds[1].events |= Int16(POLLOUT)
                outputSlot = 1
            } else {
                fds[2] = pollfd(fd: output, events: Int16(POLLOUT), revents: 0)
                outputSlot = 2
                count = 3
            }
        }
        if poll(&fds, nfds_t(count), timeout) < 0 {
            if errno == EINTR { return ready }
            throw SystemError("poll", errno: errno)
        }
        ready.input = fds[1].revents & ~Int16(POLLOUT) != 0
        ready.output = outputSlot >= 0 && fds[outputSlot].revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0
        #endif
        return ready
    }

    /// Drops the output's write interest; called before the output is
    /// closed, so that no registration outlives the descriptor.
    func forgetOutput() {
        #if os(Linux)
        if watchingOutput { try? watchOutput(false) }
        #endif
    }

    #if os(Linux)
    private enum EpollOperation {
        static let add: Int32 = 1
        static let delete: Int32 = 2
        static let modify: Int32 = 3
    }

    /// Adds or drops the write interest (for a socket, the one registration
    /// that input and output share).
    private func watchOutput(_ watch: Bool) throws(SystemError) {
        let result = output == input
            ? cexecnet_epoll_control(
                epoll, EpollOperation.modify, input, cexecnet_epoll_in | (watch ? cexecnet_epoll_out : 0))
            : cexecnet_epoll_control(epoll, watch ? EpollOperation.add : EpollOperation.delete, output, cexecnet_epoll_out)
        // A descriptor the peer's side closed under it is no error here:
        // the next write reports it.
        if result != 0 && errno != EBADF && errno != ENOENT && errno != EPERM {
            throw SystemError("epoll_ctl", errno: errno)
        }
        watchingOutput = watch
    }
    #endif
}
