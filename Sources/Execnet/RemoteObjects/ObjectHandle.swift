/// The host's hold on one object in the agent's table: when the last copy
/// of the proxies sharing it goes away, the agent is told (in the next
/// batch of releases) that this host no longer needs the object.
final class ObjectHandle: Sendable {
    let id: Int
    let typeName: String
    let connection: AgentConnection

    init(id: Int, typeName: String, connection: AgentConnection) {
        self.id = id
        self.typeName = typeName
        self.connection = connection
    }

    deinit { connection.queueRelease(id) }
}
