/// One unit of work for the writer, answered only after the batch it belongs to
/// is committed and on disk (or failed).
final class WriteJob: @unchecked Sendable {
    // Sendable by hand-off: created by a caller, then touched only by the writer
    // thread, and after the commit only by the WAL syncer.
    private let body: (Database) throws -> Void
    private let finish: (Error?) -> Void
    private(set) var failure: Error?

    init(body: @escaping (Database) throws -> Void, finish: @escaping (Error?) -> Void) {
        self.body = body
        self.finish = finish
    }

    /// Runs the job directly in the batch's transaction; false when it threw, and then
    /// the caller must roll the whole transaction back (its writes may be half done).
    func runUnguarded(_ database: Database) -> Bool {
        do {
            try body(database)
            failure = nil
            return true
        } catch {
            failure = error
            return false
        }
    }

    /// Runs the job inside its own SAVEPOINT: a thrown error rolls back this job only.
    func run(_ database: Database) {
        failure = nil
        do {
            // Prepared once and reused (execute caches statements).
            try database.execute("SAVEPOINT job")
            do {
                try body(database)
                try database.execute("RELEASE job")
            } catch {
                try? database.executeScript("ROLLBACK TO job; RELEASE job")
                failure = error
            }
        } catch {
            failure = error
        }
    }

    /// Answers the caller: its own error, the batch's commit error, or success.
    func complete(commitError: Error?) {
        finish(failure ?? commitError)
    }
}
