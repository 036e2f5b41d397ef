import Foundation
import Synchronization
import Telemetry

/// Copies WAL frames into the database file on its own thread and connection.
///
/// A checkpoint writes every page changed since the last one into the main file and
/// syncs it: milliseconds of I/O that, run by SQLite's autocheckpoint on the writer
/// thread, held up every batch behind it. Here a PASSIVE checkpoint runs beside the
/// writer (SQLite lets one checkpoint and one writer work on a WAL at once); the
/// writer only asks for one (`request`) and later runs the short tail itself so the
/// WAL can start over from its beginning (see `Writer.scheduleCheckpoints`).
final class Checkpointer: @unchecked Sendable {
    // @unchecked: `database` is touched only by the checkpointer thread; the rest is atomic or immutable.
    private let database: Database
    private let requests = HandoffQueue<Void>()
    private let stopped = DispatchSemaphore(value: 0)
    private let metrics: Metrics
    private let running = Atomic<Bool>(false)
    private let copied = Atomic<Int>(0)

    /// True from `request` until that checkpoint has finished.
    var isRunning: Bool { running.load(ordering: .acquiring) }

    /// WAL frames copied into the database file by the last checkpoint here (its
    /// frame numbers refer to the WAL as it was then; it may have started over since).
    var framesCopied: Int { copied.load(ordering: .acquiring) }

    init(path: String, metrics: Metrics) throws {
        database = try Database(path: path)
        // A connection that has not read the database yet has not opened its WAL, and
        // SQLite then answers a checkpoint with success without copying anything.
        _ = try database.scalar("SELECT count(*) FROM sqlite_schema")
        self.metrics = metrics
        NamedThread.start("sqlite-checkpt") { [self] in self.run() }
    }

    /// Asks for a checkpoint soon; requests made while one runs are served by one more.
    func request() {
        running.store(true, ordering: .releasing)
        if !requests.put(()) { running.store(false, ordering: .releasing) }
    }

    /// Finishes the checkpoint in progress (if any) and stops the thread.
    func stop() {
        requests.close()
        stopped.wait()
    }

    private func run() {
        while requests.take() != nil {
            do {
                let result = try database.checkpoint(truncate: false)
                copied.store(result.checkpointed, ordering: .releasing)
                if result.checkpointed > 0 { metrics.walCheckpoints.increment(["background"]) }
            } catch {
                Logger.shared.log(.warning, "background WAL checkpoint failed; the writer's own checkpoints go on",
                                  [("error", .string("\(error)"))])
            }
            running.store(false, ordering: .releasing)
        }
        stopped.signal()
    }
}
