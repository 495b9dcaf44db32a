/// A coding key the encoder and decoder make themselves: list indices,
/// integer dictionary keys, and `super`.
package struct PyCodingKey: CodingKey, Sendable {
    package let stringValue: String
    package let intValue: Int?

    package init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    package init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    /// A key for an integer that may not fit in `Int` (a `UInt64` or wider key).
    package init<T: BinaryInteger>(integer: T) {
        stringValue = String(integer)
        intValue = Int(exactly: integer)
    }

    /// Position `index` of an unkeyed container, named as JSONDecoder names it.
    package init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    /// Where `superEncoder()` and `superDecoder()` keep the superclass's value.
    static let superKey = PyCodingKey(stringValue: "super")
}
