/// Python's `textwrap.dedent`: lines holding only spaces and tabs become
/// empty, then the longest run of leading spaces/tabs common to every line
/// with other content is removed from each of those lines. Tabs and spaces
/// are not equivalent; only an identical prefix counts.
public func pythonDedent(_ text: String) -> String {
    let space = UInt8(ascii: " ")
    let tab = UInt8(ascii: "\t")
    var lines = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .map { Array($0) }
    var margin: [UInt8]?
    for index in lines.indices {
        let line = lines[index]
        let indentLength = line.prefix { $0 == space || $0 == tab }.count
        if indentLength == line.count {
            lines[index] = []
            continue
        }
        let indent = line[0..<indentLength]
        guard let current = margin else {
            margin = Array(indent)
            continue
        }
        if indent.starts(with: current) { continue }
        if current.starts(with: indent) {
            margin = Array(indent)
            continue
        }
        let common = zip(current, indent).prefix { $0 == $1 }.count
        margin = Array(current[0..<common])
    }
    guard let margin, !margin.isEmpty else {
        return String(decoding: Array(lines.joined(separator: [UInt8(ascii: "\n")])), as: UTF8.self)
    }
    for index in lines.indices where lines[index].starts(with: margin) {
        lines[index].removeFirst(margin.count)
    }
    return String(decoding: Array(lines.joined(separator: [UInt8(ascii: "\n")])), as: UTF8.self)
}
