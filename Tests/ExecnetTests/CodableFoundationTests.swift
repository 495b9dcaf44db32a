import Execnet
import Foundation
import Testing

private struct Upload: Codable, Equatable {
    var id: UUID
    var source: URL
    var body: Data
    var sent: Date
    var price: Decimal
}

private func decodingMessage<T: Decodable>(_ type: T.Type, _ value: PyValue, decoder: PyValueDecoder = PyValueDecoder()) -> String? {
    do {
        _ = try decoder.decode(type, from: value)
        return nil
    } catch let DecodingError.dataCorrupted(context) {
        return context.debugDescription
    } catch let DecodingError.typeMismatch(_, context) {
        return context.debugDescription
    } catch {
        return "\(error)"
    }
}

/// The Foundation mappings the Execnet module adds to the wire module's coders.
@Suite struct CodableFoundationTests {
    private let upload = Upload(
        id: UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!,
        source: URL(string: "https://example.com/a?b=1")!,
        body: Data([0, 1, 255]),
        sent: Date(timeIntervalSince1970: 1_709_208_000.25),
        price: Decimal(string: "19.99")!)

    @Test func structOfFoundationValuesRoundTrips() throws {
        let encoded = try PyValueEncoder().encode(upload)
        #expect(encoded == [
            "id": "e621e1f8-c36c-495a-93fc-0c247a3e6e5f",
            "source": "https://example.com/a?b=1",
            "body": .bytes([0, 1, 255]),
            "sent": 1_709_208_000.25,
            "price": "19.99",
        ])
        #expect(try PyValueDecoder().decode(Upload.self, from: encoded) == upload)
    }

    @Test func dataStrategies() throws {
        var encoder = PyValueEncoder()
        #expect(try encoder.encode(Data([1, 2])) == .bytes([1, 2]))
        encoder.dataEncodingStrategy = .list
        #expect(try encoder.encode(Data([1, 2])) == [1, 2])
        for value: PyValue in [.bytes([1, 2]), .py2str([1, 2]), [1, 2], .tuple([1, 2])] {
            #expect(try PyValueDecoder().decode(Data.self, from: value) == Data([1, 2]))
        }
        #expect(decodingMessage(Data.self, [1, 300]) == "int 300 does not fit in UInt8")
        #expect(decodingMessage(Data.self, 1) == "expected bytes or list, found int 1")
        // A Python 2 byte string, as a channel's default py2strAsPy3str delivers it.
        #expect(try PyValueDecoder().decode(Data.self, from: "\u{0}\u{80}\u{FF}") == Data([0, 0x80, 0xFF]))
        #expect(decodingMessage(Data.self, "€") == "expected bytes, found text beyond Latin-1: str '€'")
    }

    @Test func dateStrategiesEncode() throws {
        var encoder = PyValueEncoder()
        #expect(try encoder.encode(Date(timeIntervalSince1970: 1.25)) == .float(1.25))
        encoder.dateEncodingStrategy = .millisecondsSince1970
        #expect(try encoder.encode(Date(timeIntervalSince1970: 1.25)) == .int(1250))
        #expect(try encoder.encode(Date(timeIntervalSince1970: 0.0016)) == .int(2))
        #expect(try encoder.encode(Date(timeIntervalSince1970: -1.5)) == .int(-1500))
        encoder.dateEncodingStrategy = .iso8601
        let expected: [(Double, String)] = [
            (0, "1970-01-01T00:00:00+00:00"),
            (1.25, "1970-01-01T00:00:01.250000+00:00"),
            (-0.5, "1969-12-31T23:59:59.500000+00:00"),
            (1_709_208_000, "2024-02-29T12:00:00+00:00"),
            (951_782_400, "2000-02-29T00:00:00+00:00"),
            (-62_135_596_800, "0001-01-01T00:00:00+00:00"),
            (253_402_300_799.5, "9999-12-31T23:59:59.500000+00:00"),
            (0.0000004, "1970-01-01T00:00:00+00:00"),
            (0.9999996, "1970-01-01T00:00:01+00:00"),
        ]
        for (seconds, text) in expected {
            #expect(try encoder.encode(Date(timeIntervalSince1970: seconds)) == .str(text), "\(seconds)")
        }
        #expect(throws: EncodingError.self) { try encoder.encode(Date(timeIntervalSince1970: 253_402_300_800)) }
        #expect(throws: EncodingError.self) { try encoder.encode(Date(timeIntervalSince1970: -62_135_596_801)) }
    }

    @Test func dateStrategiesDecode() throws {
        var decoder = PyValueDecoder()
        #expect(try decoder.decode(Date.self, from: .float(1.5)) == Date(timeIntervalSince1970: 1.5))
        #expect(try decoder.decode(Date.self, from: .long(2)) == Date(timeIntervalSince1970: 2))
        decoder.dateDecodingStrategy = .millisecondsSince1970
        #expect(try decoder.decode(Date.self, from: .int(1500)) == Date(timeIntervalSince1970: 1.5))
        #expect(try decoder.decode(Date.self, from: .float(1500)) == Date(timeIntervalSince1970: 1.5))
        decoder.dateDecodingStrategy = .iso8601
        let accepted: [(String, Double)] = [
            ("2024-02-29T12:00:00+00:00", 1_709_208_000),
            ("2024-02-29T12:00:00Z", 1_709_208_000),
            ("2024-02-29t12:00:00z", 1_709_208_000),
            ("2024-02-29 13:30:00+01:30", 1_709_208_000),
            ("2024-02-29T07:00-05:00", 1_709_208_000),
            ("2024-02-29T12:00:00+0000", 1_709_208_000),
            ("2024-02-29T12:00:00.25+00:00", 1_709_208_000.25),
            ("1969-12-31T23:59:59,5Z", -0.5),
            ("0001-01-01T00:00:00+00:00", -62_135_596_800),
        ]
        for (text, seconds) in accepted {
            #expect(try decoder.decode(Date.self, from: .str(text)) == Date(timeIntervalSince1970: seconds), "\(text)")
        }
        #expect(try decoder.decode(Date.self, from: .py2str(Array("1970-01-01T00:00:00Z".utf8))) == Date(timeIntervalSince1970: 0))
        for text in ["2024-02-29T12:00:00", "2023-02-29T12:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
                     "2024-01-01", "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00.Z", "24-01-01T00:00:00Z"] {
            #expect(decodingMessage(Date.self, .str(text), decoder: decoder)
                == "expected an ISO 8601 date and time with a UTC offset, found '\(text)'")
        }
        #expect(decodingMessage(Date.self, .float(0), decoder: decoder) == "expected str, found float 0.0")
    }

    @Test func textForms() throws {
        #expect(try PyValueEncoder().encode(URL(string: "file:///tmp/a%20b")!) == "file:///tmp/a%20b")
        #expect(decodingMessage(URL.self, "") == "expected a URL, found ''")
        #expect(try PyValueDecoder().decode(UUID.self, from: .unicode("e621e1f8-c36c-495a-93fc-0c247a3e6e5f")) == upload.id)
        #expect(decodingMessage(UUID.self, "nope") == "expected a UUID, found 'nope'")

        #expect(try PyValueEncoder().encode(Decimal(string: "-0.001")!) == "-0.001")
        #expect(try PyValueDecoder().decode(Decimal.self, from: "1E+2") == 100)
        #expect(try PyValueDecoder().decode(Decimal.self, from: .int(PyInt(decimal: "123456789012345678901234567890")!))
            == Decimal(string: "123456789012345678901234567890"))
        #expect(try PyValueDecoder().decode(Decimal.self, from: 0.1) == Decimal(string: "0.1"))
        #expect(try PyValueDecoder().decode(Decimal.self, from: "NaN").isNaN)
        for text in ["1.5abc", "Infinity", "", ".", "1e"] {
            #expect(decodingMessage(Decimal.self, .str(text)) == "expected a finite decimal number, found '\(text)'")
        }
    }

    @Test func errorsNameTheFoundationField() throws {
        var value = try PyValueEncoder().encode(upload).dictValue!.map { ($0.key, $0.value) }
        value[0].1 = "not-a-uuid"
        do {
            _ = try PyValueDecoder().decode(Upload.self, from: .dict(PyDict(value)))
            Issue.record("decoded")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == ["id"])
        }
    }

    @Test func otherCodersRefusePyValues() {
        #expect(throws: EncodingError.self) { try JSONEncoder().encode([PyValue.int(1)]) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PyValue].self, from: Data("[1]".utf8)) }
    }
}
