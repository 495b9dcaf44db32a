import Execnet
import ExecnetConformance
import Foundation
import Testing

/// Differential tests: four pure functions that re-implement Python rules
/// (`repr(str)`, `textwrap.dedent`, `shlex.split`, stock execnet's `XSpec`)
/// are compared with the real thing. Each test starts `python3` once and
/// sends every case through stdin as JSON; Python answers with JSON.
///
/// Strings are compared scalar by scalar: Swift's `==` on `String` treats
/// canonically equivalent text (`"é"` and `"e\u{301}"`) as equal, Python
/// does not.
@Suite struct PythonRulesTests {

    // MARK: repr(str)

    @Test func reprMatchesPython() async throws {
        var cases: [String] = [
            "", "plain", " ", "'", "\"", "'\"", "\"'", "it's", "say \"hi\"", "both ' and \"",
            "''", "\"\"", "\\", "\\\\", "a\\'b", "\\\"", "\t", "\n", "\r", "\r\n", "tab\there",
            "\u{A0}", "\u{2028}", "\u{2029}", "\u{200B}", "\u{FEFF}", "\u{AD}", "\u{180E}", "\u{3000}",
            "e\u{301}", "\u{301}", "'\u{301}", "\"\u{301}", "'\u{301}\"", "\\\u{301}", "\n\u{301}",
            "中文", "日本語", "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "\u{10000}", "\u{1F600}x", "\u{E000}", "\u{F8FF}",
            "\u{F0000}", "\u{10FFFD}",
        ]
        // Code points unassigned both in Python 3.11's Unicode 14.0 database
        // and in Swift's (checked below), so both escape them. Left out on
        // purpose: U+1F6DC (assigned in Unicode 15.0), U+1FAE9 (16.0) and
        // U+31350 (15.0), which Swift's newer tables deem printable while
        // Python 3.11 still escapes them as unassigned.
        let unassigned: [UInt32] = [0x378, 0x379, 0x38B, 0xFFFE, 0xFFFF, 0x2FFFE, 0x50000, 0xE0080, 0x10FFFF]
        for value in unassigned {
            let scalar = Unicode.Scalar(value)!
            #expect(scalar.properties.generalCategory == .unassigned, "U+\(String(value, radix: 16)) is assigned in Swift")
            cases.append(String(Character(scalar)))
            cases.append("a" + String(Character(scalar)) + "b")
        }
        for value in UInt32(0x00)...0x1F { cases.append(string(value)) }
        cases.append(string(0x7F))
        for value in UInt32(0x80)...0xFF { cases.append(string(value)) }
        cases.append(String(String.UnicodeScalarView((0...0x7F).map { Unicode.Scalar(UInt8($0)) })))

        var random = SplitMix64(seed: 0x5EED_0001)
        let pools: [[UInt32]] = [
            Array(0x20...0x7E), Array(0x00...0x1F) + [0x7F], [0x27, 0x22, 0x5C, 0x27, 0x22],
            Array(0x80...0xFF), Array(0x300...0x36F), Array(0x4E00...0x9FA5), Array(0x1F600...0x1F64F),
            [0x2028, 0x2029, 0x200B, 0xFEFF, 0xA0, 0xAD, 0x3000, 0x180E, 0x200D, 0x1F3FD],
            Array(0xE000...0xE0FF), unassigned,
        ]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<random.below(13) {
                let pool = pools[random.below(pools.count)]
                scalars.append(Unicode.Scalar(pool[random.below(pool.count)])!)
            }
            cases.append(String(scalars))
        }

