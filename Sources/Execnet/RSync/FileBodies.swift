import Dispatch
import ExecnetTransport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One file's content as read for the targets that asked for it, held as
/// the dump of a Python `bytes` value (opcode, length, content, stop), so
/// that every target sends the same bytes uncopied, with its MD5 worked out
/// at most once.
final class FileBody: Sendable {
    /// nil when the file could not be read (stock then sends `None`).
    let dump: [UInt8]?
    private let digest = Locked<[UInt8]?>(nil)

    init(dump: [UInt8]?) { self.dump = dump }

    /// Bytes of content (0 when unreadable).
    var count: Int { dump.map { $0.count - FileBodies.dumpOverhead } ?? 0 }

    func md5() async -> [UInt8]? {
        guard let dump else { return nil }
        if let known = digest.withLock({ $0 }) { return known }
        let computed = await offPool {
            dump.withUnsafeBytes { raw in
                MD5.digest(UnsafeRawBufferPointer(rebasing: raw[FileBodies.dumpPrefix..<(raw.count - 1)]))
            }
        }
        digest.withLock { $0 = computed }
        return computed
    }
}

/// The file bodies of one `send()`, shared between its targets: a file that
/// several targets ask for at about the same time is read once, and no more
/// than `limit` bodies are held at once (a target that needs another waits
/// until one is no longer used). Reads and digests run on threads of their
/// own, never on Swift's cooperative pool.
actor FileBodies {
    private struct Entry {
        let body: Task<FileBody, Never>
        var users: Int
        var lastUse: UInt64
    }

    private let limit: Int
    private var entries: [[UInt8]: Entry] = [:]
    private var clock: UInt64 = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Files read from disk, and the most bodies held at once.
    private(set) var reads = 0
    private(set) var peakHeld = 0

    init(limit: Int) { self.limit = max(1, limit) }

    /// The body of the file at `path`; call ``release(_:)`` when done with it.
    func acquire(_ path: String) async -> FileBody {
        let key = Array(path.utf8)
        clock += 1
        if var entry = entries[key] {
            entry.users += 1
            entry.lastUse = clock
            entries[key] = entry
            return await entry.body.value
        }
        while entries.count >= limit {
            if let idle = entries.lazy.filter({ $0.value.users == 0 }).min(by: { $0.value.lastUse < $1.value.lastUse }) {
                entries[idle.key] = nil
            } else {
                await withCheckedContinuation { waiters.append($0) }
            }
            if var entry = entries[key] {
                entry.users += 1
                entries[key] = entry
                return await entry.body.value
            }
        }
        reads += 1
        let body = Task { await FileBody(dump: offPool { Self.readDump(path) }) }
        entries[key] = Entry(body: body, users: 1, lastUse: clock)
        peakHeld = max(peakHeld, entries.count)
        return await body.value
    }

    /// Done with `path`'s body; it stays for other targets until its room is
    /// needed.
    func release(_ path: String) {
        let key = Array(path.utf8)
        guard var entry = entries[key] else { return }
        entry.users -= 1
        entries[key] = entry
        if entry.users == 0, !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    /// Opcode and length before the content, stop after it.
    static let dumpPrefix = 5
    static let dumpOverhead = 6

    /// The whole file as the dump of a `bytes` value (read straight into
    /// place), or nil when it cannot be opened or read (as stock's
    /// `open(path, "rb").read()` failing with OSError) or is too large for
    /// the protocol's 32-bit lengths.
    static func readDump(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        var failed = false
        func readInto(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
            var count = 0
            while count < buffer.count {
                let got = Glibc.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
                if got < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    break
                }
                if got == 0 { break }
                count += got
            }
            return count
        }
        // Room for one byte more than the size, to see whether the file grew.
        let expected = max(Int(info.st_size), 0) + 1
        var dump = [UInt8](unsafeUninitializedCapacity: dumpPrefix + expected + 1) { buffer, initialized in
            buffer[0] = 0x41  // BYTES
            initialized = dumpPrefix + readInto(UnsafeMutableBufferPointer(rebasing: buffer[dumpPrefix..<dumpPrefix + expected]))
        }
        if failed { return nil }
        if dump.count == dumpPrefix + expected {
            while true {
                let more = [UInt8](unsafeUninitializedCapacity: 1 << 20) { buffer, initialized in
                    initialized = readInto(buffer)
                }
                if failed { return nil }
                if more.isEmpty { break }
                dump += more
            }
        }
        let length = dump.count - dumpPrefix
        guard length <= Int(Int32.max) else { return nil }
        withUnsafeBytes(of: UInt32(length).bigEndian) { bytes in
            for index in 0..<4 { dump[1 + index] = bytes[index] }
        }
        dump.append(0x51)  // STOP
        return dump
    }
}
