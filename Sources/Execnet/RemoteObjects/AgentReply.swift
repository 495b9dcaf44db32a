import ExecnetWire

/// What the agent answered one request with (protocol-spec.md §5.2).
enum AgentReply: Sendable {
    /// A plain value, or the raw value of a `value` or `stats` request.
    case value(PyValue)
    /// An object now held in the agent's table for this host.
    case object(id: Int, typeName: String)
    /// A batch of a `next` request: wrapped items, and whether the iterator ended.
    case items(PyItems, finished: Bool)
}

extension PyValue {
    /// Text the agent wrote as a literal: `str` on Python 3, a byte string
    /// (ASCII in practice) on Python 2.
    var agentText: String? {
        switch self {
        case .str(let text), .unicode(let text): return text
        case .py2str(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }
}
