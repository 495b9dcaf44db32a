import ExecnetTransport

/// A set of gateways made and ended together (execnet's `Group`).
/// Gateways get the ids gw0, gw1, … unless their spec names one.
public final class Group: Sendable, Sequence, CustomStringConvertible {
    /// The group behind the module-level ``makeGateway(_:)``.
    public static let `default` = Group()

    /// The spec used when ``makeGateway(_:)`` gets none, or an empty one.
    public let defaultSpec: String
    /// How this group's gateways are started and bootstrapped.
    public let options: GatewayOptions

    private struct Members {
        var gateways: [Gateway] = []
        /// Gateways that left the group by ``Gateway/exit()``: no longer
        /// members, but ``terminate(timeout:)`` still sees them end.
        var exited: [Gateway] = []
        var reservedIDs: Set<String> = []
        var nextAutomaticID = 0
    }

    private let members = Locked(Members())

    public init(defaultSpec: String = "popen", options: GatewayOptions = GatewayOptions()) {
        self.defaultSpec = defaultSpec
        self.options = options
    }

    /// Makes a gateway for each spec, in order. When one fails, the ones
    /// already started are ended before the error is thrown.
    public convenience init(
        specs: [String], defaultSpec: String = "popen", options: GatewayOptions = GatewayOptions()
    ) async throws {
        self.init(defaultSpec: defaultSpec, options: options)
        do {
            for spec in specs { try await makeGateway(spec) }
        } catch {
            await terminate(timeout: .seconds(2))
            throw error
        }
    }

    /// Starts and bootstraps a gateway (see ``Gateway/open(_:options:)``)
    /// and adds it to the group. An empty or missing spec means ``defaultSpec``.
    @discardableResult
    public func makeGateway(_ spec: String? = nil) async throws -> Gateway {
        let text = spec.flatMap { $0.isEmpty ? nil : $0 } ?? defaultSpec
        return try await makeGateway(try XSpec(text))
    }

    @discardableResult
    public func makeGateway(_ spec: XSpec) async throws -> Gateway {
        let id = try reserveID(for: spec)
        do {
            let gateway = try await open(spec.setting("id", to: id))
            members.withLock { $0.gateways.append(gateway) }
            gateway.onExit { [weak self] in self?.release(gateway) }
            return gateway
        } catch {
            _ = members.withLock { $0.reservedIDs.remove(id) }
            throw error
        }
    }

    /// `via=` and `installvia=` name a gateway of this group; the rest opens alone.
    private func open(_ spec: XSpec) async throws -> Gateway {
        func member(_ key: String, _ id: String) throws -> Gateway {
            guard let gateway = self[id] else {
                throw GatewayError(
                    .unsupportedSpec(detail: "\(key)=\(id): the group has no gateway with id \(pythonRepr(id))"),
                    gatewayID: spec.id ?? "gw")
            }
            return gateway
        }
        if let via = spec.via {
            return try await Gateway.open(spec, via: try member("via", via), options: options)
        }
        if spec.socket != nil, let installer = spec.installvia {
            return try await Gateway.open(spec, installingVia: try member("installvia", installer), options: options)
        }
        return try await Gateway.open(spec, options: options)
    }

    /// The id the next gateway made from `spec` will get (execnet's
    /// `Group.allocate_id`): the spec's own `id=`, else the next `gwN`,
    /// which is then taken.
    public func allocateID(for spec: XSpec) -> String {
        if let given = spec.id { return given }
        return members.withLock { members in
            var id: String
            repeat {
                id = "gw\(members.nextAutomaticID)"
                members.nextAutomaticID += 1
            } while members.reservedIDs.contains(id)
            return id
        }
    }

    private func reserveID(for spec: XSpec) throws -> String {
        let id = allocateID(for: spec)
        return try members.withLock { members in
            guard members.reservedIDs.insert(id).inserted else {
                throw GatewayError(.unsupportedSpec(detail: "the group already has a gateway with id \(pythonRepr(id))"), gatewayID: id)
            }
            return id
        }
    }

