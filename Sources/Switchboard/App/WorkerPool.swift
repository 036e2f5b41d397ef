import Foundation
import Telemetry

/// Threads for blocking work (database reads, provider calls) off the event loops.
///
/// Not Dispatch's global queue: its width follows the CPU count, and a handful of
/// handlers blocked on a slow provider would starve every other user of it.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: `jobs` is only touched under `condition`.
    static let shared = WorkerPool(threads: 32)

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    init(threads: Int) {
        for index in 0..<threads {
            NamedThread.start("worker-\(index)") { [unowned self] in self.work() }
        }
    }

    func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
