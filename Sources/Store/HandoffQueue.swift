import Foundation

/// Items handed from any thread to one consumer thread, which takes all that are
/// waiting at once (the writer's group commit, the WAL syncer's shared flush).
final class HandoffQueue<Item>: @unchecked Sendable {
    // @unchecked: `items` and `isClosed` are only touched under `condition`.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var isClosed = false
    private var woken = false

    /// Items waiting to be taken.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    /// Queues `item`; false (and nothing queued) once the queue is closed.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if isClosed { return false }
        items.append(item)
        if items.count == 1 { condition.signal() }
        return true
    }

    /// Waits for items and takes up to `limit` of them, oldest first; nil once the queue
    /// is closed and everything queued before has been taken.
    func take(limit: Int = .max) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !isClosed { condition.wait() }
        if items.isEmpty { return nil }
        return removeOldest(limit)
    }

    private func removeOldest(_ limit: Int) -> [Item] {
        if items.count <= limit {
            let all = items
            items.removeAll(keepingCapacity: true)
            return all
        }
        let some = Array(items.prefix(limit))
        items.removeFirst(limit)
        return some
    }

    /// Like `take`, but also returns (with nothing) once `wake` has been called since
    /// the last `takeOrWake`; nil once the queue is closed and empty.
    func takeOrWake(limit: Int = .max) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !isClosed && !woken { condition.wait() }
        woken = false
        if items.isEmpty { return isClosed ? nil : [] }
        return removeOldest(limit)
    }

    /// Ends a `takeOrWake` that is waiting (or the next one) without an item.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    /// Refuses new items; the consumer still gets what is queued.
    func close() {
        condition.lock()
        isClosed = true
        condition.signal()
        condition.unlock()
    }
}
