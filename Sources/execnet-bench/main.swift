import Foundation

let usage = """
    usage: execnet-bench SUBCOMMAND [OPTIONS]

    Benchmarks for execnet for Swift; scripts/bench runs them next to stock
    execnet and compares.

    subcommands:
      codec   DumpEncoder/DumpDecoder throughput on the standard corpus
      host    the Swift host driving stock gateway_base over popen: startup,
              round trips, pipelined messages, bulk bytes, fan-out
      rsync   the Swift RSync to popen targets (driven by scripts/bench rsync)
      objects remote objects and putFile/getFile vs plain channels

    Run 'execnet-bench SUBCOMMAND --help' for a subcommand's options.
    """

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("execnet-bench: \(message)\n".utf8))
    exit(status)
}

/// Subcommands by name; a new benchmark adds one entry.
let subcommands: [String: (ArraySlice<String>) async -> Int32] = [
    "codec": runCodec,
    "host": runHost,
    "rsync": runRSync,
    "objects": runObjects,
]

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "-h", "--help", "help":
    print(usage)
case let name? where subcommands[name] != nil:
    exit(await subcommands[name]!(arguments.dropFirst()))
case let other?:
    FileHandle.standardError.write(Data("execnet-bench: unknown subcommand '\(other)'\n\n\(usage)\n".utf8))
    exit(2)
case nil:
    FileHandle.standardError.write(Data("\(usage)\n".utf8))
    exit(2)
}
