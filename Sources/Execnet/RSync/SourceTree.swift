#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The source tree as stock's rsync protocol describes it: the items the
/// host broadcasts to every target, in order, and the links it sends each
/// target once that target asks for them. Walked once, before anything is
/// sent, so a tree this protocol cannot carry is refused up front.
struct SourceTree: Sendable {
    /// In what order a directory's entries are sent.
    enum ListingOrder: Sendable {
        /// `readdir` order, as stock's `os.listdir`.
        case filesystem
        /// By the UTF-8 bytes of the names (the transcript checks pin this
        /// order on both sides).
        case sorted
    }

    let root: String
    /// Directory: `[mode, name, ...]`; regular file: `(mode, mtime, size)`;
    /// symlink: `None`; an entry lstat could not read: `(None, 0, 0)`.
    private(set) var structure: [PyValue] = []
    /// `("linkbase", relpath, target inside the tree)` or `("link", relpath, target)`.
    private(set) var links: [PyValue] = []

    /// The structure items encoded once for every target, in blocks of
    /// about 256 KiB (each sent as one write).
    private(set) var encodedStructure: [[[UInt8]]] = []
    /// The link tuples, then the completion marker 42, encoded.
    private(set) var encodedLinks: [[UInt8]] = []

    /// Walks `root` (trailing slashes dropped, as stock does) depth first,
    /// each directory's entries in `order`, keeping an entry when `filter`
    /// says so for its path (`root/…/name`, as stock's `RSync.filter` gets
    /// it). `currentDirectory` is what stock's classification of symlinks
    /// resolves relative link targets against: the process's.
    init(
        root: String, order: ListingOrder = .filesystem, currentDirectory: String = SourceTree.currentDirectory(),
        filter: (String) -> Bool = { _ in true }
    ) throws(RSyncError) {
        self.root = PythonPosixPath.withoutTrailingSlashes(root)
        try visit(self.root, order: order, currentDirectory: currentDirectory, filter: filter)
        do {
            var blocks: [[[UInt8]]] = [[]]
            var size = 0
            for item in structure {
                let dump = try DumpEncoder().encode(item)
                if size + dump.count > 256 * 1024 && !blocks[blocks.count - 1].isEmpty {
                    blocks.append([])
                    size = 0
                }
                blocks[blocks.count - 1].append(dump)
                size += dump.count
            }
            encodedStructure = blocks
            encodedLinks = try (links + [42]).map { try DumpEncoder().encode($0) }
        } catch {
            throw RSyncError(.cannotSync(path: self.root, reason: "cannot encode the tree: \(error)"))
        }
    }

    /// Refuses a source that is not a directory: stock would send a missing
    /// source as one unreadable entry, and the remote would then remove the
    /// destination.
    static func requireDirectory(_ path: String) throws(RSyncError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RSyncError(.cannotRead(path: path, reason: String(cString: strerror(errno))))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw RSyncError(.cannotRead(path: path, reason: "not a directory"))
        }
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private mutating func visit(
        _ path: String, order: ListingOrder, currentDirectory: String, filter: (String) -> Bool
    ) throws(RSyncError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            structure.append(.tuple([.none, 0, 0]))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
            structure.append(.tuple([.int(PyInt(info.st_mode)), .float(mtime), .int(PyInt(info.st_size))]))
        case S_IFDIR:
            var names: [String] = []
            for name in try Self.list(path, order: order) {
                let child = PythonPosixPath.join(path, name)
                if filter(child) { names.append(name) }
            }
            structure.append(.list(PyItems([.int(PyInt(info.st_mode))] + names.map { PyValue.str($0) })))
            for name in names {
                try visit(PythonPosixPath.join(path, name), order: order, currentDirectory: currentDirectory, filter: filter)
            }
        case S_IFLNK:
            let target = try Self.readLink(path)
            let relative = String(path.dropFirst(root.count + 1))
            let inside = PythonPosixPath.relpath(target, start: root, currentDirectory: currentDirectory)
            if inside != "." && inside != ".." && !inside.hasPrefix("../") {
                links.append(.tuple(["linkbase", .str(relative), .str(inside)]))
            } else {
                links.append(.tuple(["link", .str(relative), .str(target)]))
            }
            structure.append(.none)
        default:
            throw RSyncError(.cannotSync(path: path, reason: "neither a regular file, a directory nor a symlink"))
        }
    }

    private static func list(_ path: String, order: ListingOrder) throws(RSyncError) -> [String] {
        guard let directory = opendir(path) else {
            throw RSyncError(.cannotRead(path: path, reason: String(cString: strerror(errno))))
        }
        defer { closedir(directory) }
        var names: [(bytes: [UInt8], text: String)] = []
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if bytes == [0x2e] || bytes == [0x2e, 0x2e] { continue }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let shown = bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : "\\x" + hex($0) }.joined()
                throw RSyncError(.cannotSync(
                    path: PythonPosixPath.join(path, shown),
                    reason: "the name is not UTF-8, and stock's protocol sends names as text"))
            }
            names.append((bytes, text))
        }
        if order == .sorted { names.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) } }
        return names.map(\.text)
    }

    private static func readLink(_ path: String) throws(RSyncError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { readlink(path, $0, raw.count) }
        }
        guard count >= 0 else {
            throw RSyncError(.cannotRead(path: path, reason: String(cString: strerror(errno))))
        }
        guard let text = String(validating: buffer.prefix(count), as: UTF8.self) else {
            throw RSyncError(.cannotSync(path: path, reason: "the link's target is not UTF-8"))
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
