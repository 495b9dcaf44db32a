import ExecnetTransport

/// Sends a directory tree to one or more targets, each a destination
/// directory on a gateway, speaking stock execnet's rsync protocol to stock's
/// own `rsync_remote` module (execnet's `RSync`). Files that a target already
/// has with the same size and modification time, or the same MD5, do not
/// cross. Targets are served concurrently; a file that several of them ask
/// for is read once, and at most `maxBodiesInFlight` file bodies are held in
/// memory at a time.
///
///     let sync = RSync(sourceDirectory: "project/src")
///     try await sync.addTarget(gateway, destination: "/tmp/src", delete: true)
///     try await sync.send()
public final class RSync: Sendable {
    /// Progress of one target, as stock's callback and `_report_send_file` report it.
    public enum Event: Sendable, Equatable {
        /// The target has said which files it needs: `bytes` is their total size.
        case listed(gatewayID: String, bytes: Int)
        /// A file's content (`bytes` long) is about to be sent to the target
        /// (`path` relative to the source).
        case sending(gatewayID: String, path: String, bytes: Int)
        /// The target has received a file it asked for (content or "unchanged").
        case acknowledged(gatewayID: String, path: String, bytes: Int)
    }

    /// Decides per path (the source directory joined with the entry's
    /// relative path, as stock's `RSync.filter` gets it) whether an entry is sent.
    public typealias Filter = @Sendable (String) -> Bool

    public let sourceDirectory: String
    public let maxBodiesInFlight: Int
    private let filter: Filter?
    private let progress: (@Sendable (Event) -> Void)?
    let listingOrder: SourceTree.ListingOrder
    private let state = Locked(State())

    private struct State {
        var targets: [RSyncTarget] = []
        var sending = false
        var statistics = Statistics()
    }

    /// What the last `send()` did with file bodies, for tests and benchmarks.
    package struct Statistics: Sendable {
        /// Files read from disk (a body shared by several targets counts once).
        package var reads = 0
        /// The most bodies held in memory at once.
        package var peakBodies = 0
    }

    package var lastSendStatistics: Statistics { state.withLock { $0.statistics } }

    /// - Parameters:
    ///   - sourceDirectory: the tree to send (trailing slashes are ignored).
    ///   - maxBodiesInFlight: how many file bodies may be held in memory at once.
    ///   - filter: leaves out every entry (and a directory's whole subtree) for which it returns false.
    ///   - progress: called for every ``Event``, on any thread.
    public convenience init(
        sourceDirectory: String, maxBodiesInFlight: Int = 8, filter: Filter? = nil,
        progress: (@Sendable (Event) -> Void)? = nil
    ) {
        self.init(
            sourceDirectory: sourceDirectory, maxBodiesInFlight: maxBodiesInFlight, filter: filter,
            progress: progress, listingOrder: .filesystem)
    }

    init(
        sourceDirectory: String, maxBodiesInFlight: Int, filter: Filter?, progress: (@Sendable (Event) -> Void)?,
        listingOrder: SourceTree.ListingOrder
    ) {
        self.sourceDirectory = sourceDirectory
        self.maxBodiesInFlight = max(1, maxBodiesInFlight)
        self.filter = filter
        self.progress = progress
        self.listingOrder = listingOrder
    }

    /// Starts stock's rsync remote on `gateway` for `destination` (a path on
    /// the gateway's side, created when missing). With `delete`, what the
    /// destination has and the source has not is removed. `finished` is
    /// called once this target has everything.
    public func addTarget(
        _ gateway: Gateway, destination: String, delete: Bool = false, finished: (@Sendable () -> Void)? = nil
    ) async throws {
        if state.withLock({ $0.sending }) { throw RSyncError(.sendInProgress, gatewayID: gateway.id) }
        let target = try await RSyncTarget.start(
            on: gateway, destination: destination, delete: delete, finished: finished)
        let accepted = state.withLock { state in
            if state.sending { return false }
            state.targets.append(target)
            return true
        }
        if !accepted {
            target.abandon()
            throw RSyncError(.sendInProgress, gatewayID: gateway.id)
        }
    }

    /// Adds a target whose remote side is already running on `channel`.
    func addTarget(attachedTo channel: Channel, gatewayID: String) {
        state.withLock { $0.targets.append(RSyncTarget(gatewayID: gatewayID, channel: channel, finished: nil)) }
    }

    /// Sends the tree to every target added since the last `send()` and
    /// waits until each has it or has failed. Throws ``RSyncError`` naming
    /// the target when one fails (``RSyncFailures`` when several do), after
    /// the others have finished; `.noTargets` when there is none (as stock,
    /// so a second `send()` without new targets is an error).
    public func send() async throws {
        let targets = try state.withLock { state throws(RSyncError) in
            if state.sending { throw RSyncError(.sendInProgress) }
            if state.targets.isEmpty { throw RSyncError(.noTargets) }
            state.sending = true
            defer { state.targets = [] }
            return state.targets
        }
        defer { state.withLock { $0.sending = false } }
        let tree: SourceTree
        do {
            tree = try await scan()
        } catch {
            for target in targets { target.abandon() }
            throw error
        }
        let bodies = FileBodies(limit: maxBodiesInFlight)
        let progress = self.progress
        let failures = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for (index, target) in targets.enumerated() {
                group.addTask {
                    do {
                        try await target.run(tree: tree, bodies: bodies, progress: progress)
                        return (index, nil)
                    } catch {
                        target.abandon()
                        return (index, error)
                    }
                }
            }
            var failures: [(Int, any Error)] = []
            for await (index, error) in group {
                if let error { failures.append((index, error)) }
            }
            return failures.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let statistics = Statistics(reads: await bodies.reads, peakBodies: await bodies.peakHeld)
        state.withLock { $0.statistics = statistics }
        if failures.isEmpty { return }
        if Task.isCancelled { throw CancellationError() }
        let errors = failures.map { error in
            error as? RSyncError ?? RSyncError(.targetFailed(detail: "\(error)"))
        }
        throw errors.count == 1 ? errors[0] as any Error : RSyncFailures(errors: errors)
    }

    private func scan() async throws -> SourceTree {
        let root = sourceDirectory
        let order = listingOrder
        let filter = self.filter
        let result: Result<SourceTree, RSyncError> = await offPool {
            Result { () throws(RSyncError) -> SourceTree in
                try SourceTree.requireDirectory(root)
                return try SourceTree(root: root, order: order, filter: filter ?? { _ in true })
            }
        }
        return try result.get()
    }
}
