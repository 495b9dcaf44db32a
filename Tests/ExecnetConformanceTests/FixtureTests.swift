import ExecnetConformance
import ExecnetWire
import Foundation
import Testing

@Suite("Golden fixtures")
struct FixtureTests {
    @Test func everyFixtureOfEveryProducerPasses() throws {
        let directory = try #require(FixtureLocation.find(), "no Fixtures/ directory")
        let results = try FixtureCheck(directory: directory).run()
        #expect(results.count > 5000)
        for failure in results where failure.failure != nil {
            Issue.record("\(failure.group) \(failure.name) \(failure.producers): \(failure.failure!)")
        }
        // Every producer the fixtures were made with is checked.
        let producers = Set(results.flatMap(\.producers))
        #expect(producers.contains("execnet-1.9.0/cpython-2.7"))
        #expect(producers.contains("execnet-2.1.2/cpython-3.13"))
        // Only the documented deviations are skipped: Python 2 surrogates, and
        // input over a configurable limit.
        for skipped in results where skipped.skipped != nil {
            let python2Surrogates = skipped.producers.allSatisfy { $0.contains("cpython-2.") }
            let limit = skipped.skipped!.contains("DecodingLimits")
            #expect(python2Surrogates || limit, "\(skipped.name) skipped: \(skipped.skipped!)")
        }
    }

    /// Regeneration from stock is deterministic: `scripts/regen-fixtures --check`
    /// rebuilds everything into a temporary directory and compares bytes.
    @Test(.timeLimit(.minutes(5))) func regenerationReproducesTheCommittedBytes() throws {
        let needed = try neededInterpreterVersions()
        let found = Set(try Interpreter.discover().filter { $0.implementation == "cpython" }.map(\.version))
        let missing = needed.subtracting(found)
        guard missing.isEmpty else {
            try requireInCI("regeneration check needs Python \(missing.sorted().joined(separator: ", "))")
            return
        }
        let (status, output) = try run(["python3", Checkout.scripts.appendingPathComponent("regen-fixtures").path, "--check"])
        #expect(status == 0, "regen-fixtures --check: \(output.suffix(2000))")
    }

    private func neededInterpreterVersions() throws -> Set<String> {
        let directory = try #require(FixtureLocation.find())
        let results = try FixtureCheck(directory: directory).run()
        return Set(results.flatMap(\.producers).compactMap { Producer($0) }.map { "\($0.pythonMajor).\($0.pythonMinor)" })
    }
}

@Suite("Property tests")
struct PropertyTests {
    @Test(arguments: 0..<8)
    func randomValuesRoundTrip(seed: Int) throws {
        var values = RandomValues(seed: UInt64(seed) &* 0x1234_5678_9ABC)
        for _ in 0..<500 {
            let value = values.value()
            let encoded = try DumpEncoder().encode(value)
            let decoded = try DumpDecoder(options: DecodingOptions(limits: DecodingLimits(maxIntegerDigits: nil)))
                .decode(encoded)
            #expect(decoded == value)
            #expect(decoded.hashValue == value.hashValue)
            #expect(try DumpEncoder().encode(decoded) == encoded)
            let versioned = try DumpEncoder().encodeVersioned(value, format: .version1)
            #expect(Array(versioned.dropFirst()) == encoded)
        }
    }

    /// Dumps of 8 KiB and more go through the decoder's short-text cache.
    @Test(arguments: 0..<4)
    func largeDumpsWithRepeatedShortTextsRoundTrip(seed: Int) throws {
        var values = RandomValues(seed: UInt64(seed) &+ 99, maxDepth: 3, maxWidth: 6)
        let value = PyValue.list(PyItems((0..<3000).map { _ in values.value() }))
        let encoded = try DumpEncoder().encode(value)
        #expect(encoded.count > 8192)
        let unlimited = DumpDecoder(options: DecodingOptions(limits: DecodingLimits(maxIntegerDigits: nil)))
        #expect(try unlimited.decode(encoded) == value)
        // A bad short text after the cache is warm is still refused.
        var broken = Array(encoded.dropLast())
        var fixed = broken
        broken += [0x4E, 0, 0, 0, 2, 0xC3, 0x28]  // PY3STRING with invalid UTF-8
        fixed += [0x4E, 0, 0, 0, 2, 0xC3, 0xA9]  // the same length, valid
        for tail: [UInt8] in [[0x40, 0, 0, 0, 2, 0x51]] {
            #expect(throws: DumpDecodingError.self) { try unlimited.decode(broken + tail) }
            #expect(try unlimited.decode(fixed + tail) == .tuple([value, .str("é")]))
        }
    }

    @Test func equalityIsRepresentational() {
        #expect(PyValue.int(1) != .long(1))
        #expect(PyValue.float(.nan) == .float(.nan))
        #expect(PyValue.float(0.0) != .float(-0.0))
        #expect(PyValue.str("\u{E9}") != .str("e\u{301}"))  // Swift's == would call these equal
        #expect(PyValue.dict([1: 2, 3: 4]) != .dict([3: 4, 1: 2]))
        #expect(PyValue.str("a") != .unicode("a"))
    }
}

@Suite("execnet-conform")
struct ConformToolTests {
    @Test func recodeReadsHexLinesAndAnswersEach() throws {
        let (status, output) = try run([toolPath(), "recode"], input: "4c51\n\n46000000ff51\nzz\n4b7fffffff51\n")
        #expect(status == 0)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 4)
        #expect(lines[0] == "4c51")
        #expect(lines[1] == "46000000ff51")
        #expect(lines[2].hasPrefix("error:"))
        #expect(lines[3].hasPrefix("error:") && lines[3].contains("maxListSlots"))
    }

    @Test func recodeVersionedKeepsTheVersion() throws {
        let (status, output) = try run([toolPath(), "recode", "--versioned"], input: "014c51\n024c51\n004c51\n")
        #expect(status == 0)
        #expect(output.hasPrefix("014c51\n024c51\nerror:"))
    }

    @Test func fixturesSubcommandEndsWithTheClosingLine() throws {
        let (status, output) = try run([toolPath(), "fixtures"])
        #expect(status == 0)
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^\d+ passed, 0 failed(, \d+ skipped)?$"#, options: .regularExpression) != nil)
    }

    @Test(arguments: [["bogus"], ["fixtures", "--nope"], ["recode", "extra"], ["fixtures", "--fixtures"]])
    func badUsageExitsTwoWithOneLine(arguments: [String]) throws {
        let (status, output) = try run([toolPath()] + arguments, mergeStderr: true)
        #expect(status == 2)
        #expect(output.split(separator: "\n").count == 1)
    }

    @Test(arguments: [["--help"], ["fixtures", "--help"], ["recode", "--help"]])
    func helpIsAvailable(arguments: [String]) throws {
        let (status, output) = try run([toolPath()] + arguments)
        #expect(status == 0)
        #expect(output.contains("usage: execnet-conform"))
    }

    private func toolPath() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("execnet-conform")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory.deleteLastPathComponent()
        }
        throw TypedValue.Failure(description: "execnet-conform not built next to \(bundle.path)")
    }
}

/// Runs a command to completion; returns its exit status and standard output.
func run(_ arguments: [String], input: String? = nil, mergeStderr: Bool = false) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = mergeStderr ? output : FileHandle.standardError
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
