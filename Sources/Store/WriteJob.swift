/// One unit of work for the writer: runs inside its own SAVEPOINT, and is
/// answered only after the batch it belongs to is committed (or failed).
final class WriteJob: @unchecked Sendable {
    // Sendable by hand-off: created by a caller, then touched only by the writer thread.
    private let body: (Database) throws -> Void
    private let finish: (Error?) -> Void
    private(set) var failure: Error?

    init(body: @escaping (Database) throws -> Void, finish: @escaping (Error?) -> Void) {
        self.body = body
        self.finish = finish
    }

    /// Runs the job; a thrown error rolls back this job's savepoint only.
    func run(_ database: Database) {
        do {
            try database.executeScript("SAVEPOINT job")
            do {
                try body(database)
                try database.executeScript("RELEASE job")
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
