import Foundation
import Telemetry

/// The single writer: one thread, one connection, group commit.
///
/// SQLite allows one writer at a time, so instead of many threads queueing on
/// the database lock, jobs queue here. The thread takes every job waiting, runs
/// them inside one `BEGIN IMMEDIATE` transaction (see `rerunGuarded` for failures),
/// and hands the committed batch to the `WALSyncer`, which answers it after one
/// fdatasync of the WAL. While that sync runs, this thread runs the jobs arriving
/// meanwhile in the next transaction and commits it when the sync has returned.
final class Writer: @unchecked Sendable {
    // @unchecked: `database` and `framesAtLastRequest` are touched only by the writer thread; the rest is immutable.
    private let database: Database
    private let pending = HandoffQueue<WriteJob>()
    private let stopped = DispatchSemaphore(value: 0)
    private let metrics: Metrics
    private let maxBatch: Int
    private let walCheckpointBytes: Int
    private let syncer: WALSyncer
    /// Writes that failed for want of disk, for `/readyz` (`Store.recentDiskFailure`).
    let diskFailures = DiskFailures()
    private let checkpointer: Checkpointer?
    private let checkpointEveryFrames: Int
    private let restartAfterFrames: Int
    private let tailFrames: Int
    private let forceAfterFrames: Int
    /// WAL frames when the last background checkpoint was asked for (writer thread only).
    private var framesAtLastRequest = 0

    init(database: Database, metrics: Metrics, maxBatch: Int = 1024, walCheckpointBytes: Int = 32 << 20,
         checkpointEveryFrames: Int = 1000, restartAfterFrames: Int = 4000, tailFrames: Int = 256,
         forceAfterFrames: Int = 6000) {
        self.database = database
        self.metrics = metrics
        self.maxBatch = maxBatch
        self.walCheckpointBytes = walCheckpointBytes
        self.checkpointEveryFrames = checkpointEveryFrames
        self.restartAfterFrames = restartAfterFrames
        self.tailFrames = tailFrames
        self.forceAfterFrames = forceAfterFrames
        syncer = WALSyncer(walPath: database.path + "-wal", metrics: metrics, onIdle: { [pending] in pending.wake() })
        do {
            checkpointer = try Checkpointer(path: database.path, metrics: metrics)
            database.trackWALFrames()   // from here on checkpoints are scheduled below, not by SQLite
        } catch {
            checkpointer = nil          // SQLite's autocheckpoint (every 1000 frames, on this thread) stays on
            Logger.shared.log(.warning, "no background checkpoint connection; checkpoints run on the writer",
                              [("error", .string("\(error)"))])
        }
        NamedThread.start("sqlite-writer") { [self] in self.run() }
    }

    /// Jobs queued that the writer thread has not taken yet.
    var queuedJobs: Int { pending.count }

    func enqueue(_ job: WriteJob) {
        if !pending.put(job) { job.complete(commitError: StoreError.closed) }
    }

    /// Finishes every queued job, checkpoints the WAL into the main file, and stops the thread.
    func stop() {
        pending.close()
        stopped.wait()
    }

    private func run() {
        while let first = pending.take(limit: maxBatch) { commit(first) }
        syncer.stop()
        checkpointer?.stop()
        _ = try? database.checkpoint(truncate: true)
        stopped.signal()
    }

