#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection used in both directions: the `socket=host:port`
/// transport. There is no process behind it that this host could wait for
/// or kill; the connection's end is the gateway's end.
package final class SocketTransport: GatewayTransport {
    package let peerDescription: String
    package let inputDescriptor: Int32
    package var outputDescriptor: Int32 { inputDescriptor }
    private let open = Locked((output: true, descriptor: true))

    private init(descriptor: Int32, peer: String) {
        inputDescriptor = descriptor
        peerDescription = peer
    }

    deinit { close() }

    /// Resolves `host` and connects to the first of its addresses that
    /// accepts, on a thread of its own (name lookup and connect block), for
    /// at most `timeout`. Sets TCP_NODELAY and low-delay TOS, as stock does.
    package static func connect(host: String, port: Int, timeout: Duration) async throws(SocketConnectError) -> SocketTransport {
        let peer = "socket \(host):\(port)"
        let attempt = Waiter<Result<Int32, SocketConnectError>>()
        let abandoned = Locked(false)
        startDetachedThread(name: "execnet-connect") {
            let result = connectBlocking(host: host, port: port)
            let kept = abandoned.withLock { gone in !gone }
            if !kept || !attempt.resume(returning: result), case .success(let fd) = result {
                FileDescriptorIO.closeIgnoringErrors(fd)
            }
        }
        let result: Result<Int32, SocketConnectError>
        do {
            result = try await attempt.wait(timeout: timeout)
        } catch is WaitTimedOut {
            abandoned.withLock { $0 = true }
            throw SocketConnectError(.timedOut, host: host, port: port, detail: "no connection within \(timeout)")
        } catch {
            abandoned.withLock { $0 = true }
            throw SocketConnectError(.cancelled, host: host, port: port, detail: "cancelled")
        }
        switch result {
        case .success(let fd): return SocketTransport(descriptor: fd, peer: peer)
        case .failure(let error): throw error
        }
    }

    private static func connectBlocking(host: String, port: Int) -> Result<Int32, SocketConnectError> {
        guard (0...65535).contains(port) else {
            return .failure(SocketConnectError(.refused, host: host, port: port, detail: "port \(port) is out of range"))
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host.isEmpty ? "localhost" : host, String(port), &hints, &list)
        guard lookup == 0, let first = list else {
            let reason = String(cString: gai_strerror(lookup))
            return .failure(SocketConnectError(.hostNotFound, host: host, port: port, detail: reason))
        }
        defer { freeaddrinfo(first) }
        var lastErrno: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | socketCloseOnExec, current.pointee.ai_protocol)
            if fd < 0 {
                lastErrno = errno
                continue
            }
            var connected: Int32
            repeat { connected = systemConnect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) } while connected < 0 && errno == EINTR
            if connected == 0 {
                var on: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                if current.pointee.ai_family == AF_INET {
                    var lowDelay: Int32 = 0x10
                    _ = setsockopt(fd, Int32(IPPROTO_IP), IP_TOS, &lowDelay, socklen_t(MemoryLayout<Int32>.size))
                }
                return .success(fd)
            }
            lastErrno = errno
            FileDescriptorIO.closeIgnoringErrors(fd)
        }
        let kind: SocketConnectError.Kind = lastErrno == ECONNREFUSED ? .refused : .unreachable
        return .failure(SocketConnectError(kind, host: host, port: port, detail: String(cString: strerror(lastErrno))))
    }

    package func closeOutput() {
        let wasOpen = open.withLock { state in
            defer { state.output = false }
            return state.output && state.descriptor
        }
        if wasOpen { _ = shutdown(inputDescriptor, Int32(SHUT_WR)) }
    }

    package func close() {
        let wasOpen = open.withLock { state in
            defer { state = (false, false) }
            return state.descriptor
        }
        if wasOpen { FileDescriptorIO.closeIgnoringErrors(inputDescriptor) }
    }
}

#if canImport(Glibc)
private let socketCloseOnExec = Int32(SOCK_CLOEXEC.rawValue)
#else
private let socketCloseOnExec: Int32 = 0
#endif

private func systemConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.connect(fd, address, length)
    #elseif canImport(Musl)
    Musl.connect(fd, address, length)
    #else
    Darwin.connect(fd, address, length)
    #endif
}

/// Why a TCP connection could not be made.
public struct SocketConnectError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The name does not resolve (stock's HostNotFound).
        case hostNotFound
        /// Nothing listens there.
        case refused
        /// The address cannot be reached (no route, timed out in the kernel, …).
        case unreachable
        /// The connect did not finish within the bootstrap timeout.
        case timedOut
        case cancelled
    }

    public let kind: Kind
    public let host: String
    public let port: Int
    public let detail: String

    init(_ kind: Kind, host: String, port: Int, detail: String) {
        self.kind = kind
        self.host = host
        self.port = port
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .hostNotFound: return "host not found: \(host) (\(detail))"
        case .refused: return "connection to \(host):\(port) refused: \(detail)"
        case .unreachable: return "cannot reach \(host):\(port): \(detail)"
        case .timedOut: return "connecting to \(host):\(port) timed out: \(detail)"
        case .cancelled: return "connecting to \(host):\(port) was cancelled"
        }
    }
}
