#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a POSIX mutex.
///
/// Used instead of `Synchronization.Mutex` because the thread sanitizer
/// understands pthread mutexes: on Linux, `Mutex` is built on raw futexes,
/// which the sanitizer cannot see, so every guarded access is reported as a
/// race and real races would drown in those reports.
///
/// Public, not `package`: this toolchain inlines and specializes an
/// `@inlinable` generic in another module only when it is public, and an
/// unspecialized `withLock` costs a metadata lookup and generic calls per
/// use. The module is no product and `Execnet` does not re-export it.
public struct Locked<Value>: @unchecked Sendable {
    @usableFromInline let storage: LockedStorage<Value>

    @inlinable
    public init(_ value: Value) {
        storage = LockedStorage.make(value)
    }

    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        // The pointers stay valid while `storage` is alive, which this call's
        // reference guarantees; taken out of the closures so that the body
        // can throw its own error type.
        let mutex = storage.withUnsafeMutablePointerToElements { $0 }
        let value = storage.withUnsafeMutablePointerToHeader { $0 }
        pthread_mutex_lock(mutex)
        defer {
            pthread_mutex_unlock(mutex)
            withExtendedLifetime(storage) {}
        }
        return try body(&value.pointee)
    }
}

/// The value and its mutex in one allocation, with no exclusivity check
/// on each access (the mutex is the exclusion).
@usableFromInline
final class LockedStorage<Value>: ManagedBuffer<Value, pthread_mutex_t> {
    @inlinable
    static func make(_ value: Value) -> LockedStorage<Value> {
        let storage = create(minimumCapacity: 1) { _ in value }
        storage.withUnsafeMutablePointerToElements { mutex in
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
        }
        return unsafeDowncast(storage, to: LockedStorage<Value>.self)
    }

    deinit {
        withUnsafeMutablePointerToElements { mutex in
            pthread_mutex_destroy(mutex)
            _ = mutex.deinitialize(count: 1)
        }
    }
}
