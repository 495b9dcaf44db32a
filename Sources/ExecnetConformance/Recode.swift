import ExecnetWire

/// `execnet-conform recode`: one hex dump in, one line out.
public struct Recoder: Sendable {
    public var versioned: Bool
    public var options: DecodingOptions

    public init(versioned: Bool, options: DecodingOptions = .lossless) {
        self.versioned = versioned
        self.options = options
    }

    /// The output line for one input line, or nil for a blank line.
    public func recode(line: some StringProtocol) -> String? {
        guard !line.allSatisfy(\.isWhitespace) else { return nil }
        do {
            let input = try Hex.decode(line)
            let decoder = DumpDecoder(options: options)
            if versioned {
                let (value, format) = try decoder.decodeVersioned(input)
                return Hex.encode(try DumpEncoder().encodeVersioned(value, format: format))
            }
            return Hex.encode(try DumpEncoder().encode(try decoder.decode(input)))
        } catch {
            return "error: \(error)"
        }
    }
}
