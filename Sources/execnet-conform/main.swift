import ExecnetConformance
import Foundation

let usage = """
    usage: execnet-conform [SUBCOMMAND] [OPTIONS]

    Checks this package against stock execnet. With no subcommand it runs
    the fixture check and then the live suite on every interpreter found.

    subcommands:
      fixtures   check the codec against the golden fixtures
      live       drive stock execnet remote ends through the live scenarios
      recode     decode then encode hex dumps read from standard input

    Run 'execnet-conform SUBCOMMAND --help' for a subcommand's options.
    """

let fixturesUsage = """
    usage: execnet-conform fixtures [--fixtures DIR] [--verbose]

    Decodes and re-encodes every golden fixture (dumps from stock execnet
    1.9.0, 2.0.2 and 2.1.2 on each Python that wrote them), compares verdicts
    on invalid input and checks message frames. Prints counts per group and a
    closing line 'N passed, N failed'; exits 1 on any failure.

      --fixtures DIR   the Fixtures/ directory (default: found from the
                       working directory or the executable's checkout)
      --verbose        list every failure, not just the first 50
    """

let recodeUsage = """
    usage: execnet-conform recode [--versioned]

    Reads one hex-encoded dump per line from standard input (blank lines are
    skipped) and writes one line per input: the lowercase hex of decoding
    then encoding it, or 'error: <reason>'. Exits 0 once all input is read.

      --versioned   inputs start with their format version byte (1 or 2);
                    outputs keep it
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("execnet-conform: \(message)\n".utf8))
    exit(2)
}

func runFixtures(_ arguments: ArraySlice<String>) -> Int32 {
    var explicit: String?
    var verbose = false
    var rest = arguments
    while let argument = rest.popFirst() {
        switch argument {
        case "-h", "--help": print(fixturesUsage); return 0
        case "--verbose": verbose = true
        case "--fixtures":
            guard let value = rest.popFirst() else { fail("--fixtures needs a directory") }
            explicit = value
        default: fail("fixtures: unknown argument '\(argument)'")
        }
    }
    guard let directory = FixtureLocation.find(explicit: explicit) else {
        fail("no Fixtures/ directory found; name one with --fixtures DIR")
    }
    do {
        let results = try FixtureCheck(directory: directory).run()
        let (text, failed) = results.report(verbose: verbose)
        print("fixtures: \(directory.path)")
        print(text)
        return failed == 0 ? 0 : 1
    } catch {
        fail("cannot read fixtures in \(directory.path): \(error)")
    }
}

func runRecode(_ arguments: ArraySlice<String>) -> Int32 {
    var versioned = false
    for argument in arguments {
        switch argument {
        case "-h", "--help": print(recodeUsage); return 0
        case "--versioned": versioned = true
        default: fail("recode: unknown argument '\(argument)'")
        }
    }
    let recoder = Recoder(versioned: versioned)
    var output = ""
    while let line = readLine(strippingNewline: true) {
        if let answer = recoder.recode(line: line) {
            output += answer
            output += "\n"
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
    }
    FileHandle.standardOutput.write(Data(output.utf8))
    return 0
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case nil:
    let fixtures = runFixtures([])
    print("")
    let live = await runLive([])
    exit(fixtures == 0 && live == 0 ? 0 : 1)
case "-h", "--help", "help": print(usage)
case "fixtures": exit(runFixtures(arguments.dropFirst()))
case "recode": exit(runRecode(arguments.dropFirst()))
case "live": exit(await runLive(arguments.dropFirst()))
case let other?:
    if other.hasPrefix("-") { exit(runFixtures(arguments)) }
    fail("unknown subcommand '\(other)' (try --help)")
}
