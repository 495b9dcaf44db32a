import Execnet
import Foundation

/// Where this checkout's scripts/ and Fixtures/ live: `$EXECNET_SWIFT_ROOT`,
/// else the checkout this module was compiled from.
public enum Checkout {
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["EXECNET_SWIFT_ROOT"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The path of `scripts/<name>`.
    public static func script(_ name: String) -> String {
        root.appendingPathComponent("scripts").appendingPathComponent(name).path
    }
}

/// Runs helper programs (the project's Python scripts, the CLI under test).
public enum Command {
    /// Runs `arguments` (looked up on PATH) to completion; returns its exit
    /// status and standard output. Standard error goes to ours unless merged.
    public static func run(_ arguments: [String], input: String? = nil, mergeStandardError: Bool = false) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = mergeStandardError ? output : FileHandle.standardError
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `run` from async code: the wait happens on a thread of its own, never
    /// on one of the cooperative pool's (as many as there are cores), where a
    /// minute-long script would stall every other task in the process.
    public static func run(_ arguments: [String], input: String? = nil, mergeStandardError: Bool = false) async throws
        -> (status: Int32, output: String)
    {
        try await offPool { try run(arguments, input: input, mergeStandardError: mergeStandardError) }
    }
}
