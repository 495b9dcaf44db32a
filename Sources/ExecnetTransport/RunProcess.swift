/// The outcome of a finished helper process.
package struct ProcessOutput: Sendable {
    package let status: ExitStatus
    package let standardOutput: [UInt8]
    package let standardErrorTail: String

    package var succeeded: Bool { status == .exited(0) }
    package var text: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a helper program to completion without occupying Swift's
/// cooperative threads: `input` is written to its stdin, stdout collected.
/// Cancelling the calling task kills the program.
package func runProcess(_ arguments: [String], input: [UInt8] = []) async throws -> ProcessOutput {
    let transport = try PopenTransport(arguments: arguments, forwardStandardError: false)
    let collected = Waiter<[UInt8]>()
    startDetachedThread(name: "execnet-run") {
        defer { transport.close() }
        input.withUnsafeBytes { bytes in
            // The program may not read its input; its output still counts.
            try? FileDescriptorIO.writeAll(transport.outputDescriptor, bytes)
        }
        transport.closeOutput()
        var output: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { chunk.deallocate() }
        while let count = try? FileDescriptorIO.readSome(transport.inputDescriptor, into: chunk), count > 0 {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        }
        collected.resume(returning: output)
    }
    do {
        let output = try await collected.wait()
        let status = try await transport.child.waitForExit()
        await transport.settleDiagnostics(within: .milliseconds(500))
        return ProcessOutput(status: status, standardOutput: output, standardErrorTail: transport.diagnostics)
    } catch {
        transport.child.kill()
        throw error
    }
}
