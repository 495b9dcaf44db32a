extension Channel {
    /// Sends `value` encoded by `encoder` (see ``PyValueEncoder`` for the
    /// mapping).
    ///
    /// Disfavoured so that a `PyValue`, and a literal that can be one, keep
    /// going to `send(_ item: PyValue)` as before.
    @_disfavoredOverload
    public func send<T: Encodable>(_ value: T, encoder: PyValueEncoder = PyValueEncoder()) async throws {
        try await send(try encoder.encode(value))
    }

    /// The next item, decoded as `type` by `decoder` (see ``PyValueDecoder``).
    /// Throws as ``receive(timeout:)`` does, or the `DecodingError` of an
    /// item that does not decode; that item is consumed all the same.
    public func receive<T: Decodable>(
        as type: T.Type, timeout: Duration? = nil, decoder: PyValueDecoder = PyValueDecoder()
    ) async throws -> T {
        try decoder.decode(type, from: try await receive(timeout: timeout))
    }
}
