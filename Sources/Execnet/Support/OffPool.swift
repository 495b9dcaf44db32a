import Dispatch

private let blockingQueue = DispatchQueue(label: "execnet.blocking-work", attributes: .concurrent)

/// Runs `work` (file reads, writes, digests, waiting on a process) on a
/// thread of its own rather than one of Swift's cooperative pool, and
/// returns its result. The pool has as many threads as cores: two tasks
/// blocked in it for a minute stall every other task in the process.
package func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        blockingQueue.async { continuation.resume(returning: work()) }
    }
}

/// `offPool` for work that throws.
package func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        blockingQueue.async { continuation.resume(with: Result { try work() }) }
    }
}
