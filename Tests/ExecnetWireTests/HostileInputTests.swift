import ExecnetConformance
import Testing
@testable import ExecnetWire

@Suite("Hostile input")
struct HostileInputTests {
    static let depth = 100_000

    @Test func hugeListLengthIsRefusedByNamedLimit() {
        do {
            _ = try DumpDecoder().decode([0x4B, 0x7F, 0xFF, 0xFF, 0xFF, 0x51])
            Issue.record("accepted a 2**31-1 slot list")
        } catch {
            #expect(error.description.contains("maxListSlots"))
        }
    }

    @Test func manyLargeListsShareOneSlotBudget() {
        // 200 NEWLISTs of 10,000 slots each: 2,000,000 slots from 1 KiB of input.
        var input: [UInt8] = []
        for _ in 0..<200 { input += [0x4B, 0x00, 0x00, 0x27, 0x10] }
        input.append(0x51)
        #expect(throws: DumpDecodingError.self) { try DumpDecoder().decode(input) }
    }

    @Test func deeplyNestedTuplesDecodeEncodeCompareAndRelease() throws {
        // NONE, then BUILDTUPLE 1 a hundred thousand times: ((((None,),),),...)
        var input: [UInt8] = [0x4C]
        for _ in 0..<Self.depth { input += [0x40, 0, 0, 0, 1] }
        input.append(0x51)
        let value = try DumpDecoder().decode(input)
        #expect(try DumpEncoder().encode(value) == input)
        let again = try DumpDecoder().decode(input)
        #expect(value == again)
        #expect(value.hashValue == again.hashValue)
        #expect(value.description.count == 4 + 3 * Self.depth)
    }

    @Test func deeplyNestedListsDecode() throws {
        // NEWLIST 1, INT 0, ... innermost NONE, then SETITEM all the way up.
        var input: [UInt8] = []
        for _ in 0..<Self.depth { input += [0x4B, 0, 0, 0, 1, 0x46, 0, 0, 0, 0] }
        input.append(0x4C)
        input += [UInt8](repeating: 0x50, count: Self.depth)
        input.append(0x51)
        let value = try DumpDecoder().decode(input)
        #expect(try DumpEncoder().encode(value) == input)
    }

    @Test func deeplyNestedValueBuiltInSwiftEncodes() throws {
        var value: PyValue = ["leaf": .none]
        for _ in 0..<Self.depth { value = .list([value]) }
        let encoded = try DumpEncoder().encode(value)
        #expect(try DumpDecoder().decode(encoded) == value)
    }

    @Test func refusedDeepInputReleasesItsPartialStack() {
        var input: [UInt8] = [0x4C]
        for _ in 0..<Self.depth { input += [0x40, 0, 0, 0, 1] }
        input.append(0xFF)  // unknown opcode after the deep tuple is built
        #expect(throws: DumpDecodingError.self) { try DumpDecoder().decode(input) }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 0x5EED)
        let alphabet: [UInt8] = Array(0x40...0x54) + [0x00, 0x01, 0x7F, 0xFF]
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 40)
            let input = (0..<length).map { _ in
                rng.next() % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            if let value = try? DumpDecoder().decode(input) {
                #expect((try? DumpEncoder().encode(value)) != nil)
            }
        }
    }
}
