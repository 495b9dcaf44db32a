import ExecnetTransport

/// How ``Gateway/open(_:options:)`` starts and bootstraps an interpreter.
public struct GatewayOptions: Sendable {
    /// nil: the default bootstrap. A version probe first; then plain
    /// `popen` (no `python=`) uses stock's import mode when the remote can
    /// import a supported execnet, and everything else gets the newest
    /// stock gateway_base that runs on the remote, from the nearest source
    /// (see protocol-spec.md §3.3).
    public var bootstrap: BootstrapMode?
    /// The interpreter when a popen spec names none.
    public var defaultPython: String
    /// The interpreter an ssh or vagrant_ssh spec runs when it names none
    /// (stock's: `python`, looked up on the remote login's PATH).
    public var defaultRemotePython: String
    /// Copy the remote's stderr to ours (it is kept for error reports either way).
    public var forwardsStandardError: Bool
    /// How long the bootstrap may take before the process is killed and
    /// opening fails.
    public var bootstrapTimeout: Duration
    /// Bytes a gateway queues for writing before `send` waits for the
    /// remote to drain them.
    public var outboundQueueLimit: Int
    /// Whether the default bootstrap may run gateway_base from code a local
    /// remote compiled once and stored in the cache (see protocol-spec.md
    /// §3.3); `.exact` mode never does.
    public var compiledCodeCache: Bool
    /// Sees every byte written and read, for recording sessions.
    public var tap: (@Sendable (TapDirection, [UInt8]) -> Void)?

    public init(
        bootstrap: BootstrapMode? = nil, defaultPython: String = "python3", defaultRemotePython: String = "python",
        forwardsStandardError: Bool = true,
        bootstrapTimeout: Duration = .seconds(30), outboundQueueLimit: Int = 4 << 20, compiledCodeCache: Bool = true,
        tap: (@Sendable (TapDirection, [UInt8]) -> Void)? = nil
    ) {
        self.bootstrap = bootstrap
        self.defaultPython = defaultPython
        self.defaultRemotePython = defaultRemotePython
        self.forwardsStandardError = forwardsStandardError
        self.bootstrapTimeout = bootstrapTimeout
        self.outboundQueueLimit = outboundQueueLimit
        self.compiledCodeCache = compiledCodeCache
        self.tap = tap
    }
}
