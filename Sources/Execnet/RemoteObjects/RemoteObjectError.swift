/// A failure of remote objects that is not an exception raised remotely
/// (those are ``RemoteError``s). Its description says what was asked of
/// which gateway.
public struct RemoteObjectError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The connection was closed by this host; its proxies are unusable.
        public static let closed = Code(name: "closed")
        /// The gateway or the agent ended while the request was outstanding.
        public static let connectionLost = Code(name: "connectionLost")
        /// A proxy of another connection was passed as an argument.
        public static let foreignObject = Code(name: "foreignObject")
        /// The object is not a value this host can hold (use a proxy).
        public static let notAValue = Code(name: "notAValue")
        /// The agent sent something this host does not understand.
        public static let protocolViolation = Code(name: "protocolViolation")
        public var description: String { name }
    }

    public let code: Code
    public let message: String
    /// The gateway the connection runs over.
    public let gatewayID: String

    public init(_ code: Code, _ message: String, gatewayID: String) {
        self.code = code
        self.message = message
        self.gatewayID = gatewayID
    }

    public var description: String { "remote objects on gateway '\(gatewayID)': \(message)" }
}
