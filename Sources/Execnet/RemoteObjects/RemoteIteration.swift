import ExecnetWire

/// The items of a remote iterable (`iter(object)`), asked for in batches,
/// so that a generator runs remotely only as far as the items read here.
public struct RemoteIteration: AsyncSequence, Sendable {
    public typealias Element = RemoteObject
    let object: RemoteObject
    let batchSize: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        let object: RemoteObject
        let batchSize: Int
        var iterator: RemoteObject?
        var buffered: [PyValue] = []
        var position = 0
        var finished = false

        public mutating func next() async throws -> RemoteObject? {
            while position == buffered.count {
                if finished { return nil }
                if iterator == nil {
                    let reply = try await object.agentRequest("iter")
                    iterator = try object.agentConnection.object(from: reply)
                }
                guard let iterator else { return nil }
                let reply = try await iterator.agentRequest("next", [.int(PyInt(batchSize))])
                guard case .items(let items, let ended) = reply else {
                    throw object.agentConnection.error(.protocolViolation, "a next request gave no batch")
                }
                buffered = Array(items)
                position = 0
                finished = ended
            }
            let item = buffered[position]
            position += 1
            return try object.agentConnection.object(wrapped: item)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(object: object, batchSize: batchSize)
    }
}
