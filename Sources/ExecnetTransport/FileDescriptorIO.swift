#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, retrying wrappers over read(2), write(2) and close(2).
package enum FileDescriptorIO {
    /// Writes every byte, retrying on EINTR and short writes.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw SystemError("write", errno: code)
            }
            offset += n
        }
    }

    /// Reads what is available (blocking until something is); 0 means end of file.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let n = read(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            let code = errno
            if code == EINTR { continue }
            throw SystemError("read", errno: code)
        }
    }

    package static func closeIgnoringErrors(_ fd: Int32) {
        _ = close(fd)
    }
}
