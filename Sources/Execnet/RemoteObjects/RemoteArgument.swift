/// What an argument of a remote call becomes on the remote side.
public indirect enum RemoteArgument: Sendable {
    /// A value execnet carries (arrives as the equal Python value).
    case value(PyValue)
    /// A remote object or a lazy reference (arrives as the object itself).
    case object(RemoteObject)
    /// A host closure (arrives as a callable that calls it).
    case callback(RemoteCallback)
    /// Containers whose members may be objects or callbacks.
    case list([RemoteArgument])
    case tuple([RemoteArgument])
    case dict([(RemoteArgument, RemoteArgument)])
}

/// A type whose values can be passed to remote calls.
public protocol RemoteArgumentConvertible: Sendable {
    var remoteArgument: RemoteArgument { get }
}

extension RemoteArgument: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { self }
}

extension PyValue: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .value(self) }
}

extension Int: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .value(.int(PyInt(self))) }
}

extension Double: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .value(.float(self)) }
}

extension Bool: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .value(.bool(self)) }
}

extension String: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .value(.str(self)) }
}

extension Substring: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .value(.str(String(self))) }
}

extension Optional: RemoteArgumentConvertible where Wrapped: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { self?.remoteArgument ?? .value(.none) }
}

extension Array: RemoteArgumentConvertible where Element: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .list(map(\.remoteArgument)) }
}

extension Dictionary: RemoteArgumentConvertible where Key: RemoteArgumentConvertible, Value: RemoteArgumentConvertible {
    public var remoteArgument: RemoteArgument { .dict(map { ($0.key.remoteArgument, $0.value.remoteArgument) }) }
}

extension RemoteArgument {
    /// A Python `bytes` value.
    public static func bytes(_ bytes: some Sequence<UInt8>) -> RemoteArgument { .value(.bytes(Array(bytes))) }

    /// An `Encodable` value as `PyValueEncoder` maps it.
    public static func encoded(_ value: some Encodable, encoder: PyValueEncoder = PyValueEncoder()) throws -> RemoteArgument {
        .value(try encoder.encode(value))
    }
}

extension RemoteArgument {
    /// The tagged form the agent unwraps (protocol-spec.md §5.3). Plain values
    /// travel as themselves (a tuple inside `("v", value)`); containers of
    /// plain values collapse to one value, so the common case costs no tag.
    /// The handles of the objects in it go into `held`, which the caller
    /// keeps until the reply, so that no release overtakes the request.
    func tagged(_ connection: AgentConnection, holding held: inout [ObjectHandle]) throws -> PyValue {
        if let plain = plainValue { return Self.wire(plain) }
        switch self {
        case .value(let value): return Self.wire(value)
        case .object(let object): return try object.wireForm(for: connection, holding: &held)
        case .callback(let callback): return .tuple(["f", .int(PyInt(connection.register(callback)))])
        case .list(let items):
            return .tuple(["l", .list(PyItems(try items.map { try $0.tagged(connection, holding: &held) }))])
        case .tuple(let items):
            return .tuple(["t", .list(PyItems(try items.map { try $0.tagged(connection, holding: &held) }))])
        case .dict(let entries):
            var flat: [PyValue] = []
            flat.reserveCapacity(entries.count * 2)
            for (key, value) in entries {
                flat.append(try key.tagged(connection, holding: &held))
                flat.append(try value.tagged(connection, holding: &held))
            }
            return .tuple(["d", .list(PyItems(flat))])
        }
    }

    /// A value as an argument: as itself, except a tuple (which the agent
    /// would take for a tag), wrapped in `("v", value)`.
    static func wire(_ value: PyValue) -> PyValue {
        if case .tuple = value { return .tuple(["v", value]) }
        return value
    }

    /// The value this argument is when nothing in it is an object or a callback.
    var plainValue: PyValue? {
        switch self {
        case .value(let value): return value
        case .object(let object): return object.localValue
        case .callback: return nil
        case .list(let items): return Self.plainValues(items).map { .list(PyItems($0)) }
        case .tuple(let items): return Self.plainValues(items).map { .tuple(PyItems($0)) }
        case .dict(let entries):
            var pairs: [(PyValue, PyValue)] = []
            pairs.reserveCapacity(entries.count)
            for (key, value) in entries {
                guard let k = key.plainValue, let v = value.plainValue else { return nil }
                pairs.append((k, v))
            }
            return .dict(PyDict(pairs))
        }
    }

    private static func plainValues(_ items: [RemoteArgument]) -> [PyValue]? {
        var values: [PyValue] = []
        values.reserveCapacity(items.count)
        for item in items {
            guard let value = item.plainValue else { return nil }
            values.append(value)
        }
        return values
    }
}
