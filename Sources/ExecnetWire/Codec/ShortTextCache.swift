/// Remembers the short strings of one decode, so that keys and tags that
/// repeat across thousands of records are built (validated and packed into
/// a Swift small string) once instead of every time.
///
/// A text of up to 15 UTF-8 bytes is packed into two words that serve as
/// both its hash input and its exact key. Each key may live in a pair of
/// slots: a new text takes the first, pushing the first's old text into the
/// second, so two hot texts that hash alike do not evict each other. Only
/// worth its setup on larger dumps.
final class ShortTextCache {
    static let maxLength = 15
    private static let slotCount = 1024

    fileprivate struct Key: Equatable {
        var low: UInt64
        var high: UInt64
    }

    private let keys: UnsafeMutablePointer<Key>
    private let texts: UnsafeMutablePointer<String>

    init() {
        keys = .allocate(capacity: Self.slotCount)
        keys.initialize(repeating: Key(low: 0, high: 0), count: Self.slotCount)
        texts = .allocate(capacity: Self.slotCount)
        texts.initialize(repeating: "", count: Self.slotCount)
    }

    deinit {
        keys.deallocate()
        texts.deinitialize(count: Self.slotCount)
        texts.deallocate()
    }

    struct Probe {
        fileprivate let key: Key
        fileprivate let slot: Int
    }

    /// Where `raw` (at most `maxLength` bytes) lives in the cache, and its
    /// string if it is there.
    @inline(__always)
    func lookup(_ raw: UnsafeRawBufferPointer) -> (text: String?, probe: Probe) {
        let key = Self.key(raw)
        let mixed = (key.low &* 0x9E37_79B9_7F4A_7C15) ^ (key.high &* 0xC2B2_AE3D_27D4_EB4F)
        let slot = Int(truncatingIfNeeded: mixed >> 54) & (Self.slotCount - 1)
        let probe = Probe(key: key, slot: slot)
        if keys[slot] == key { return (texts[slot], probe) }
        if keys[slot ^ 1] == key { return (texts[slot ^ 1], probe) }
        return (nil, probe)
    }

    func store(_ text: String, at probe: Probe) {
        let partner = probe.slot ^ 1
        keys[partner] = keys[probe.slot]
        texts[partner] = texts[probe.slot]
        keys[probe.slot] = probe.key
        texts[probe.slot] = text
    }

    /// Packs the bytes without reading past them: two overlapping loads
    /// cover 4 to 15 bytes exactly, and the length, kept in the top byte
    /// (which 15 bytes of text never reach), tells the overlaps apart. The
    /// length is stored plus one so the empty text differs from empty slots.
    @inline(__always)
    private static func key(_ raw: UnsafeRawBufferPointer) -> Key {
        let count = raw.count
        let tag = UInt64(count + 1) << 56
        if count >= 8 {
            return Key(
                low: raw.loadUnaligned(as: UInt64.self),
                high: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) >> 8 | tag)
        }
        if count >= 4 {
            return Key(
                low: UInt64(raw.loadUnaligned(as: UInt32.self)),
                high: UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) | tag)
        }
        var low: UInt64 = 0
        for index in 0..<count { low |= UInt64(raw[index]) << (8 * index) }
        return Key(low: low, high: tag)
    }
}
