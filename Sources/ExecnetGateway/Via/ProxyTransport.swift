import Dispatch
import ExecnetTransport
import ExecnetWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The master end of stock's proxy protocol (`via=`): stock's own
/// `gateway_io` runs on the via gateway and starts the sub-process there;
/// its byte stream travels as `bytes` items of the proxy channel, and a
/// control channel carries requests (close write, kill, wait) with one
/// answer each. The gateway built on it sees an ordinary descriptor: one
/// end of a socket pair, whose other end two pumps join to the channel.
final class ProxyTransport: GatewayTransport {
    let peerDescription: String
    let inputDescriptor: Int32
    var outputDescriptor: Int32 { inputDescriptor }
    private let outer: Int32
    private let io: Channel
    let control: ProxyControl
    private let proxied: ProxiedProcess
    private let descriptors = Locked((inner: true, outer: true))

    /// Starts the proxy on `via` for `spec` (stock's `vars(spec)` is sent
    /// as the sub's spec).
    static func start(via: Gateway, spec: XSpec) async throws -> ProxyTransport {
        let io = try await via.remoteExec(stockModule: "gateway_io.py")
        try await io.send(ProxySpec.variables(of: spec))
        let controlChannel = try via.newChannel()
        try await io.send(controlChannel.value)
        return try ProxyTransport(io: io, controlChannel: controlChannel, peer: "\(spec.string) via gateway \(pythonRepr(via.id))")
    }

    private init(io: Channel, controlChannel: Channel, peer: String) throws {
        var pair: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &pair) == 0 else {
            throw TransportError(.cannotStart, peer: peer, underlying: SystemError("socketpair", errno: errno))
        }
        inputDescriptor = pair[0]
        outer = pair[1]
        peerDescription = peer
        self.io = io
        proxied = ProxiedProcess()
        control = ProxyControl(channel: controlChannel, process: proxied)
        proxied.control = control
        try control.start()
        try startInbound()
        startOutbound()
    }

    deinit { close() }

    var process: (any TransportProcess)? { proxied }

    /// The sub's bytes, item by item, into the socket pair; its end is the
    /// end of the stream, and then the sub's exit status is asked for.
    private func startInbound() throws {
        let outer = outer
        let descriptors = descriptors
        // Weakly: the via gateway keeps this callback, and the control holds
        // a channel of that gateway, so a strong reference would be a cycle.
        try io.gateway.core.setCallback(io.record) { [weak control] event in
            switch event {
            case .item(let value):
                // A Python 2 forwarder's bytes are its str, which the gateway
                // may load as text decoded from Latin-1: the same bytes again.
                let bytes: [UInt8]
                switch value {
                case .bytes(let data), .py2str(let data): bytes = data
                case .str(let text) where text.unicodeScalars.allSatisfy({ $0.value < 256 }):
                    bytes = text.unicodeScalars.map { UInt8($0.value) }
                default: return
                }
                // Under the lock: the pump closes `outer` when it ends, and a
                // closed descriptor's number may be reused at once.
                descriptors.withLock { state in
                    guard state.outer else { return }
                    bytes.withUnsafeBytes { raw in
                        var offset = 0
                        while offset < raw.count {
                            let n = write(outer, raw.baseAddress! + offset, raw.count - offset)
                            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
                        }
                    }
                }
            case .end:
                descriptors.withLock { state in
                    if state.outer { _ = shutdown(outer, Int32(SHUT_WR)) }
                }
                control?.requestWait()
            }
        }
    }

    /// What the gateway writes, read from the socket pair on a thread of
    /// its own and sent as items with the via gateway's backpressure; the
    /// gateway's half-close becomes a close-write request.
    ///
    /// While the via gateway's queue admits a chunk at once the pump queues
    /// it itself (written at once when nothing is ahead of it); only a full
    /// queue sends it through a task and waits, which is the backpressure.
    /// A task and a semaphore per chunk had cost every round trip two
    /// thread wake-ups more.
    private func startOutbound() {
        let outer = outer
        let io = io
        let control = control
        let descriptors = descriptors
        startDetachedThread(name: "execnet-proxy") {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
            defer {
                chunk.deallocate()
                descriptors.withLock { state in
                    state.outer = false
                    FileDescriptorIO.closeIgnoringErrors(outer)
                }
            }
            while true {
                let n = read(outer, chunk.baseAddress!, chunk.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    if n == 0 { control.requestCloseWrite() }
                    return
                }
                let item = PyValue.bytes(Array(UnsafeRawBufferPointer(rebasing: chunk[0..<n])))
                do {
                    if try io.sendIfRoom(item) { continue }
                } catch {
                    return
                }
                let sent = DispatchSemaphore(value: 0)
                let failed = Locked(false)
                Task {
                    do { try await io.send(item) } catch { failed.withLock { $0 = true } }
                    sent.signal()
                }
                sent.wait()
                if failed.withLock({ $0 }) { return }
            }
        }
    }

    func closeOutput() {
        descriptors.withLock { state in
            if state.inner { _ = shutdown(inputDescriptor, Int32(SHUT_WR)) }
        }
    }

    /// Closes the gateway's end; the pump, woken by the shutdown of its
    /// end, closes that one as it leaves.
    func close() {
        descriptors.withLock { state in
            if state.inner { FileDescriptorIO.closeIgnoringErrors(inputDescriptor) }
            state.inner = false
            if state.outer { _ = shutdown(outer, Int32(SHUT_RDWR)) }
        }
    }
}

/// Stock's `vars(spec)` as the proxy's sub-process sees it: `_spec`, `env`,
/// then each key in order (a bare key is True), with `execmodel` filled in
/// as stock's group does.
enum ProxySpec {
    static func variables(of spec: XSpec) -> PyValue {
        var entries: [(PyValue, PyValue)] = [
            (.str("_spec"), .str(spec.string)),
            (.str("env"), .dict(PyDict(spec.environment.map { (PyValue.str($0.name), PyValue.str($0.value)) }))),
        ]
        for key in spec.keys {
            switch spec[key] {
            case .flag?: entries.append((.str(key), .bool(true)))
            case .text(let value)?: entries.append((.str(key), .str(value)))
            case nil: break
            }
        }
        if spec.execmodel == nil { entries.append((.str("execmodel"), .str("thread"))) }
        return .dict(PyDict(entries))
    }
}

extension Gateway {
    /// `via=ID`: the sub-process `spec` describes (popen, ssh) is started
    /// by the gateway `via`, which forwards its byte stream (stock's proxy
    /// protocol); the gateway returned is this host's, bootstrapped through it.
    public static func open(_ spec: XSpec, via: Gateway, options: GatewayOptions = GatewayOptions()) async throws -> Gateway {
        let id = spec.id ?? "gw"
        guard spec.socket == nil else {
            throw GatewayError(.unsupportedSpec(detail: "via= cannot be combined with socket="), gatewayID: id)
        }
        guard spec.popen || spec.ssh != nil || spec.vagrantSSH != nil else {
            throw GatewayError(.unsupportedSpec(detail: "via= needs popen, ssh= or vagrant_ssh= in \(pythonRepr(spec.string))"), gatewayID: id)
        }
        let presumed = try await via.pythonVersion()
        let transport = try await ProxyTransport.start(via: via, spec: spec)
        let target = BootstrapTarget(
            sshAddress: spec.ssh ?? spec.vagrantSSH, presumedPython: presumed ?? PythonVersion(major: 3, minor: 8))
        return try await open(over: transport, spec: spec, options: options, program: transport.peerDescription, target: target)
    }
}
