import Foundation
import Synchronization
import Telemetry

/// Makes committed batches durable off the writer thread, then answers them.
///
/// The writer commits with `synchronous = NORMAL`: SQLite appends the batch's frames
/// to the WAL without waiting for the disk (it still syncs around checkpoints and
/// when the WAL is reused). This thread then calls fdatasync on the WAL file, which
/// flushes every frame written before the call, and only after it returns answers
/// the jobs. A batch is therefore answered only once it is on disk, as with
/// `synchronous = FULL`, but the writer runs the next batch while the disk works,
/// and one flush covers every batch that committed meanwhile.
final class WALSyncer: @unchecked Sendable {
    // @unchecked: `walDescriptor` and `stickyError` are touched only by the syncer thread.
    private let walPath: String
    private let waiting = HandoffQueue<(jobs: [WriteJob], commitError: Error?)>()
    private let stopped = DispatchSemaphore(value: 0)
    private var walDescriptor: Int32 = -1
    /// After a failed fdatasync the kernel may already have dropped the unwritten pages
    /// and a later fdatasync can succeed without them, so the failure sticks: every later
    /// batch is answered with it until the daemon is restarted (and /readyz says 503).
    private var stickyError: WALSyncError?
    private let metrics: Metrics
    /// Batches handed over whose fdatasync has not returned yet.
    private let unsynced = Atomic<Int>(0)
    private let onIdle: @Sendable () -> Void
    /// Work the completions leave for after a flush's answers (`AfterAnswers`).
    private let scope = AnswerScope()

    /// `onIdle` runs on the syncer's thread each time every batch handed over is on disk
    /// (or failed), just before their jobs are answered.
    init(walPath: String, metrics: Metrics, onIdle: @escaping @Sendable () -> Void = {}) {
        self.walPath = walPath
        self.metrics = metrics
        self.onIdle = onIdle
        NamedThread.start("sqlite-wal-sync") { [self] in self.run() }
    }

    /// True while a batch handed over is not on disk yet: its fdatasync is running or waits.
    var isBusy: Bool { unsynced.load(ordering: .acquiring) > 0 }

    /// Hands over a batch the writer has committed (or failed to commit: then only answered).
    func enqueue(_ jobs: [WriteJob], commitError: Error?) {
        unsynced.add(1, ordering: .acquiringAndReleasing)
        if !waiting.put((jobs, commitError)) {
            unsynced.subtract(1, ordering: .acquiringAndReleasing)
            for job in jobs { job.complete(commitError: commitError ?? StoreError.closed) }
        }
    }

    /// Answers everything handed over so far, then stops the thread.
    func stop() {
        waiting.close()
        stopped.wait()
        if walDescriptor >= 0 { close(walDescriptor) }
    }

    private func run() {
        scope.install()
        while let batches = waiting.take() {
            var syncError: Error?
            if batches.contains(where: { $0.commitError == nil }) {
                let started = DispatchTime.now().uptimeNanoseconds
                syncError = flush()
                metrics.walSyncDuration.observe(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            }
            // Before answering: the writer can commit its next batch while the answers go out.
            if unsynced.subtract(batches.count, ordering: .acquiringAndReleasing).newValue == 0 { onIdle() }
            scope.answering {
                for batch in batches {
                    let error = batch.commitError ?? syncError
                    for job in batch.jobs { job.complete(commitError: error) }
                }
            }
        }
        stopped.signal()
    }

    /// fdatasync of the WAL file. The descriptor is opened on first use (the WAL exists
    /// after the first commit); fsync covers the file, whichever descriptor wrote to it.
    private func flush() -> Error? {
        if let stickyError { return stickyError }
        if walDescriptor < 0 {
            walDescriptor = open(walPath, O_RDWR | O_CLOEXEC)
            if walDescriptor < 0 { return WALSyncError(path: walPath, operation: "open", code: errno) }
        }
        while fdatasync(walDescriptor) != 0 {
            let code = errno
            if code == EINTR { continue }
            Logger.shared.log(.error, "fdatasync of the WAL failed: no write is acknowledged from now on; restart after fixing the disk",
                              [("path", .string(walPath)), ("errno", .int(Int(code)))])
            let error = WALSyncError(path: walPath, operation: "fdatasync", code: code)
            stickyError = error
            return error
        }
        return nil
    }
}

/// The WAL could not be made durable; the batch is reported failed.
struct WALSyncError: Error, CustomStringConvertible {
    let path: String
    let operation: String
    let code: Int32

    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
