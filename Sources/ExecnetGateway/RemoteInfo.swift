import ExecnetWire

/// What STATUS reports (execnet's `remote_status()`).
public struct RemoteStatus: Sendable, Equatable {
    public let numberOfChannels: Int
    public let numberOfExecuting: Int
    public let execmodel: String
    /// Every entry the remote sent, as sent.
    public let entries: PyDict

    init(_ entries: PyDict) {
        self.entries = entries
        numberOfChannels = entries["numchannels"]?.intValue ?? -1
        numberOfExecuting = entries["numexecuting"]?.intValue ?? -1
        execmodel = entries["execmodel"]?.stringValue ?? ""
    }

    public static func == (a: RemoteStatus, b: RemoteStatus) -> Bool { PyValue.dict(a.entries) == .dict(b.entries) }
}

extension RemoteStatus: CustomStringConvertible {
    public var description: String {
        "RemoteStatus(numberOfChannels: \(numberOfChannels), numberOfExecuting: \(numberOfExecuting), execmodel: \(pythonRepr(execmodel)))"
    }
}

extension RemoteInfo: CustomStringConvertible {
    public var description: String {
        "RemoteInfo(executable: \(pythonRepr(executable)), versionInfo: \(PyValue.tuple(PyItems(versionInfo))), "
            + "platform: \(pythonRepr(platform)), cwd: \(pythonRepr(cwd)), pid: \(pid))"
    }
}

/// The remote interpreter's facts (execnet's `_rinfo()`).
public struct RemoteInfo: Sendable {
    public let executable: String
    /// `sys.version_info[:5]`: major, minor, micro, release level, serial.
    public let versionInfo: [PyValue]
    public let platform: String
    public let cwd: String
    public let pid: Int

    init(_ entries: PyDict) {
        executable = entries["executable"]?.stringValue ?? ""
        if case .tuple(let items)? = entries["version_info"] { versionInfo = Array(items) } else { versionInfo = [] }
        platform = entries["platform"]?.stringValue ?? ""
        cwd = entries["cwd"]?.stringValue ?? ""
        pid = entries["pid"]?.intValue ?? -1
    }

    public var pythonVersion: PythonVersion? {
        let numbers = versionInfo.prefix(3).compactMap(\.intValue)
        guard numbers.count == 3 else { return nil }
        return PythonVersion(major: numbers[0], minor: numbers[1], micro: numbers[2])
    }
}
