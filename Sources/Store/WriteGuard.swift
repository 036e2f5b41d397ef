import Glibc

/// A check every write queued while it is bound runs first, inside the write's transaction.
///
/// The API binds one for each request (the caller must still be who they were when the request
/// was authenticated): whatever a handler checked on a read connection, a write reaches the
/// database only if that still holds when the single writer runs it.
///
/// Bound per thread (handlers run synchronously on worker threads, and `Store.write` reads the
/// check on the thread that queues the write). Not a `@TaskLocal`: binding one on a thread that
/// runs no Swift task crashed release builds (Swift 6.3.1, Linux) in `swift_task_localValuePush`,
/// on the first API request.
public enum WriteGuard {
    public typealias Check = @Sendable (Database) throws -> Void

    private final class Binding {
        let check: Check?
        init(_ check: Check?) { self.check = check }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let code = pthread_key_create(&key, nil)
        // Made once, at the first API request: a process that cannot have one thread-local key
        // (EAGAIN past PTHREAD_KEYS_MAX, ENOMEM) cannot guard a write, and must not write unguarded.
        precondition(code == 0, "pthread_key_create failed (\(code)): no thread-local slot for the write guard")
        return key
    }()

    /// The check bound on this thread, if any.
    public static var check: Check? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<Binding>.fromOpaque(raw).takeUnretainedValue().check
    }

    /// Runs `body` with `check` bound on this thread (nil: no check), then restores what was bound before.
    /// - Throws: `StoreError.unguarded` when the check cannot be bound (pthread_setspecific's ENOMEM):
    ///   `body` does not run, so none of its writes goes out unchecked; else what `body` throws.
    public static func withCheck<T>(_ check: Check?, _ body: () throws -> T) throws -> T {
        let previous = pthread_getspecific(key)
        let binding = Unmanaged.passRetained(Binding(check))
        let code = pthread_setspecific(key, binding.toOpaque())
        guard code == 0 else {
            binding.release()
            throw StoreError.unguarded(code)
        }
        defer {
            // Puts back a value this key held a moment ago: its slot exists, so this cannot fail.
            _ = pthread_setspecific(key, previous)
            binding.release()
        }
        return try body()
    }
}
