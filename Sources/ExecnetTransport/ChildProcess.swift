#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// It ended, but how could not be learned (a proxied process whose via
    /// gateway went away before it could say).
    case unknown

    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        case .unknown: return "ended, how is unknown"
        }
    }
}

#if canImport(Glibc)
/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which
/// Swift's Glibc module does not show; looked up once.
private let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
        return nil
    }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()
#endif

/// Nothing but stdin, stdout and stderr reaches the child: descriptors this
/// process inherited without close-on-exec (a test runner's, a caller's)
/// would otherwise stay open in the remote, and in all it starts, for as
/// long as they run. Where the C library cannot say so, they stay.
private func closeOtherDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    #if canImport(Glibc)
    _ = addCloseFrom?(&actions, 3)
    #endif
}

/// A child process whose stdin, stdout and stderr are pipes held by us.
struct SpawnedChild {
    let pid: pid_t
    let standardInput: Int32
    let standardOutput: Int32
    let standardError: Int32

    /// Spawns `arguments` (the first is looked up on PATH when it has no
    /// slash) as the leader of a new process group. All pipe ends we keep are close-on-exec, so a child spawned
    /// concurrently never inherits another child's stdin.
    static func spawn(_ arguments: [String]) throws(SystemError) -> SpawnedChild {
        precondition(!arguments.isEmpty)
        ignoreBrokenPipeSignal()
        let input = try makePipe()
        let output: (read: Int32, write: Int32)
        let error: (read: Int32, write: Int32)
        do {
            output = try makePipe()
        } catch {
            closeAll([input.read, input.write])
            throw error
        }
        do {
            error = try makePipe()
        } catch let failure {
            closeAll([input.read, input.write, output.read, output.write])
            throw failure
        }
        growPipe(input.write)
        growPipe(output.read)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, error.write, 2)
        closeOtherDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Its own process group, so that killing it reaches whatever it
        // started and left running (a grandchild holding its pipes).
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var pid = pid_t()
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        closeAll([input.read, output.write, error.write])
        guard result == 0 else {
            closeAll([input.write, output.read, error.read])
            throw SystemError("posix_spawnp", errno: result, subject: arguments[0])
        }
        return SpawnedChild(
            pid: pid, standardInput: input.write, standardOutput: output.read, standardError: error.read)
    }

    private static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Darwin)
        guard pipe(&fds) == 0 else { throw SystemError("pipe", errno: errno) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        #else
        guard linuxPipe2(&fds, Int32(O_CLOEXEC)) == 0 else { throw SystemError("pipe2", errno: errno) }
        #endif
        return (fds[0], fds[1])
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds { FileDescriptorIO.closeIgnoringErrors(fd) }
    }
}

/// Writing to a pipe whose reader has gone must fail with EPIPE, not end
/// this process.
package func ignoreBrokenPipeSignal() {
    _ = brokenPipeSignalIgnored
}

private let brokenPipeSignalIgnored: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()


/// Asks for a 1 MiB pipe buffer (Linux; the default is 64 KiB): fewer
/// wake-ups on both ends for bulk data and bursts of small frames. Refusal
/// (a lower pipe-max-size, another system) leaves the default.
private func growPipe(_ fd: Int32) {
    #if os(Linux)
    let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ
    _ = fcntl(fd, setPipeSize, Int32(1 << 20))
    #endif
}
