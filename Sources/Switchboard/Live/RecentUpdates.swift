/// The last updates published, with their stream ids, for a stream that reconnects with
/// `Last-Event-ID`: what it missed is sent again. Used on EventHub's publishing queue only.
struct RecentUpdates {
    private var entries: [(id: UInt64, update: LiveUpdate)?]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        entries = Array(repeating: nil, count: max(1, capacity))
    }

    /// Keeps `update` as `id` (ids only grow), forgetting the oldest when full.
    mutating func append(_ id: UInt64, _ update: LiveUpdate) {
        entries[next] = (id, update)
        next = (next + 1) % entries.count
        count = min(count + 1, entries.count)
    }

    /// The updates after `id`, oldest first; nil when some of them are no longer kept (or `id`
    /// is not one this process gave out, or updates went unmade after `id` — `unmadeAfter`, the
    /// last id before nobody was listening), so the caller cannot resume and says so.
    func after(_ id: UInt64, latest: UInt64, unmadeAfter: UInt64? = nil) -> [(id: UInt64, update: LiveUpdate)]? {
        guard id <= latest else { return nil }
        if let unmadeAfter, id <= unmadeAfter { return nil }
        if id == latest { return [] }
        let oldestIndex = count < entries.count ? 0 : next
        guard let oldest = entries[oldestIndex]?.id, id + 1 >= oldest else { return nil }
        var missed: [(id: UInt64, update: LiveUpdate)] = []
        for offset in 0..<count {
            if let entry = entries[(oldestIndex + offset) % entries.count], entry.id > id { missed.append(entry) }
        }
        return missed
    }
}
