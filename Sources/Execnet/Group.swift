
/// A set of gateways made and ended together (execnet's `Group`).
/// Gateways get the ids gw0, gw1, … unless their spec names one.
public final class Group: Sendable, Sequence, CustomStringConvertible {
    /// The group behind the module-level ``makeGateway(_:)``.
    public static let `default` = Group()

    /// The spec used when ``makeGateway(_:)`` gets none.
    public let defaultSpec: String
    /// How this group's gateways are started and bootstrapped.
    public let options: GatewayOptions

    private struct Members {
        var gateways: [Gateway] = []
        var reservedIDs: Set<String> = []
        var nextAutomaticID = 0
    }

    private let members = Locked(Members())

    public init(defaultSpec: String = "popen", options: GatewayOptions = GatewayOptions()) {
        self.defaultSpec = defaultSpec
        self.options = options
    }

    /// Makes a gateway for each spec, in order.
    public convenience init(
        specs: [String], defaultSpec: String = "popen", options: GatewayOptions = GatewayOptions()
    ) async throws {
        self.init(defaultSpec: defaultSpec, options: options)
        for spec in specs { try await makeGateway(spec) }
    }

    /// Starts and bootstraps a gateway (see ``Gateway/open(_:options:)``)
    /// and adds it to the group.
    @discardableResult
    public func makeGateway(_ spec: String? = nil) async throws -> Gateway {
        try await makeGateway(try XSpec(spec ?? defaultSpec))
    }

    @discardableResult
    public func makeGateway(_ spec: XSpec) async throws -> Gateway {
        let id = try reserveID(for: spec)
        do {
            let gateway = try await Gateway.open(spec.setting("id", to: id), options: options)
            members.withLock { $0.gateways.append(gateway) }
            return gateway
        } catch {
            _ = members.withLock { $0.reservedIDs.remove(id) }
            throw error
        }
    }

    private func reserveID(for spec: XSpec) throws -> String {
        try members.withLock { members in
            let id: String
            if let given = spec.id {
                id = given
            } else {
                id = "gw\(members.nextAutomaticID)"
                members.nextAutomaticID += 1
            }
            guard members.reservedIDs.insert(id).inserted else {
                throw GatewayError(.unsupportedSpec(detail: "the group already has a gateway with id \(pythonRepr(id))"), gatewayID: id)
            }
            return id
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

    /// Runs `source` on every gateway; see ``Gateway/remoteExec(_:fileName:)``.
    public func remoteExec(_ source: String, fileName: String? = nil) throws -> MultiChannel {
        MultiChannel(try gateways.map { try $0.remoteExec(source, fileName: fileName) })
    }

    /// Ends every gateway: each is asked to terminate (gateways others are
    /// reached through go last), then joined and its process waited for.
    /// Once `timeout` passes, processes still running are killed; with no
    /// timeout it waits as long as it takes.
    public func terminate(timeout: Duration? = nil) async {
        while true {
            let leaving: [Gateway] = members.withLock { members in
                defer {
                    members.gateways = []
                    members.reservedIDs = []
                }
                return members.gateways
            }
            if leaving.isEmpty { return }
            let vias = Set(leaving.compactMap { $0.spec.via })
            for gateway in leaving where !vias.contains(gateway.id) { gateway.exit() }
            for gateway in leaving where vias.contains(gateway.id) { gateway.exit() }
            await withTaskGroup(of: Void.self) { group in
                for gateway in leaving {
                    group.addTask { await Self.end(gateway, within: timeout) }
                }
            }
        }
    }

    private static func end(_ gateway: Gateway, within timeout: Duration?) async {
        guard let timeout else {
            await gateway.join()
            _ = await gateway.waitForExit()
            return
        }
        let deadline = ContinuousClock.now + timeout
        var ended = await gateway.join(timeout: timeout)
        if ended {
            ended = false
            while ContinuousClock.now < deadline {
                if gateway.exitStatus != nil {
                    ended = true
                    break
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        if !ended {
            gateway.kill()
            _ = await gateway.waitForExit()
        }
    }

    public var description: String { "<Group \(gateways.map { pythonRepr($0.id) })>" }
}

/// Makes a gateway in the default group (execnet's `execnet.makegateway`).
@discardableResult
public func makeGateway(_ spec: String? = nil) async throws -> Gateway {
    try await Group.default.makeGateway(spec)
}
