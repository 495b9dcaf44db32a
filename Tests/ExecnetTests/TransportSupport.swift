import ExecnetConformance
import Foundation
import Testing
@testable import Execnet
@testable import ExecnetTransport

/// The transport tests' servers (see ``LiveServers``), one set per test.
typealias TestServers = LiveServers

extension LiveServers {
    /// Interpreters for the transport tests: the real python3 behind PATH's
    /// (a pyenv shim does not run under sshd's PATH), and 2.7 and PyPy 3
    /// when present. Looked up at test discovery only.
    static let pythons: [String] = {
        let discovered = (try? Interpreter.discover()) ?? []
        var chosen: [String] = []
        if let three = discovered.filter({ $0.major == 3 && $0.implementation == "cpython" })
            .first(where: { $0.minor == 11 }) ?? discovered.last(where: { $0.major == 3 })
        {
            chosen.append(three.path)
        }
        if let two = discovered.first(where: { $0.major == 2 }) { chosen.append(two.path) }
        if let pypy = discovered.last(where: { $0.implementation == "pypy" }) { chosen.append(pypy.path) }
        return chosen
    }()

    static var python3: String { pythons.first ?? "python3" }

    /// Options for the transport tests: remote stderr is kept, not echoed.
    static let quiet = GatewayOptions(forwardsStandardError: false)

    func ssh(_ extra: String = "") -> String { ssh(python: Self.python3, extra) }
}
