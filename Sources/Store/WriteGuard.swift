/// A check every write queued while it is bound runs first, inside the write's transaction.
///
/// The API binds one for each request (the caller must still be who they were when the request
/// was authenticated): whatever a handler checked on a read connection, a write reaches the
/// database only if that still holds when the single writer runs it.
public enum WriteGuard {
    @TaskLocal public static var check: (@Sendable (Database) throws -> Void)?
}
