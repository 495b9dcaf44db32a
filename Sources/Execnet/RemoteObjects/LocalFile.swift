#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A local file read or written in chunks by putFile and getFile, with the
/// CRC-32 of the bytes that went through it. One chunk at a time: callers
/// never overlap calls (hence the unchecked Sendable).
final class LocalFile: @unchecked Sendable {
    private let descriptor: Int32
    let path: String
    let size: Int64
    let mode: Int
    private var crc = CRC32()

    private init(descriptor: Int32, path: String, size: Int64, mode: Int) {
        self.descriptor = descriptor
        self.path = path
        self.size = size
        self.mode = mode
    }

    deinit { close(descriptor) }

    static func describe(_ error: Int32) -> String { String(cString: strerror(error)) }

    /// The file at `path`, open for reading.
    static func reading(_ path: String) throws(LocalFileError) -> LocalFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw LocalFileError(path: path, operation: "open", errno: errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw LocalFileError(path: path, operation: "stat", errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw LocalFileError(path: path, operation: "open", errno: EISDIR)
        }
        return LocalFile(descriptor: descriptor, path: path, size: Int64(info.st_size), mode: Int(info.st_mode & 0o7777))
    }

    /// A new temporary file next to `destination`, which ``commit(to:mode:)``
    /// renames into place.
    static func temporary(beside destination: String) throws(LocalFileError) -> LocalFile {
        var attempt = 0
        while true {
            let path = "\(destination).execnet-swift-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).part"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return LocalFile(descriptor: descriptor, path: path, size: 0, mode: 0o600) }
            let code = errno
            attempt += 1
            guard code == EEXIST, attempt < 100 else {
                throw LocalFileError(path: destination, operation: "create a temporary file beside", errno: code)
            }
        }
    }

    /// The next `count` bytes (fewer at the end, none after it) as the dump
    /// of a Python `bytes` value, ready to send; the checksum takes them in.
    func readDump(upTo count: Int) throws(LocalFileError) -> [UInt8] {
        var failure: Int32 = 0
        let dump = [UInt8](unsafeUninitializedCapacity: count + 6) { buffer, initialized in
            var got = 0
            while got < count {
                let n = read(descriptor, buffer.baseAddress! + 5 + got, count - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                got += n
            }
            crc.update(UnsafeRawBufferPointer(start: buffer.baseAddress! + 5, count: got))
            buffer[0] = 0x41  // BYTES
            withUnsafeBytes(of: UInt32(got).bigEndian) { length in
                for index in 0..<4 { buffer[1 + index] = length[index] }
            }
            buffer[5 + got] = 0x51  // STOP
            initialized = got == 0 ? 0 : got + 6
        }
        if failure != 0 { throw LocalFileError(path: path, operation: "read", errno: failure) }
        return dump
    }

    func write(_ bytes: [UInt8]) throws(LocalFileError) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            crc.update(raw)
            var done = 0
            while done < raw.count {
                let n = Glibc.write(descriptor, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        if failure != 0 { throw LocalFileError(path: path, operation: "write", errno: failure) }
    }

    /// The CRC-32 of everything read or written.
    var checksum: UInt32 { crc.value }

    /// Gives the file `mode` and renames it to `destination`.
    func commit(to destination: String, mode: Int) throws(LocalFileError) {
        guard fchmod(descriptor, mode_t(mode)) == 0 else { throw LocalFileError(path: path, operation: "chmod", errno: errno) }
        guard rename(path, destination) == 0 else { throw LocalFileError(path: destination, operation: "rename to", errno: errno) }
    }

    func remove() { unlink(path) }
}

/// A local file operation that failed, with the system's reason.
public struct LocalFileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let errno: Int32

    public var description: String { "cannot \(operation) \(path): \(LocalFile.describe(errno))" }
}
