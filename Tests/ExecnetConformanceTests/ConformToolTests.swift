import ExecnetConformance
import ExecnetWire
import Foundation
import Testing

@Suite("execnet-conform")
struct ConformToolTests {
    @Test func recodeReadsHexLinesAndAnswersEach() async throws {
        let (status, output) = try await Command.run([toolPath(), "recode"], input: "4c51\n\n46000000ff51\nzz\n4b7fffffff51\n")
        #expect(status == 0)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 4)
        #expect(lines[0] == "4c51")
        #expect(lines[1] == "46000000ff51")
        #expect(lines[2].hasPrefix("error:"))
        #expect(lines[3].hasPrefix("error:") && lines[3].contains("maxListSlots"))
    }

    @Test func recodeVersionedKeepsTheVersion() async throws {
        let (status, output) = try await Command.run([toolPath(), "recode", "--versioned"], input: "014c51\n024c51\n004c51\n")
        #expect(status == 0)
        #expect(output.hasPrefix("014c51\n024c51\nerror:"))
    }

    @Test func fixturesSubcommandEndsWithTheClosingLine() async throws {
        let (status, output) = try await Command.run([toolPath(), "fixtures"])
        #expect(status == 0)
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^\d+ passed, 0 failed(, \d+ skipped)?$"#, options: .regularExpression) != nil)
    }

    @Test(arguments: [["bogus"], ["fixtures", "--nope"], ["recode", "extra"], ["fixtures", "--fixtures"]])
    func badUsageExitsTwoWithOneLine(arguments: [String]) async throws {
        let (status, output) = try await Command.run([toolPath()] + arguments, mergeStandardError: true)
        #expect(status == 2)
        #expect(output.split(separator: "\n").count == 1)
    }

    @Test(arguments: [["--help"], ["fixtures", "--help"], ["recode", "--help"]])
    func helpIsAvailable(arguments: [String]) async throws {
        let (status, output) = try await Command.run([toolPath()] + arguments)
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
