import Dispatch

private let blockingQueue = DispatchQueue(label: "execnet.blocking-files", attributes: .concurrent)

/// Runs `work` (file reads, writes, digests) on a thread of its own rather
/// than one of Swift's cooperative pool, and returns its result.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        blockingQueue.async { continuation.resume(returning: work()) }
    }
}
