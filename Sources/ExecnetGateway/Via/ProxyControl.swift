import ExecnetTransport
import ExecnetWire

/// The control channel of stock's proxy protocol: each request is an int
/// (close write 4, kill 1, wait 2), each gets one answer, in order. Wait
/// blocks the via gateway's receiving until the sub-process ends, so it is
/// sent only once the sub's output has ended.
final class ProxyControl: Sendable {
    enum Request: Int, Sendable {
        case kill = 1
        case wait = 2
        case closeWrite = 4
    }

    private let channel: Channel
    private let process: ProxiedProcess
    private struct State {
        var pending: [Request] = []
        var sent: Set<Request> = []
    }
    private let state = Locked(State())

    init(channel: Channel, process: ProxiedProcess) {
        self.channel = channel
        self.process = process
    }

    func start() throws {
        let process = process
        let state = state
        try channel.gateway.core.setCallback(channel.record) { event in
            switch event {
            case .item(let answer):
                let request = state.withLock { $0.pending.isEmpty ? nil : $0.pending.removeFirst() }
                if request == .wait { process.ended(ProxiedProcess.status(fromPopenReturnCode: answer)) }
            case .end:
                // The via gateway is gone (or the channel closed): nothing
                // more will be answered.
                process.ended(.unknown)
            }
        }
    }

    func requestCloseWrite() { send(.closeWrite) }
    func requestKill() { send(.kill) }
    func requestWait() { send(.wait) }

    /// Each request at most once: a second kill or wait would only queue
    /// behind the first.
    private func send(_ request: Request) {
        let first = state.withLock { state in
            guard state.sent.insert(request).inserted else { return false }
            state.pending.append(request)
            return true
        }
        guard first else { return }
        do {
            try channel.sendNow(.int(PyInt(request.rawValue)))
        } catch {
            state.withLock { $0.pending.removeAll { $0 == request } }
            if request == .wait || request == .kill { process.ended(.unknown) }
        }
    }
}

/// The sub-process a via gateway started for a proxied gateway: its end is
/// learned by the wait request, and it is killed by the kill request.
final class ProxiedProcess: TransportProcess {
    private struct State {
        var status: ExitStatus?
        var handlers: [@Sendable (ExitStatus) -> Void] = []
    }
    private let state = Locked(State())
    /// Set once the transport is built (the control needs the process
    /// first); weak, as the control holds this process.
    private let controlReference = Locked(WeakControl())
    var control: ProxyControl? {
        get { controlReference.withLock { $0.value } }
        set { controlReference.withLock { $0.value = newValue } }
    }

    private struct WeakControl {
        weak var value: ProxyControl?
    }

    /// Not known here: the process runs on the via gateway's machine.
    var pid: Int32 { -1 }

    var exitStatus: ExitStatus? { state.withLock { $0.status } }

    func waitForExit() async throws -> ExitStatus {
        let waiter = Waiter<ExitStatus>()
        onExit { waiter.resume(returning: $0) }
        return try await waiter.wait()
    }

    func onExit(_ handler: @escaping @Sendable (ExitStatus) -> Void) {
        let status: ExitStatus? = state.withLock { state in
            if state.status == nil { state.handlers.append(handler) }
            return state.status
        }
        if let status { handler(status) }
    }

    func kill() { control?.requestKill() }

    func killLeftovers() {}

    func ended(_ status: ExitStatus) {
        let handlers: [@Sendable (ExitStatus) -> Void] = state.withLock { state in
            guard state.status == nil else { return [] }
            state.status = status
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler(status) }
    }

    /// `Popen.wait()`'s answer: the exit code, or minus the signal number.
    static func status(fromPopenReturnCode answer: PyValue) -> ExitStatus {
        guard case .int(let value) = answer, let code = value.int else { return .unknown }
        return code < 0 ? .signaled(Int32(-code)) : .exited(Int32(truncatingIfNeeded: code))
    }
}
