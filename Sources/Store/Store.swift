import Foundation
import Synchronization
import Telemetry

/// The database: one writer with group commit, and a pool of reader connections (WAL).
///
/// This is the narrow interface the domain sees, so another backend can sit behind it.
public final class Store: Sendable {
    public let path: String
    private let writer: Writer
    private let readers = ReaderPool()
    private let busyTimeoutMillis: Int32 = 5000
    /// Held while the store is open when it was opened `exclusiveFor` some work.
    private let lock: DatabaseLock?

    /// Opens the database at `path`, switches it to WAL and applies `migrations`.
    /// `exclusiveFor` ("serve", "rebuild"): first takes `DatabaseLock` on the file SQLite
    /// opened (symbolic links followed, so another name for it finds the lock taken) and
    /// holds it until `close`; `DatabaseLockError.held` when other such work has it. Without
    /// it the lock is taken only to upgrade an existing schema (see `Migrator.hasPendingUpgrade`).
    public init(path: String, migrations: [Migration], metrics: Metrics = .shared, exclusiveFor purpose: String? = nil) throws {
        self.path = path
        let connection = try Database(path: path)
        lock = try purpose.map { purpose throws(DatabaseLockError) in try DatabaseLock(databasePath: connection.filename, purpose: purpose) }
        try connection.configure(busyTimeoutMillis: busyTimeoutMillis, isWriter: true)
        // An admin command of a newer version upgrades the schema only with no daemon running.
        let upgrading = try lock == nil && Migrator.hasPendingUpgrade(connection, migrations)
            ? DatabaseLock(databasePath: connection.filename, purpose: "migrate") : nil
        try Migrator.migrate(connection, migrations)
        upgrading?.release()
        writer = Writer(database: connection, metrics: metrics)
    }

    /// Writes queued that the writer has not started yet.
    public var queuedWrites: Int { writer.queuedJobs }

    /// Queues `body` for the writer; `completion` runs after the batch holding it
    /// is committed to disk, with the body's value or its error.
    /// `body` may run twice (when another job of its batch fails, the batch runs again
    /// with a savepoint per job), so it must only touch the database.
    /// Inlinable so the closures are specialized for `T` where it is called: generic, the
    /// completion looked up the metadata of `T?` and `Result<T, Error>` at every answer.
    @inlinable
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T,
                                   completion: @escaping @Sendable (Result<T, Error>) -> Void) {
        let box = ResultBox<T>()
        let guardCheck = WriteGuard.check
        enqueue(body: { database in
            try guardCheck?(database)
            box.value = try body(database)
        }, finish: { error in
            if let error {
                completion(.failure(error))
            } else if let value = box.value {
                completion(.success(value))
            } else {
                completion(.failure(StoreError.closed))
            }
        })
    }

    /// Queues one job for the writer (the type-erased part of `write`).
    @usableFromInline
    func enqueue(body: @escaping (Database) throws -> Void, finish: @escaping (Error?) -> Void) {
        writer.enqueue(WriteJob(body: body, finish: finish))
    }

    /// `write` for async callers.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            write(body) { continuation.resume(with: $0) }
        }
    }

    /// `write` for synchronous callers (the CLI); blocks until committed.
    @discardableResult
    public func writeAndWait<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, Error>?>(nil)
        write(body) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        guard let outcome = result.withLock({ $0 }) else { throw StoreError.closed }
        return try outcome.get()
    }

    /// The last write that failed because the disk is full or failing, if within `seconds`.
    public func recentDiskFailure(within seconds: Double = 30) -> String? {
        writer.diskFailures.recent(within: seconds)
    }

    /// Runs `body` on a reader connection inside one read transaction (a consistent snapshot).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        let connection = try borrowReader()
        defer { readers.giveBack(connection) }
        try connection.executeScript("BEGIN DEFERRED")
        defer { try? connection.executeScript("COMMIT") }
        return try body(connection)
    }

    /// Finishes queued writes, checkpoints the WAL and stops the writer.
    public func close() {
        writer.stop()
        readers.drain()
        lock?.release()
    }

    private func borrowReader() throws -> Database {
        if let connection = readers.take() { return connection }
        let connection = try Database(path: path)
        try connection.configure(busyTimeoutMillis: busyTimeoutMillis, isWriter: false)
        return connection
    }
}

/// Carries a job's value from the writer thread to its completion.
@usableFromInline
final class ResultBox<T>: @unchecked Sendable {
    // @unchecked: written by the writer thread before the commit, read in `finish` on the WAL
    // syncer after it (the hand-over between them orders the two).
    @usableFromInline var value: T?

    @usableFromInline init() {}
}

/// Idle reader connections.
private final class ReaderPool: @unchecked Sendable {
    // @unchecked: `idle` is only touched under `lock`; a connection is used by one borrower at a time.
    private let lock = NSLock()
    private var idle: [Database] = []

    func take() -> Database? {
        lock.withLock { idle.popLast() }
    }

    func giveBack(_ connection: Database) {
        lock.withLock { idle.append(connection) }
    }

    func drain() {
        lock.withLock { idle.removeAll() }
    }
}
