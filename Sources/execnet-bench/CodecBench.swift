import ExecnetWire
import Foundation

let codecUsage = """
    usage: execnet-bench codec [OPTIONS]

    Encodes and decodes the standard corpus (a list of N records, see
    scripts/bench) with DumpEncoder/DumpDecoder and reports MB/s (10^6 bytes
    of the dump per second), from the median iteration after one warm-up.

      --expect FILE     stock's dump of the same corpus; exit 1 unless the
                        Swift encoding is byte-identical to it
      --write FILE      write the Swift encoding to FILE
      --records N       records in the corpus (default 20000)
      --min-time S      keep iterating for at least S seconds (default 1)
      --min-reps N      and at least N iterations (default 7)
      --only KIND       time only `encode` or `decode` (for profilers)
      --json            one JSON object on stdout instead of text
    """

struct CodecOptions {
    var expect: String?
    var write: String?
    var records = Corpus.standardRecords
    var timing = TimingPolicy()
    var json = false
    var kinds = ["encode", "decode"]
}

func parseCodecOptions(_ arguments: ArraySlice<String>) -> CodecOptions? {
    var options = CodecOptions()
    var rest = arguments
    func value(_ name: String) -> String {
        guard let value = rest.popFirst() else { fail("codec: \(name) needs a value") }
        return value
    }
    while let argument = rest.popFirst() {
        switch argument {
        case "-h", "--help": return nil
        case "--expect": options.expect = value(argument)
        case "--write": options.write = value(argument)
        case "--records":
            guard let n = Int(value(argument)), n >= 0 else { fail("codec: --records needs a count") }
            options.records = n
        case "--min-time":
            guard let s = Double(value(argument)), s >= 0 else { fail("codec: --min-time needs seconds") }
            options.timing.minTime = s
        case "--min-reps":
            guard let n = Int(value(argument)), n >= 1 else { fail("codec: --min-reps needs a count") }
            options.timing.minReps = n
        case "--json": options.json = true
        case "--only":
            let kind = value(argument)
            guard kind == "encode" || kind == "decode" else { fail("codec: --only takes encode or decode") }
            options.kinds = [kind]
        default: fail("codec: unknown argument '\(argument)' (try --help)")
        }
    }
    return options
}

/// Keeps results observable so the optimizer cannot drop the work.
nonisolated(unsafe) var sink = 0

func runCodec(_ arguments: ArraySlice<String>) -> Int32 {
    guard let options = parseCodecOptions(arguments) else {
        print(codecUsage)
        return 0
    }
    let corpus = Corpus.records(options.records)
    let encoder = DumpEncoder()
    let decoder = DumpDecoder()

    // Correctness first: the encoding must be stock's, byte for byte, and
    // must decode back to the same value.
    let dump: [UInt8]
    do { dump = try encoder.encode(corpus) } catch { fail("codec: encoding failed: \(error)") }
    if let path = options.write {
        guard FileManager.default.createFile(atPath: path, contents: Data(dump)) else {
            fail("codec: cannot write \(path)")
        }
    }
    if let path = options.expect {
        guard let data = FileManager.default.contents(atPath: path) else { fail("codec: cannot read \(path)") }
        let expected = [UInt8](data)
        if expected != dump {
            let common = zip(expected, dump).prefix { $0 == $1 }.count
            fail(
                "codec: Swift encoding differs from \(path): \(dump.count) bytes vs \(expected.count), "
                    + "first difference at offset \(common)", status: 1)
        }
    }
    do {
        guard try decoder.decode(dump) == corpus else { fail("codec: decoded value differs from the corpus", status: 1) }
    } catch { fail("codec: decoding failed: \(error)", status: 1) }

    let clock = ContinuousClock()
    let expectedChecksum = Corpus.checksum(corpus)
    let skip = Measurement(seconds: [])
    let encode = !options.kinds.contains("encode") ? skip : measure(options.timing) {
        let start = clock.now
        let bytes = try! encoder.encode(corpus)
        let elapsed = clock.now - start
        precondition(bytes.count == dump.count && bytes.last == dump.last, "encoding changed between runs")
        sink &+= bytes.count
        return elapsed
    }
    let decode = !options.kinds.contains("decode") ? skip : measure(options.timing) {
        let start = clock.now
        let value = try! decoder.decode(dump)
        let elapsed = clock.now - start
        // The value is used (and so released) only after the clock stops.
        precondition(Corpus.checksum(value) == expectedChecksum, "decoding changed between runs")
        sink &+= Corpus.checksum(value)
        return elapsed
    }
    guard sink != 0 || dump.isEmpty else { fail("codec: impossible checksum", status: 1) }

    let results = [("encode", encode), ("decode", decode)].filter { options.kinds.contains($0.0) }
    if options.json {
        var fields = ["\"bytes\": \(dump.count)", "\"records\": \(options.records)"]
        for (name, m) in results {
            fields.append(
                "\"\(name)\": {\"mb_per_s\": \(m.megabytesPerSecond(bytes: dump.count)), "
                    + "\"median_s\": \(m.median), \"best_s\": \(m.best), \"reps\": \(m.seconds.count)}")
        }
        print("{" + fields.joined(separator: ", ") + "}")
    } else {
        print("corpus: \(options.records) records, \(dump.count) bytes dumped")
        for (name, m) in results {
            let rate = m.megabytesPerSecond(bytes: dump.count)
            print(
                "\(name): \(String(format: "%.1f", rate)) MB/s (median \(String(format: "%.3f", m.median * 1e3)) ms, "
                    + "best \(String(format: "%.3f", m.best * 1e3)) ms, \(m.seconds.count) iterations)")
        }
    }
    return 0
}
