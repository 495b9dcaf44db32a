import Execnet

/// Values every remote end must echo back unchanged (up to the Python 2/3
/// differences ``equivalent(_:_:)`` ignores).
let liveCorpus: [PyValue] = [
    .none, .bool(true), .bool(false),
    // Stock cannot dump integers at or below -2**31 (struct.error), so no
    // negative number in the corpus goes that low.
    0, 1, -1, .int(PyInt(Int(Int32.max))), .int(PyInt(Int(Int32.min) + 1)), .int(PyInt(Int(Int32.max) + 1)),
    .int(PyInt(decimal: "1267650600228229401496703205376")!),
    1.5, -0.0, .float(.infinity), .float(-.infinity), 1e300,
    .complex(real: 1.5, imag: -2.0),
    "", "ascii", "caf\u{e9}", "\u{4e2d}\u{6587}", "\u{1F600} astral", "line\nbreak\u{0}nul",
    .bytes([]), .bytes(Array(0...255)),
    [], [1, [2, [3, ["deep"]]]], .tuple([]), .tuple([1, "two", .tuple([3.0])]),
    .set([1, 2, 3]), .frozenset(["a", "b"]),
    .dict([:]), .dict(["key": "value", 1: [1, 2], .tuple([1, 2]): .none]),
    .list(PyItems((0..<1000).map { PyValue.int(PyInt($0)) })),
    .str(String(repeating: "x", count: 100_000)),
    .bytes([UInt8](repeating: 0xAB, count: 1 << 20)),
]

let echoSource = """
    for item in channel:
        channel.send(item)
    """
