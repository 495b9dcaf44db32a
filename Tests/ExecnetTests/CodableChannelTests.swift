import Execnet
import ExecnetConformance
import Foundation
import Testing

private struct Order: Codable, Equatable {
    enum Status: Codable, Equatable {
        case pending
        case shipped(carrier: String, parcels: [Int])
    }

    struct Line: Codable, Equatable {
        var sku: String
        var quantity: UInt16
        var note: String?
    }

    var id: Int64
    var customer: String
    var lines: [Line]
    var status: Status
    var discounts: [String: Double]
    var byWarehouse: [Int: [String]]
    var gift: Bool
    var rebate: Int?
    var total: Int128
    var receipt: Data
    var placed: Date
    var extra: PyValue
}

private let order = Order(
    id: 42, customer: "Zoë",
    lines: [.init(sku: "A-1", quantity: 2, note: nil), .init(sku: "B-2", quantity: 65_535, note: "fragile")],
    status: .shipped(carrier: "post", parcels: [1, 2]),
    discounts: ["spring": 0.1], byWarehouse: [3: ["A-1"], -1: []],
    gift: true, rebate: nil, total: Int128(Int64.max) * 4,
    receipt: Data([0, 0x80, 0xFF]), placed: Date(timeIntervalSince1970: 1_709_208_000.5),
    extra: .tuple([1, "two", .none]))

/// The Codable conveniences of `Channel`, against stock remote ends.
@Suite struct CodableChannelTests {
    /// `python3` from PATH, and Python 2.7 when present (looked up at test
    /// discovery only, as the other live suites do).
    static var pythons: [String] { ["python3"] + (python27.map { [$0] } ?? []) }
    static let python27 = ((try? Interpreter.discover()) ?? []).first { $0.major == 2 }?.path

    /// The README's Codable example (/tmp/codable-readme.md until pasted), kept true.
    @Test func readmeExampleHolds() async throws {
        struct Job: Codable { var id: Int; var args: [String]; var deadline: Date? }
        struct Outcome: Codable { var id: Int; var output: String }

        try await withGroup { group in
            let gateway = try await group.makeGateway("popen//python=python3")
            let channel = try await gateway.remoteExec("""
                for job in channel:
                    channel.send({"id": job["id"], "output": " ".join(job["args"])})
                """)
            try await channel.send(Job(id: 1, args: ["a", "b"], deadline: nil))
            let outcome = try await channel.receive(as: Outcome.self, timeout: .seconds(5))
            #expect(outcome.id == 1 && outcome.output == "a b")
            try channel.close()
        }
        let job = try PyValueEncoder().encode(Job(id: 1, args: ["a", "b"], deadline: nil))
        #expect(job.description == "{'id': 1, 'args': ['a', 'b'], 'deadline': None}")
    }

    @Test(arguments: pythons)
    func nestedStructEchoes(python: String) async throws {
        try await withGroup { group in
            let gateway = try await group.makeGateway("popen//python=\(python)")
            let channel = try await gateway.remoteExec("""
                for item in channel:
                    channel.send(item)
                """)
            // Python 2 sends the text back as unicode; the decoder reads
            // either, but a raw PyValue keeps the difference.
            let python2 = python != "python3"
            func text(_ value: String) -> PyValue { python2 ? .unicode(value) : .str(value) }
            var expected = order
            expected.extra = .tuple([1, text("two"), .none])

            try await channel.send(order)
            #expect(try await channel.receive(as: Order.self, timeout: .seconds(10)) == expected)

            var encoder = PyValueEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.dataEncodingStrategy = .list
            var decoder = PyValueDecoder()
            decoder.dateDecodingStrategy = .iso8601
            try await channel.send(order, encoder: encoder)
            #expect(try await channel.receive(as: Order.self, timeout: .seconds(10), decoder: decoder) == expected)

            // A PyValue and literals still take send(_: PyValue), unambiguously.
            try await channel.send(PyValue.tuple([1, "a"]))
            #expect(try await channel.receive(timeout: .seconds(10)) == .tuple([1, text("a")]))
            try await channel.send(["id": 7, "tags": ["a", .none]])
            let entries: [(PyValue, PyValue)] = [(text("id"), 7), (text("tags"), [text("a"), .none])]
            #expect(try await channel.receive(as: PyValue.self, timeout: .seconds(10)) == .dict(PyDict(entries)))

            // An item that does not decode throws, and the channel goes on.
            try await channel.send("abc")
            await #expect(throws: DecodingError.self) { try await channel.receive(as: Int.self, timeout: .seconds(10)) }
            try await channel.send([1, 2] as [Int])
            #expect(try await channel.receive(as: [Int].self, timeout: .seconds(10)) == [1, 2])
            try channel.close()
        }
    }

    /// Python 2's plain strings are bytes. By default the channel reads them
    /// as Latin-1 text, as stock's `py2str_as_py3str`; reconfigured, they stay
    /// Python 2 `str`, which the decoder reads as UTF-8.
    @Test(.enabled(if: python27 != nil)) func python2ByteStringsDecode() async throws {
        struct Customer: Codable, Equatable { var name: String; var visits: Int }
        try await withGroup { group in
            let gateway = try await group.makeGateway("popen//python=\(try #require(Self.python27))")
            let channel = try await gateway.remoteExec("""
                for _ in channel:
                    channel.send({'name': 'Zo\\xc3\\xab', 'visits': 3L})
                """)
            try await channel.send(PyValue.none)
            #expect(try await channel.receive(as: Customer.self, timeout: .seconds(10)) == Customer(name: "Zo\u{C3}\u{AB}", visits: 3))
            try await channel.reconfigure(py2strAsPy3str: false)
            try await channel.send(PyValue.none)
            #expect(try await channel.receive(as: Customer.self, timeout: .seconds(10)) == Customer(name: "Zoë", visits: 3))
            try channel.close()
        }
    }

    /// Python reads what the encoder writes, and the decoder reads what Python writes.
    @Test func python3AgreesOnForms() async throws {
        try await withGroup { group in
            let gateway = try await group.makeGateway("popen//python=python3")
            let channel = try await gateway.remoteExec("""
                import datetime, decimal, uuid
                item = channel.receive()
                stamp, ident, price = item["at"], item["ident"], item["price"]
                channel.send([datetime.datetime.fromisoformat(stamp).timestamp(), str(uuid.UUID(ident)) == ident,
                              str(decimal.Decimal(price))])
                utc = datetime.timezone.utc
                channel.send({"at": datetime.datetime(2024, 2, 29, 12, 0, 0, 250000, tzinfo=utc).isoformat(),
                              "ident": str(uuid.UUID(int=1)), "price": str(decimal.Decimal("1.10"))})
                """)
            let id = UUID()
            var encoder = PyValueEncoder()
            encoder.dateEncodingStrategy = .iso8601
            try await channel.send(Stamp(at: Date(timeIntervalSince1970: 1_709_208_000.25), ident: id, price: Decimal(string: "19.99")!), encoder: encoder)
            #expect(try await channel.receive(timeout: .seconds(10)) == [1_709_208_000.25, true, "19.99"])

            var decoder = PyValueDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let stamp = try await channel.receive(as: Stamp.self, timeout: .seconds(10), decoder: decoder)
            #expect(stamp == Stamp(at: Date(timeIntervalSince1970: 1_709_208_000.25),
                                   ident: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!, price: Decimal(string: "1.10")!))
        }
    }
}

private struct Stamp: Codable, Equatable {
    var at: Date
    var ident: UUID
    var price: Decimal
}
