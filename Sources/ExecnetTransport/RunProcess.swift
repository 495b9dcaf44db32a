/// The outcome of a finished helper process.
public struct ProcessOutput: Sendable {
    public let status: ExitStatus?
    public let standardOutput: [UInt8]
    public let standardErrorTail: String

    public var succeeded: Bool { status == .exited(0) }
    public var text: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a helper program to completion without occupying Swift's
/// cooperative threads: `input` is written to its stdin, stdout collected.
public func runProcess(_ arguments: [String], input: [UInt8] = []) async throws(TransportError) -> ProcessOutput {
    let transport = try PopenTransport(arguments: arguments, forwardStandardError: false)
    let collected: Result<[UInt8], TransportError> = await withCheckedContinuation { continuation in
        startDetachedThread(name: "execnet-run") {
            do {
                try transport.write(input)
            } catch {
                // The program may not read its input; its output still counts.
            }
            transport.closeWrite()
            var output: [UInt8] = []
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
            defer { chunk.deallocate() }
            do throws(TransportError) {
                while true {
                    let count = try transport.read(into: chunk)
                    if count == 0 { break }
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
                }
                transport.closeRead()
                continuation.resume(returning: .success(output))
            } catch {
                transport.closeRead()
                continuation.resume(returning: .failure(error))
            }
        }
    }
    let output = try collected.get()
    let status = await transport.waitForExit()
    return ProcessOutput(status: status, standardOutput: output, standardErrorTail: transport.diagnostics)
}
