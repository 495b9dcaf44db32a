import ExecnetTransport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// execnet's debug tracing, switched by `EXECNET_DEBUG`: `1` writes lines to
/// `<tmp>/execnet-debug-<pid>` (the remote ends, inheriting the variable,
/// write their own), `2` writes `[pid] line` to stderr.
final class Tracer: Sendable {
    static let shared = Tracer(setting: ProcessEnvironment["EXECNET_DEBUG"])

    private enum Target {
        case none
        case standardError
        case file(UnsafeMutablePointer<FILE>)
    }

    private let target: Locked<Target>
    let isEnabled: Bool

    init(setting: String?) {
        let pid = getpid()
        switch setting {
        case nil, "", "0"?:
            target = Locked(.none)
        case "2"?:
            target = Locked(.standardError)
        default:
            let directory = ProcessEnvironment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            if let file = fopen("\(directory)/execnet-debug-\(pid)", "w") {
                target = Locked(.file(file))
            } else {
                target = Locked(.standardError)
            }
        }
        isEnabled = setting != nil && setting != "" && setting != "0"
    }

    func write(_ line: String) {
        target.withLock { target in
            switch target {
            case .none: return
            case .standardError:
                let text = Array("[\(getpid())] \(line)\n".utf8)
                text.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
            case .file(let file):
                fputs(line + "\n", file)
                fflush(file)
            }
        }
    }
}
