import ExecnetWire
import Testing

/// The README's "Using the wire layer" example, kept compiling and true.
@Test func readmeExampleHolds() throws {
    let record: PyValue = ["id": 7, "name": "item-7", "tags": ["a", "b"], "ok": true]
    let dump = try DumpEncoder().encode(record)
    let back = try DumpDecoder().decode(dump)
    #expect(back == record)
    #expect(back.description == "{'id': 7, 'name': 'item-7', 'tags': ['a', 'b'], 'ok': True}")
    #expect(back["name"]?.stringValue == "item-7")

    let versioned = try DumpEncoder().encodeVersioned(record, format: .version2)
    let (value, format) = try DumpDecoder().decodeVersioned(versioned)
    #expect(value == record && format == .version2)

    var reader = FrameReader()
    reader.append(try Message.channelData(channelID: 1, value: record).framed())
    let message = try #require(try reader.next())
    #expect(message.type == .channelData && message.channelID == 1)
}
