import Dispatch

/// One suspended wait that ends exactly once: by ``resume(_:)`` (an event
/// arrived), by its timeout, or by cancellation of the waiting task,
/// whichever comes first. An event that finds the waiter ended already is
/// told so (`resume` returns false) and goes elsewhere, so a cancelled or
/// timed-out wait never swallows what it was waiting for.
///
/// Register the waiter where events will find it, then call ``wait(timeout:onTimeout:)``;
/// an event arriving in between is kept.
///
/// Public, not `package`, for the same reason as ``Locked``.
public final class Waiter<Value: Sendable>: @unchecked Sendable {
    @usableFromInline
    enum State {
        case pending
        case suspended(CheckedContinuation<Value, any Error>)
        case ended(Result<Value, any Error>?)
    }

    @usableFromInline let state: Locked<State>

    @inlinable
    public init() { state = Locked(State.pending) }

    /// Whether the wait has ended (by an event, a timeout or cancellation).
    @inlinable
    public var hasEnded: Bool {
        state.withLock { if case .ended = $0 { return true } else { return false } }
    }

    /// Ends the wait with `result`; false when it had ended already.
    @inlinable @discardableResult
    public func resume(_ result: Result<Value, any Error>) -> Bool {
        let continuation: CheckedContinuation<Value, any Error>?? = state.withLock { state in
            switch state {
            case .pending:
                state = .ended(result)
                return .some(nil)
            case .suspended(let continuation):
                state = .ended(nil)
                return .some(continuation)
            case .ended:
                return .none
            }
        }
        guard let continuation else { return false }
        continuation?.resume(with: result)
        return true
    }

    @inlinable @discardableResult
    public func resume(returning value: Value) -> Bool { resume(.success(value)) }

    @inlinable @discardableResult
    public func resume(throwing error: any Error) -> Bool { resume(.failure(error)) }

    /// Suspends until the wait ends. Throws `CancellationError` when the
    /// task is cancelled first, and `onTimeout()` when `timeout` passes first.
    @inlinable
    public func wait(
        timeout: Duration? = nil, onTimeout: @escaping @Sendable () -> any Error = { WaitTimedOut() }
    ) async throws -> Value {
        try await withTaskCancellationHandler {
            // Checked, not unsafe: with an unsafe one the thread sanitizer
            // reports a race inside the continuation's own code (its resume
            // reading the context in the task's allocator, which the task
            // reuses on another thread), even with the value handed over
            // under this lock instead (Swift 6.3.1).
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let early: Result<Value, any Error>? = state.withLock { state in
                    switch state {
                    case .pending:
                        state = .suspended(continuation)
                        return nil
                    case .ended(let result):
                        return result
                    case .suspended:
                        preconditionFailure("a Waiter is waited for once")
                    }
                }
                if let early { return continuation.resume(with: early) }
                if let timeout {
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) { [weak self] in
                        self?.resume(.failure(onTimeout()))
                    }
                }
            }
        } onCancel: {
            resume(.failure(CancellationError()))
        }
    }
}

/// What ``Waiter/wait(timeout:onTimeout:)`` throws by default at its timeout.
public struct WaitTimedOut: Error {
    @inlinable public init() {}
}

extension Duration {
    /// The duration in seconds, as Dispatch deadlines take it.
    @inlinable
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
