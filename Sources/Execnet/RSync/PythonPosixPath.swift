/// The parts of Python's `posixpath` that stock's RSync host uses to
/// classify symlinks, with the same results, so that this host sends the
/// same link messages for the same tree.
enum PythonPosixPath {
    /// `posixpath.normpath`: drops empty and `.` parts, resolves `..` where
    /// it can, keeps one leading `/`, or two when the path starts with
    /// exactly two.
    static func normpath(_ path: String) -> String {
        if path.isEmpty { return "." }
        var initialSlashes = 0
        if path.hasPrefix("/") {
            initialSlashes = path.hasPrefix("//") && !path.hasPrefix("///") ? 2 : 1
        }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part != ".." || (initialSlashes == 0 && parts.isEmpty) || parts.last == ".." {
                parts.append(part)
            } else if !parts.isEmpty {
                parts.removeLast()
            }
        }
        let joined = String(repeating: "/", count: initialSlashes) + parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// `posixpath.abspath`, against `currentDirectory` (Python: `os.getcwd()`).
    static func abspath(_ path: String, currentDirectory: String) -> String {
        normpath(path.hasPrefix("/") ? path : join(currentDirectory, path))
    }

    /// `posixpath.relpath(path, start)`.
    static func relpath(_ path: String, start: String, currentDirectory: String) -> String {
        let startParts = abspath(start, currentDirectory: currentDirectory).split(separator: "/")
        let pathParts = abspath(path, currentDirectory: currentDirectory).split(separator: "/")
        let common = zip(startParts, pathParts).prefix { $0 == $1 }.count
        let parts = Array(repeating: Substring(".."), count: startParts.count - common) + pathParts[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// `posixpath.join(a, b)` for two parts.
    static func join(_ head: String, _ tail: String) -> String {
        if tail.hasPrefix("/") { return tail }
        if head.isEmpty || head.hasSuffix("/") { return head + tail }
        return head + "/" + tail
    }

    /// `os.path.dirname(os.path.join(path, "x"))`: the source directory as
    /// stock normalises it, without its trailing slashes.
    static func withoutTrailingSlashes(_ path: String) -> String {
        let joined = join(path, "x")
        guard let slash = joined.lastIndex(of: "/") else { return "" }
        var head = String(joined[...slash])
        if !head.allSatisfy({ $0 == "/" }) {
            while head.hasSuffix("/") { head.removeLast() }
        }
        return head
    }
}
