import ExecnetGateway
import ExecnetWire

/// How far a putFile or getFile has come.
public struct FileTransferProgress: Sendable, Equatable {
    public let bytesTransferred: Int64
    public let totalBytes: Int64
}

extension RemotePython {
    /// Bytes per chunk, and chunks per acknowledgement: at most two windows
    /// are in flight, so neither side holds more than that in memory.
    static let fileChunk = 1 << 20
    static let fileWindow = 4

    /// Copies the local file `localPath` to `remotePath` (Pushy's `putfile`),
    /// with its mode bits. The remote side writes a temporary file beside the
    /// destination and renames it into place only when the CRC-32 of what it
    /// received equals the host's, so a failure leaves no partial file.
    public func putFile(
        _ localPath: String, _ remotePath: String,
        progress: (@Sendable (FileTransferProgress) -> Void)? = nil
    ) async throws {
        let source = try LocalFile.reading(localPath)
        let data = try gateway.newChannel()
        let window = Self.fileWindow
        let arguments: [PyValue] = [.str(remotePath), .int(PyInt(source.mode)), data.value, .int(PyInt(window))]
        let connection = self.connection
        // Queued before the first chunk: the remote must know the channel.
        let id: Int
        do {
            id = try await connection.submit("putfile", arguments)
        } catch {
            try? data.close()
            throw error
        }
        let request = Task { try await connection.reply(to: id) }
        var streamError: (any Error)?
        do {
            try await streamChunks(of: source, to: data, window: window, progress: progress)
        } catch {
            streamError = error
            try? data.sendNow(.tuple(["end", -1]))  // no CRC-32: the agent removes its file
        }
        let reply = await withTaskCancellationHandler {
            await request.result
        } onCancel: {
            request.cancel()
        }
        if let streamError, !(streamError is ChannelError) { throw streamError }
        _ = try reply.get()
        if let streamError { throw streamError }
    }

    private func streamChunks(
        of source: LocalFile, to data: Channel, window: Int,
        progress: (@Sendable (FileTransferProgress) -> Void)?
    ) async throws {
        let chunk = Self.fileChunk
        func readAhead() -> Task<Result<[UInt8], LocalFileError>, Never> {
            Task { await offPool { Result { () throws(LocalFileError) in try source.readDump(upTo: chunk) } } }
        }
        var next = readAhead()
        var sent = 0
        var acknowledged = 0
        var bytes: Int64 = 0
        while true {
            try Task.checkCancellation()
            let dump = try await next.value.get()
            if dump.isEmpty { break }
            next = readAhead()
            try await data.send(encoded: dump)
            sent += 1
            bytes += Int64(dump.count - 6)
            progress?(FileTransferProgress(bytesTransferred: bytes, totalBytes: source.size))
            while sent - acknowledged >= 2 * window {
                guard let count = try await data.receive().intValue else {
                    throw connection.error(.protocolViolation, "putFile: an acknowledgement is not a count")
                }
                acknowledged = count
            }
        }
        try await data.send(.tuple(["end", .int(PyInt(source.checksum))]))
    }

    /// Copies the remote file `remotePath` to `localPath` (Pushy's
    /// `getfile`), with its mode bits: written to a temporary file beside
    /// `localPath`, checked against the remote CRC-32, then renamed into place;
    /// on any failure the temporary file is removed.
    public func getFile(
        _ remotePath: String, _ localPath: String,
        progress: (@Sendable (FileTransferProgress) -> Void)? = nil
    ) async throws {
        let data = try gateway.newChannel()
        if majorVersion == 2 { data.setLocalCoercion(py2strAsPy3str: false) }
        let destination = try LocalFile.temporary(beside: localPath)
        let window = Self.fileWindow
        let arguments: [PyValue] = [.str(remotePath), data.value, .int(PyInt(Self.fileChunk)), .int(PyInt(window))]
        let connection = self.connection
        let request = Task { try await connection.request("getfile", arguments) }
        do {
            try await receiveChunks(into: destination, from: data, window: window, progress: progress, localPath: localPath)
        } catch {
            destination.remove()
            // The agent's own failure (it closed the data channel) says more.
            if error is ChannelError, case .failure(let remote) = await request.result { throw remote }
            request.cancel()
            throw error
        }
        _ = try await withTaskCancellationHandler {
            try await request.value
        } onCancel: {
            request.cancel()
        }
    }

    private func receiveChunks(
        into destination: LocalFile, from data: Channel, window: Int,
        progress: (@Sendable (FileTransferProgress) -> Void)?, localPath: String
    ) async throws {
        guard let header = try await data.receive().items, header.count == 2,
            let size = header[0].intValue, let mode = header[1].intValue
        else { throw connection.error(.protocolViolation, "getFile: the agent sent no size and mode first") }
        var received = 0
        var bytes: Int64 = 0
        // One write in flight while the next chunk arrives.
        var writing: Task<Result<Void, LocalFileError>, Never>?
        defer { writing?.cancel() }
        while true {
            try Task.checkCancellation()
            let item = try await data.receive()
            try await writing?.value.get()
            writing = nil
            if let block = item.bytesValue {
                writing = Task { await offPool { Result { () throws(LocalFileError) in try destination.write(block) } } }
                received += 1
                bytes += Int64(block.count)
                progress?(FileTransferProgress(bytesTransferred: bytes, totalBytes: Int64(size)))
                if received % window == 0 { try await data.send(.int(PyInt(received))) }
                continue
            }
            guard let end = item.items, end.count == 2, end[0].agentText == "end", let remote = end[1].intValue else {
                throw connection.error(.protocolViolation, "getFile: \(item) is neither a chunk nor the end")
            }
            let local = Int(destination.checksum)
            guard local == remote else {
                throw connection.error(.protocolViolation, "getFile \(localPath): CRC-32 mismatch (remote \(remote), received \(local))")
            }
            try destination.commit(to: localPath, mode: mode)
            return
        }
    }
}
