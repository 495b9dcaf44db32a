/// Remembers the short strings of one decode, so that keys and tags that
/// repeat across thousands of records are built (validated and packed into
/// a Swift small string) once instead of every time.
///
/// Direct-mapped: a text of up to 15 UTF-8 bytes is packed into two words
/// that serve as both its hash input and its exact key. A collision simply
/// replaces the slot. Only worth its setup on larger dumps.
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
    func lookup(_ raw: UnsafeRawBufferPointer) -> (text: String?, probe: Probe) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
        // The length goes into the top byte, which 15 bytes of text never reach;
        // it also keeps the empty text apart from the empty initial slots.
        let key = Key(low: words.0, high: words.1 | UInt64(raw.count + 1) << 56)
        let mixed = (key.low &* 0x9E37_79B9_7F4A_7C15) ^ (key.high &* 0xC2B2_AE3D_27D4_EB4F)
        let slot = Int(truncatingIfNeeded: mixed >> 54) & (Self.slotCount - 1)
        let probe = Probe(key: key, slot: slot)
        return (keys[slot] == key ? texts[slot] : nil, probe)
    }

    func store(_ text: String, at probe: Probe) {
        keys[probe.slot] = probe.key
        texts[probe.slot] = text
    }
}
