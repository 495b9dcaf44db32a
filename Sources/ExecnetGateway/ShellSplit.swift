/// Splits a command the way Python's `shlex.split` does (close to a POSIX
/// shell, which stock execnet relies on for `python=`): whitespace separates words; single quotes keep text literally;
/// inside double quotes a backslash escapes only `\` and `"` (as in shlex,
/// unlike a shell, `\$`, `` \` `` and backslash-newline stay as they are);
/// outside quotes a backslash escapes any character.
public func shellSplit(_ command: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var iterator = command.unicodeScalars.makeIterator()
    while let scalar = iterator.next() {
        switch scalar {
        case " ", "\t", "\n", "\r":
            if inWord {
                words.append(current)
                current = ""
                inWord = false
            }
        case "'":
            inWord = true
            while let next = iterator.next(), next != "'" { current.unicodeScalars.append(next) }
        case "\"":
            inWord = true
            while let next = iterator.next(), next != "\"" {
                if next == "\\", let escaped = iterator.next() {
                    if escaped != "\\" && escaped != "\"" { current.unicodeScalars.append(next) }
                    current.unicodeScalars.append(escaped)
                } else {
                    current.unicodeScalars.append(next)
                }
            }
        case "\\":
            inWord = true
            if let escaped = iterator.next() { current.unicodeScalars.append(escaped) }
        default:
            inWord = true
            current.unicodeScalars.append(scalar)
        }
    }
    if inWord { words.append(current) }
    return words
}
