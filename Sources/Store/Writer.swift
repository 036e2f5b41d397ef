import Foundation
import Telemetry

/// The single writer: one thread, one connection, group commit.
///
/// SQLite allows one writer at a time, so instead of many threads queueing on
/// the database lock, jobs queue here. The thread takes every job waiting, runs
/// them inside one `BEGIN IMMEDIATE` transaction (see `runBatch` for failures),
/// commits once, and hands the batch to the `WALSyncer`, which answers it after
/// one fdatasync of the WAL, while this thread already runs the next batch.
final class Writer: @unchecked Sendable {
    // @unchecked: `database` is touched only by the writer thread; the rest is immutable.
    private let database: Database
    private let pending = HandoffQueue<WriteJob>()
    private let stopped = DispatchSemaphore(value: 0)
    private let metrics: Metrics
    private let maxBatch: Int
    private let walCheckpointBytes: Int
    private let syncer: WALSyncer

    init(database: Database, metrics: Metrics, maxBatch: Int = 1024, walCheckpointBytes: Int = 32 << 20) {
        self.database = database
        self.metrics = metrics
        self.maxBatch = maxBatch
        self.walCheckpointBytes = walCheckpointBytes
        syncer = WALSyncer(walPath: database.path + "-wal", metrics: metrics)
        let thread = Thread { [self] in self.run() }
        thread.name = "sqlite-writer"
        thread.start()
    }

    func enqueue(_ job: WriteJob) {
        if !pending.put(job) { job.complete(commitError: StoreError.closed) }
    }

    /// Finishes every queued job, checkpoints the WAL into the main file, and stops the thread.
    func stop() {
        pending.close()
        stopped.wait()
    }

    private func run() {
        while let batch = pending.take(limit: maxBatch) { commit(batch) }
        syncer.stop()
        _ = try? database.checkpoint(truncate: true)
        stopped.signal()
    }

    private func commit(_ batch: [WriteJob]) {
        let started = DispatchTime.now().uptimeNanoseconds
        var commitError: Error?
        do {
            try database.execute("BEGIN IMMEDIATE")
            try runBatch(batch)
            do {
                try database.execute("COMMIT")
            } catch {
                _ = try? database.execute("ROLLBACK")
                throw error
            }
        } catch {
            commitError = error
            Logger.shared.log(.error, "write batch failed", [("error", .string("\(error)")), ("jobs", .int(batch.count))])
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        metrics.writerBatchSize.observe(Double(batch.count))
        metrics.commitDuration.observe(elapsed)
        syncer.enqueue(batch, commitError: commitError)
        checkpointIfLarge()
    }

    /// Runs the jobs straight in the open transaction. Jobs rarely fail, and a SAVEPOINT
    /// per job made SQLite copy every page each job touched into its statement journal,
    /// so savepoints are used only when needed: if a job throws, the whole transaction
    /// is rolled back and the batch runs again with a SAVEPOINT per job, so the failing
    /// job's writes are undone and every other job's kept. A job alone in its batch is
    /// simply rolled back. (Job bodies only touch the database, so running one twice is safe.)
    private func runBatch(_ batch: [WriteJob]) throws {
        guard batch.contains(where: { !$0.runUnguarded(database) }) else { return }
        _ = try? database.execute("ROLLBACK")
        if batch.count == 1 {
            try database.execute("BEGIN IMMEDIATE")   // an empty transaction; the job reports its failure
            return
        }
        try database.execute("BEGIN IMMEDIATE")
        for job in batch { job.run(database) }
    }

    /// SQLite's autocheckpoint (passive, every 1000 pages) keeps the WAL small while
    /// readers let it; when readers keep it from finishing and the file has grown past
    /// the threshold, a truncating checkpoint waits for them (bounded by busy_timeout).
    /// The size comes from stat(), so the common case costs one syscall, not a checkpoint.
    private func checkpointIfLarge() {
        var info = stat()
        guard stat(database.path + "-wal", &info) == 0, Int(info.st_size) > walCheckpointBytes else { return }
        _ = try? database.checkpoint(truncate: true)
    }
}

/// Errors of the store itself (SQLite's own errors are `SQLiteError`).
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case closed

    public var description: String {
        switch self {
        case .closed: return "the store is shutting down"
        }
    }
}