    private func release(_ gateway: Gateway) {
        members.withLock { members in
            guard let index = members.gateways.firstIndex(where: { $0 === gateway }) else { return }
            members.gateways.remove(at: index)
            members.reservedIDs.remove(gateway.id)
            members.exited.removeAll { !$0.hasReceiver && $0.exitStatus != nil }
            members.exited.append(gateway)
        }
    }

    /// The gateways, in the order they were made.
    public var gateways: [Gateway] { members.withLock { $0.gateways } }
    public var count: Int { members.withLock { $0.gateways.count } }
    public var isEmpty: Bool { count == 0 }

    public subscript(index: Int) -> Gateway { gateways[index] }
    public subscript(id: String) -> Gateway? { gateways.first { $0.id == id } }
    public func contains(id: String) -> Bool { self[id] != nil }

    public func makeIterator() -> IndexingIterator<[Gateway]> { gateways.makeIterator() }

    /// Runs `source` on every gateway; see ``Gateway/remoteExec(_:fileName:dedenting:)``.
    public func remoteExec(_ source: String, fileName: String? = nil) async throws -> MultiChannel {
        var channels: [Channel] = []
        for gateway in gateways { channels.append(try await gateway.remoteExec(source, fileName: fileName)) }
        return MultiChannel(channels)
    }

    /// Runs `source` on every gateway, then calls `function(channel, **kwargs)`.
    public func remoteExec(
        _ source: String, calling function: String, kwargs: [(String, PyValue)] = [], fileName: String? = nil
    ) async throws -> MultiChannel {
        var channels: [Channel] = []
        for gateway in gateways {
            channels.append(try await gateway.remoteExec(source, calling: function, kwargs: kwargs, fileName: fileName))
        }
        return MultiChannel(channels)
    }

    /// Ends every gateway, those that already left by ``Gateway/exit()``
    /// included, in rounds as stock orders it: first those no other gateway
    /// is reached through (`via=`, `installvia=`), all asked to exit and
    /// waited for together; then the gateways they went through, and so on.
    /// Each round takes at most `timeout` plus ``Gateway/killGrace``: what
    /// still runs at its timeout is killed. With no timeout it waits as long
    /// as it takes.
    public func terminate(timeout: Duration? = .seconds(5)) async {
        while true {
            var remaining: [Gateway] = members.withLock { members in
                defer {
                    members.gateways = []
                    members.exited = []
                    members.reservedIDs = []
                }
                return members.gateways + members.exited
            }
            if remaining.isEmpty { return }
            while !remaining.isEmpty {
                let throughOthers = Set(remaining.flatMap { [$0.spec.via, $0.spec.installvia].compactMap { $0 } })
                var round = remaining.filter { !throughOthers.contains($0.id) }
                if round.isEmpty { round = remaining }
                remaining.removeAll { gateway in round.contains { $0 === gateway } }
                for gateway in round { gateway.exit() }
                await withTaskGroup(of: Void.self) { group in
                    for gateway in round {
                        group.addTask { await gateway.terminate(timeout: timeout) }
                    }
                }
            }
        }
    }

    public var description: String { "<Group \(gateways.map { pythonRepr($0.id) })>" }
}

/// Runs `body` with a new group and ends every gateway it made when `body`
/// returns, throws or is cancelled.
public func withGroup<Result: Sendable>(
    defaultSpec: String = "popen", options: GatewayOptions = GatewayOptions(), terminateTimeout: Duration = .seconds(5),
    _ body: (Group) async throws -> Result
) async throws -> Result {
    let group = Group(defaultSpec: defaultSpec, options: options)
    do {
        let result = try await body(group)
        await group.terminate(timeout: terminateTimeout)
        return result
    } catch {
        await group.terminate(timeout: terminateTimeout)
        throw error
    }
}

/// Makes a gateway in the default group (execnet's `execnet.makegateway`).
@discardableResult
public func makeGateway(_ spec: String? = nil) async throws -> Gateway {
    try await Group.default.makeGateway(spec)
}
