/// Splits a command the way a POSIX shell (and Python's `shlex.split`)
/// would: whitespace separates words; single quotes keep text literally;
/// inside double quotes a backslash escapes `\`, `"`, `$`, `` ` `` and newline;
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
                    if !["\\", "\"", "$", "`", "\n"].contains(escaped) { current.unicodeScalars.append(next) }
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