    /// Runs `first` and commits. While the previous batch is still being synced its answers
    /// cannot go out before that sync returns anyway, so the transaction stays open and takes
    /// the jobs that arrive meanwhile: one commit then writes each page they touch once,
    /// instead of once per small batch (most pages are the right edges of the same B-trees).
    private func commit(_ first: [WriteJob]) {
        let started = DispatchTime.now().uptimeNanoseconds
        var batch = first
        var commitError: Error?
        do {
            try database.execute("BEGIN IMMEDIATE")
            var guarded = false   // after a failure, each job runs in its own SAVEPOINT
            var leftOut: Set<ObjectIdentifier> = []
            if !runUnguarded(first) {
                try rerunGuarded(batch, leavingOut: &leftOut)
                guarded = true
            }
            while batch.count < maxBatch, syncer.isBusy, let more = pending.takeOrWake(limit: maxBatch - batch.count) {
                batch += more
                if guarded {
                    if !runGuarded(more, leavingOut: &leftOut) { try rerunGuarded(batch, leavingOut: &leftOut) }
                } else if !runUnguarded(more) {
                    try rerunGuarded(batch, leavingOut: &leftOut)
                    guarded = true
                }
            }
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
        diskFailures.record(commitError)
        for job in batch { diskFailures.record(job.failure) }
        metrics.writerBatchSize.observe(Double(batch.count))
        metrics.commitDuration.observe(elapsed)
        syncer.enqueue(batch, commitError: commitError)
        scheduleCheckpoints()
        checkpointIfLarge()
    }

    /// A background checkpoint every `checkpointEveryFrames` new WAL frames. Once the WAL
    /// holds `restartAfterFrames`, the writer waits (committing as usual) for a background
    /// checkpoint that leaves at most `tailFrames` uncopied, then copies that short tail
    /// itself: with every frame copied, the next transaction writes the WAL from its start
    /// again instead of growing the file. The tail must be copied here, between two
    /// transactions: a checkpoint beside the writer never catches up with it. Big batches
    /// (a bulk import) can outrun the background; at `forceAfterFrames` the writer copies
    /// whatever is left, as SQLite's autocheckpoint would. A checkpoint that finds another
    /// one running returns at once and is tried again after the next commit.
    private func scheduleCheckpoints() {
        guard let checkpointer else { return }
        let frames = database.walFrames
        if frames < framesAtLastRequest { framesAtLastRequest = 0 }   // the WAL started over
        let running = checkpointer.isRunning
        let tailIsShort = !running && frames - checkpointer.framesCopied <= tailFrames
        if frames >= forceAfterFrames || (frames >= restartAfterFrames && tailIsShort) {
            if let result = try? database.checkpoint(truncate: false), result.walFrames >= 0 {
                metrics.walCheckpoints.increment(["writer"])
            }
        } else if !running, frames - framesAtLastRequest >= (frames >= restartAfterFrames ? tailFrames : checkpointEveryFrames) {
            framesAtLastRequest = frames
            checkpointer.request()
        }
    }

    /// Runs the jobs straight in the open transaction; false when one threw. Jobs rarely
    /// fail, and a SAVEPOINT per job made SQLite copy every page each job touched into its
    /// statement journal, so savepoints are used only when needed (`rerunGuarded`).
    private func runUnguarded(_ jobs: [WriteJob]) -> Bool {
        jobs.allSatisfy { $0.runUnguarded(database) }   // stops at the first failure
    }

    /// After a job threw: rolls the whole transaction back and runs the batch again with a
    /// SAVEPOINT per job, so the failing job's writes are undone and every other job's kept.
    /// A job alone in its batch is simply rolled back. (Job bodies only touch the database,
    /// so running one several times is safe.) Leaves a transaction open for the caller to commit.
    ///
    /// Some errors (disk full, I/O errors) make SQLite roll back the whole transaction, not
    /// only the job's savepoint: that job is left out (it keeps its error) and the rest run
    /// again from the start. After `maxLeftOut` such jobs the disk is taken to be unusable
    /// and the batch fails as a whole (nothing of it stored, every job answered the error).
    private func rerunGuarded(_ batch: [WriteJob], leavingOut leftOut: inout Set<ObjectIdentifier>) throws {
        while true {
            _ = try? database.execute("ROLLBACK")
            try database.execute("BEGIN IMMEDIATE")   // a lone failed job: an empty transaction; the job reports its failure
            guard batch.count > 1 else { return }
            let jobs = leftOut.isEmpty ? batch : batch.filter { !leftOut.contains(ObjectIdentifier($0)) }
            if runGuarded(jobs, leavingOut: &leftOut) { return }
            if leftOut.count >= Self.maxLeftOut {
                throw leftOutError(batch, leftOut) ?? StoreError.closed
            }
        }
    }

    /// Jobs whose error rolled back a whole transaction, at most, before a batch fails as a whole.
    static let maxLeftOut = 4

    /// Runs `jobs` each in its own SAVEPOINT; false when one of them made SQLite roll back
    /// the whole transaction (that job is added to `leftOut`, the jobs after it did not run).
    private func runGuarded(_ jobs: [WriteJob], leavingOut leftOut: inout Set<ObjectIdentifier>) -> Bool {
        for job in jobs {
            job.run(database)
            if !database.inTransaction {
                leftOut.insert(ObjectIdentifier(job))
                return false
            }
        }
        return true
    }

    /// The error of the last job left out, which the whole batch then reports.
    private func leftOutError(_ batch: [WriteJob], _ leftOut: Set<ObjectIdentifier>) -> Error? {
        batch.last { leftOut.contains(ObjectIdentifier($0)) }?.failure
    }

    /// The scheduled checkpoints keep the WAL small while readers let them; when readers
    /// keep them from finishing and the file has grown past
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
    /// A request's write guard could not be bound on its thread (the pthread error code).
    case unguarded(Int32)

    public var description: String {
        switch self {
        case .closed: return "the store is shutting down"
        case .unguarded(let code): return "could not bind the write guard on this thread (pthread error \(code))"
        }
    }
}