        let expected = try await python(
            """
            import json, sys
            cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
            sys.stdout.write(json.dumps([repr(s) for s in cases]))
            """, input: cases, as: [String].self)
        try #require(expected.count == cases.count)
        let mismatches = zip(cases, expected).filter { !same(pythonRepr($0), $1) }
            .map { "\(escaped($0)): swift \(escaped(pythonRepr($0))) python \(escaped($1))" }
        report(mismatches, of: cases.count)
    }

    // MARK: textwrap.dedent

    @Test func dedentMatchesPython() async throws {
        var cases: [String] = [
            "", "x", "  x", "\tx", "x\n", "  x\n", "  x\n  y", "  x\n  y\n", "  x\n    y\n  z",
            "    x\n  y", "\tx\n\ty", "\tx\n    y", "    x\n\ty", "  \tx\n  \ty", "  \tx\n \t x",
            "\t x\n\t  y", " \tx\n\t x", "  x\n\n  y", "  x\n   \n  y", "  x\n\t\n  y", "  x\n \t \n  y",
            "  x\n  y\n   ", "  x\n  y\n\t", "  x\n  y\n \t", "   \n  x", "\t\n\t\tx\n", "  ", "\t", " \t \n \t",
            "\n", "\n\n", "  x\r\n  y\r\n", "  x\r  y\r", "  \r\n  x", "  x\r\n   \r\n  y", "\r", "  \r",
            " \r x", "\r\n", "  x\n  y", "  x\n  y\n  z\n", "    def f():\n        return 1\n",
            "  x\n\ty\n", "\t  a\n\t\tb", "  a\n \tb", "a\n  b", "  a\nb", "  \u{3000}x\n  y", "  é\n  ü",
        ]
        var random = SplitMix64(seed: 0x5EED_0002)
        let alphabet: [Unicode.Scalar] = [" ", "\t", "\n", "x", "\r"]
        for index in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            if index.isMultiple(of: 2) {
                // Free-form: any sequence over the alphabet.
                for _ in 0..<random.below(30) { scalars.append(alphabet[random.below(alphabet.count)]) }
            } else {
                // Line-shaped: a shared margin plus per-line extra indentation,
                // so that common prefixes actually occur.
                var margin = String.UnicodeScalarView()
                for _ in 0..<random.below(4) { margin.append(alphabet[random.below(2)]) }
                for line in 0..<(1 + random.below(6)) {
                    if line > 0 { scalars.append("\n") }
                    if random.below(5) > 0 { scalars.append(contentsOf: margin) }
                    for _ in 0..<random.below(3) { scalars.append(alphabet[random.below(2)]) }
                    for _ in 0..<random.below(5) { scalars.append(alphabet[random.below(alphabet.count)]) }
                }
            }
            cases.append(String(scalars))
        }

        let expected = try await python(
            """
            import json, sys, textwrap
            cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
            sys.stdout.write(json.dumps([textwrap.dedent(s) for s in cases]))
            """, input: cases, as: [String].self)
        try #require(expected.count == cases.count)
        let mismatches = zip(cases, expected).filter { !same(pythonDedent($0), $1) }
            .map { "\(escaped($0)): swift \(escaped(pythonDedent($0))) python \(escaped($1))" }
        report(mismatches, of: cases.count)
    }

    // MARK: shlex.split

    @Test func shellSplitMatchesPython() async throws {
        var cases: [String] = [
            "", " ", "a", "a b", "  a   b  ", "a\tb\nc\rd", "python3 -u", "'a b'", "\"a b\"", "'a\"b'", "\"a'b\"",
            "\"a\\\"b\"", "\"a\\\\b\"", "\"a\\b\"", "\"\\$HOME\"", "\"\\`x\\`\"", "\"a\\\nb\"", "'a\\b'", "'a\\'",
            "a\\ b", "a\\\\b", "\\a", "a\\\nb", "a \\\n b", "\\'", "\\\"", "\"\"", "''", "a \"\" b", "a '' b", "''''",
            "\"\"''", "a\"b\"'c'", "\"a\"'b'c", "x=\"1 2\"", "a#b", "#a", "a #b", "# comment", "a # b", "'#'",
            "/usr/bin/env python3 -X dev", "py 'with space/python3'", "é ü", "\"中 文\"", "a\u{A0}b", "a\u{2028}b",
            // shlex raises on these (unterminated quote or escape at the end)
            "'", "\"", "'abc", "\"abc", "a\\", "\"a\\\"", "'a''", "\"a\\",
        ]
        var random = SplitMix64(seed: 0x5EED_0003)
        let alphabet: [Unicode.Scalar] = [" ", "\t", "\n", "a", "b", "'", "\"", "\\", "#", "$", "`", "\r"]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<random.below(16) { scalars.append(alphabet[random.below(alphabet.count)]) }
            cases.append(String(scalars))
        }

        struct Outcome: Decodable {
            let words: [String]?
            let error: String?
        }
        let expected = try await python(
            """
            import json, shlex, sys
            cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
            out = []
            for s in cases:
                try:
                    out.append({"words": shlex.split(s)})
                except ValueError as e:
                    out.append({"error": str(e)})
            sys.stdout.write(json.dumps(out))
            """, input: cases, as: [Outcome].self)
        try #require(expected.count == cases.count)
        var mismatches: [String] = []
        var refused = 0
        for (input, outcome) in zip(cases, expected) {
            let words = shellSplit(input)
            guard let pythonWords = outcome.words else {
                // shlex refuses it; shellSplit only has to return something.
                refused += 1
                continue
            }
            if !(words.count == pythonWords.count && zip(words, pythonWords).allSatisfy(same)) {
                mismatches.append("\(escaped(input)): swift \(words.map(escaped)) python \(pythonWords.map(escaped))")
            }
        }
        #expect(refused >= 8)
        report(mismatches, of: cases.count)
    }

    // MARK: stock XSpec

    @Test func xspecMatchesStock() async throws {
        let cases: [String] = [
            "popen", "popen//python=python3.12//id=w1", "ssh=user@host//python=python3", "socket=127.0.0.1:8888//id=s",
            "popen//env:FOO=bar//env:BAZ=1", "popen//env:A=1//env:A=2", "popen//env:A=1//env:B=2//env:A=3",
            "popen//python=a=b", "popen//python=", "popen//unknown_key=3//flag",
            "popen//chdir=/tmp/x//nice=5//dont_write_bytecode", "popen//env:FLAG", "popen//env:", "popen//env:=v",
            "popen//env:_X=1", "popen///python", "popen//python=/usr/bin//python", "popen//a b=c d", "vagrant_ssh=default",
            "ssh=-p 2222 host//ssh_config=/cfg//via=w1//installvia=w2//execmodel=thread", "popen//id=",
            "popen//python=py\u{301}", "popen//python=\u{301}x", "popen//\u{301}", "popen//\u{E9}=1//e\u{301}=2",
            "popen//env:\u{E9}=1//env:e\u{301}=2", "popen//id='\u{301}", "popen//id=中文😀",
            // refused by stock
            "popen//_private=1", "popen//id=a//id=b", "popen//env", "popen//env=1", "", "popen//", "//popen",
            "popen////id=x", "popen//=x", "popen//popen", "popen//_spec=1", "_=1", "popen//popen//_x",
            "popen//_x//popen", "popen//_\u{301}", "popen//id=1//id//_x",
        ]

        let stockDirectory = try await Command.run(["python3", Checkout.script("stock.py"), "path", "2.1.2"])
        try #require(stockDirectory.status == 0, "stock execnet 2.1.2 is not available")
        let directory = stockDirectory.output.trimmingCharacters(in: .whitespacesAndNewlines)

        struct Entry: Decodable {
            let name: String
            let value: String?  // nil: Python's True (a bare key)
        }
        struct Outcome: Decodable {
            let error: String?
            let message: String?
            let keys: [Entry]?
            let env: [Entry]?
            let attributes: [Entry]?
        }
        let expected = try await python(
            """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            from execnet.xspec import XSpec
            def entry(k, v):
                assert v is True or isinstance(v, str), (k, v)
                return {"name": k, "value": None if v is True else v}
            cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
            out = []
            for s in cases:
                try:
                    spec = XSpec(s)
                except Exception as e:
                    out.append({"error": type(e).__name__, "message": str(e)})
                    continue
                attrs = []
                for name in ("popen", "ssh", "socket", "python", "chdir", "nice", "id", "dont_write_bytecode", "via"):
                    value = getattr(spec, name)
                    if value is not None:
                        attrs.append(entry(name, value))
                out.append({
                    "keys": [entry(k, v) for k, v in vars(spec).items() if k not in ("_spec", "env")],
                    "env": [entry(k, v) for k, v in spec.env.items()],
                    "attributes": attrs,
                })
            sys.stdout.write(json.dumps(out))
            """, arguments: [directory], input: cases, as: [Outcome].self)
        try #require(expected.count == cases.count)

        let accessors: [String: (XSpec) -> String?] = [
            "popen": { $0.popen ? "True" : nil }, "ssh": { $0.ssh }, "socket": { $0.socket },
            "python": { $0.python }, "chdir": { $0.chdir }, "nice": { $0.nice }, "id": { $0.id },
            "dont_write_bytecode": { $0.dontWriteBytecode ? "True" : nil }, "via": { $0.via },
        ]
        var mismatches: [String] = []
        var accepted = 0
        for (input, outcome) in zip(cases, expected) {
            let label = escaped(input)
            let spec: XSpec
            do {
                spec = try XSpec(input)
            } catch {
                if let pythonError = outcome.error, let message = outcome.message {
                    // Both refuse; the message must name the same offending key.
                    if error.key.isEmpty {
                        if error.reason != .emptyKey || pythonError != "IndexError" {
                            mismatches.append("\(label): swift \(error) python \(pythonError): \(message)")
                        }
                    } else if !message.contains(pythonRepr(error.key))
                        || !"\(error)".contains(pythonRepr(error.key))
                    {
                        mismatches.append("\(label): swift \(error) python \(pythonError): \(message)")
                    }
                } else {
                    mismatches.append("\(label): swift refuses (\(error)), stock accepts")
                }
                continue
            }
            guard let keys = outcome.keys, let env = outcome.env, let attributes = outcome.attributes else {
                mismatches.append("\(label): swift accepts, stock raises \(outcome.error ?? "") \(outcome.message ?? "")")
                continue
            }
            accepted += 1
            if !(spec.keys.count == keys.count && zip(spec.keys, keys.map(\.name)).allSatisfy(same)) {
                mismatches.append("\(label): keys swift \(spec.keys.map(escaped)) python \(keys.map { escaped($0.name) })")
            }
            for key in keys {
                let value = spec[key.name]
                let matches: Bool
                switch (value, key.value) {
                case (.flag?, nil): matches = true
                case (.text(let a)?, let b?): matches = same(a, b)
                default: matches = false
                }
                if !matches { mismatches.append("\(label): [\(escaped(key.name))] swift \(String(describing: value)) python \(key.value.map(escaped) ?? "True")") }
            }
            if spec["no_such_key"] != nil { mismatches.append("\(label): unknown key has a value") }
            // Stock stores a bare `env:NAME` as True; the Swift side keeps the text "True".
            let pythonEnvironment = env.map { ($0.name, $0.value ?? "True") }
            if !(spec.environment.count == pythonEnvironment.count
                && zip(spec.environment, pythonEnvironment).allSatisfy({ same($0.name, $1.0) && same($0.value, $1.1) }))
            {
                mismatches.append(
                    "\(label): env swift \(spec.environment.map { "\(escaped($0.name))=\(escaped($0.value))" }) python \(pythonEnvironment.map { "\(escaped($0.0))=\(escaped($0.1))" })"
                )
            }
            let pythonAttributes = Dictionary(uniqueKeysWithValues: attributes.map { ($0.name, $0.value ?? "True") })
            for (name, accessor) in accessors {
                let swiftValue = accessor(spec)
                let pythonValue = pythonAttributes[name]
                if !(swiftValue == nil && pythonValue == nil
                    || swiftValue.flatMap { a in pythonValue.map { same(a, $0) } } == true)
                {
                    mismatches.append("\(label): .\(name) swift \(swiftValue.map(escaped) ?? "nil") python \(pythonValue.map(escaped) ?? "None")")
                }
            }
        }
        #expect(accepted >= 20)
        report(mismatches, of: cases.count)
    }

    // MARK: helpers

    /// One issue listing the first disagreements (not the whole array).
    private func report(_ mismatches: [String], of total: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        guard !mismatches.isEmpty else { return }
        Issue.record(
            "\(mismatches.count) of \(total) cases disagree:\n\(mismatches.prefix(20).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
    }

    /// Runs `program` with `python3 -c`, feeding `input` as JSON on stdin and
    /// decoding its JSON standard output.
    private func python<Input: Encodable, Output: Decodable>(
        _ program: String, arguments: [String] = [], input: Input, as type: Output.Type
    ) async throws -> Output {
        let json = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        let (status, output) = try await Command.run(["python3", "-c", program] + arguments, input: json)
        try #require(status == 0, "python3 exited with \(status)")
        return try JSONDecoder().decode(Output.self, from: Data(output.utf8))
    }

    private func string(_ value: UInt32) -> String { String(String.UnicodeScalarView([Unicode.Scalar(value)!])) }
}

/// Scalar-by-scalar equality (no canonical equivalence).
private func same(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

/// An ASCII rendering of any string for failure messages, independent of
/// the code under test.
private func escaped(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" {
            out.unicodeScalars.append(scalar)
        } else {
            out += "\\u{\(String(scalar.value, radix: 16))}"
        }
    }
    return out + "\""
}

/// A small deterministic generator (SplitMix64), so the random cases are the
/// same on every run and every platform.
private struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (the tiny modulo bias does not matter here).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
