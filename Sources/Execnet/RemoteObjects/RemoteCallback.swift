/// A host closure that remote code can call: pass it as an argument and it
/// arrives as a Python callable. Each remote call runs `body` on the host
/// (while the host may itself be awaiting a remote call) and returns its
/// result; an error thrown by `body` is raised remotely.
public struct RemoteCallback: Sendable, RemoteArgumentConvertible {
    let body: @Sendable (RemoteCallArguments) async throws -> any RemoteArgumentConvertible

    public init(_ body: @escaping @Sendable (RemoteCallArguments) async throws -> any RemoteArgumentConvertible) {
        self.body = body
    }

    public var remoteArgument: RemoteArgument { .callback(self) }
}

/// The arguments of one remote call of a ``RemoteCallback``: plain values
/// arrive as values, anything else as proxies.
public struct RemoteCallArguments: Sendable {
    public let positional: [RemoteObject]
    public let keywords: [(name: String, value: RemoteObject)]

    init(positional: [RemoteObject], keywords: [(String, RemoteObject)]) {
        self.positional = positional
        self.keywords = keywords.map { (name: $0.0, value: $0.1) }
    }

    /// Positional argument `index`.
    public subscript(index: Int) -> RemoteObject { positional[index] }

    /// The keyword argument `name`, when given.
    public subscript(name: String) -> RemoteObject? { keywords.first { $0.name == name }?.value }

    public var count: Int { positional.count }
}
