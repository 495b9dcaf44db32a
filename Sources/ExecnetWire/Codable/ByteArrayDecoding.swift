/// `[UInt8]` decodes from a list of ints like any array, and also from
/// `bytes` and Python 2 `str`, which is what a Python remote usually sends
/// for binary data, and from text of code points below U+0100 read as
/// Latin-1: that is how a Python 2 byte string arrives on a channel under
/// execnet's default `py2str_as_py3str`. It still encodes as a list of ints,
/// as its Codable conformance says; `Data` (with the Execnet module)
/// encodes as `bytes`.
extension Array: PyValueDecodable where Element == UInt8 {
    package init(pyValue: PyValue, decoder: PyValueDecoder, codingPath: [any CodingKey]) throws {
        if let bytes = pyValue.bytesValue {
            self = bytes
            return
        }
        if let text = pyValue.stringValue {
            guard text.unicodeScalars.allSatisfy({ $0.value < 0x100 }) else {
                throw DecodingError.corrupted(
                    "expected bytes, found text beyond Latin-1: \(pyValue.foundDescription)", codingPath: codingPath)
            }
            self = text.unicodeScalars.map { UInt8($0.value) }
            return
        }
        guard let items = pyValue.items else {
            throw DecodingError.mismatch([UInt8].self, expected: "bytes or list", found: pyValue, codingPath: codingPath)
        }
        self = try items.enumerated().map { index, item in
            try UInt8(pyValue: item, decoder: decoder, codingPath: codingPath + [PyCodingKey(index: index)])
        }
    }
}
