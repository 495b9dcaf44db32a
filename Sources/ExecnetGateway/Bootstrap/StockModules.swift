/// The other stock modules a transport sends, read at run time from the
/// release a gateway_base came from (its directory), never shipped here:
/// `gateway_socket.py` (its `SocketIO` class, for the socket bootstrap),
/// `gateway_io.py` (run on a via gateway) and `script/socketserver.py`
/// (run on an installvia gateway).
extension GatewayBase {
    /// The package directory this gateway_base.py sits in.
    var packageDirectory: String {
        path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }

    /// The text of `relativePath` in the same stock release.
    func companion(_ relativePath: String) throws(GatewayBaseError) -> String {
        let file = packageDirectory + "/" + relativePath
        guard let text = readTextFile(file) else {
            throw GatewayBaseError(
                "\(file) is missing: the \(relativePath) of execnet \(version ?? "(unknown version)") is needed beside "
                    + "its gateway_base.py")
        }
        return text
    }

    /// What Python's `inspect.getsource(SocketIO)` gives for this release's
    /// `gateway_socket.SocketIO`: the class statement through its last
    /// non-blank line, each line with its newline.
    func socketIOSource() throws(GatewayBaseError) -> String {
        let module = try companion("gateway_socket.py")
        guard let block = PythonSourceBlock.topLevelClass(named: "SocketIO", in: module) else {
            throw GatewayBaseError("no class SocketIO in \(packageDirectory)/gateway_socket.py")
        }
        return block
    }
}

/// Finding one top-level statement's lines in a module's source.
enum PythonSourceBlock {
    /// The lines of `class NAME` at column 0, through the last non-blank line
    /// before the next statement at column 0 (comments at column 0 do not end
    /// a block, as in Python's tokenizer), with their newlines.
    static func topLevelClass(named name: String, in source: String) -> String? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("class \(name):") || $0.hasPrefix("class \(name)(") })
        else { return nil }
        var end = start + 1
        var lastContent = start
        while end < lines.count {
            let line = lines[end]
            let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if !blank {
                let indented = line.first == " " || line.first == "\t"
                if !indented && !line.hasPrefix("#") { break }
                if indented { lastContent = end }
            }
            end += 1
        }
        return lines[start...lastContent].map { $0 + "\n" }.joined()
    }
}
