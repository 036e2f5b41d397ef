import Foundation
import Synchronization

/// Prometheus metrics kept in memory and rendered in the text exposition format
/// (https://prometheus.io/docs/instrumenting/exposition_formats/).
public final class Metrics: Sendable {
    /// The process-wide registry.
    public static let shared = Metrics()

    public let requests = LabeledCounter(name: "switchboard_http_requests_total",
                                         help: "HTTP requests answered, by route, method and status.",
                                         labelNames: ["route", "method", "status"])
    public let requestDuration = Histogram(name: "switchboard_http_request_duration_seconds",
                                           help: "Time from a complete request to its response.",
                                           buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
    public let writerBatchSize = Histogram(name: "switchboard_writer_batch_size",
                                           help: "Write jobs committed together in one transaction.",
                                           buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
    public let commitDuration = Histogram(name: "switchboard_writer_commit_duration_seconds",
                                          help: "Time one batch's transaction is open, BEGIN to COMMIT: applying its jobs, which includes waiting for the previous batch's WAL flush (measured apart).",
                                          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
    public let walSyncDuration = Histogram(name: "switchboard_wal_sync_duration_seconds",
                                           help: "Time of one fdatasync of the WAL, covering every batch committed before it.",
                                           buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
    public let walCheckpoints = LabeledCounter(name: "switchboard_wal_checkpoints_total",
                                               help: "WAL checkpoints, by thread: background (copied frames while the writer went on) or writer (the short tail that lets the WAL start over).",
                                               labelNames: ["by"])
    public let openConnections = Gauge(name: "switchboard_http_open_connections", help: "Open client connections.")
    public let sseSubscribers = Gauge(name: "switchboard_sse_subscribers", help: "Open Server-Sent Events streams.")

    private let extra = Mutex<[any PrometheusRenderable]>([])

    public init() {}

    /// Adds a metric owned elsewhere to the exposition.
    public func register(_ metric: any PrometheusRenderable) {
        extra.withLock { $0.append(metric) }
    }

    /// The whole registry in Prometheus text format.
    public func render() -> String {
        var out = ""
        let all: [any PrometheusRenderable] = [requests, requestDuration, writerBatchSize, commitDuration,
                                               walSyncDuration, walCheckpoints, openConnections, sseSubscribers] + extra.withLock { $0 }
        for metric in all { metric.render(into: &out) }
        return out
    }
}

/// Something that can write itself in Prometheus text format.
public protocol PrometheusRenderable: Sendable {
    func render(into out: inout String)
}

/// A monotonically increasing count per label set.
///
/// `increment` is fine for occasional counts. A hot path that counts the same
/// label sets again and again (the HTTP loops) takes a `CounterCell` once per
/// label set with `makeCell` and adds to it: no key array, no hashing, no lock,
/// and no cache line shared with other threads. Rendering sums all cells of a
/// label set, so a count is visible as soon as `add` returns.
public final class LabeledCounter: PrometheusRenderable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Per label set: the shared cell used by `increment`, then cells handed out by `makeCell`.
    private let cells = Mutex<[[String]: [CounterCell]]>([:])

    public init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    public func increment(_ labels: [String], by amount: UInt64 = 1) {
        let cell = cells.withLock { cells -> CounterCell in
            if let first = cells[labels]?.first { return first }
            let cell = CounterCell()
            cells[labels] = [cell]
            return cell
        }
        cell.add(amount)
    }

    /// A new cell counting towards `labels`, meant for a single writer (one thread).
    public func makeCell(_ labels: [String]) -> CounterCell {
        cells.withLock { cells in
            let cell = CounterCell()
            if cells[labels] == nil { cells[labels] = [CounterCell()] }
            cells[labels, default: []].append(cell)
            return cell
        }
    }

    public func value(_ labels: [String]) -> UInt64 {
        let all = cells.withLock { $0[labels] ?? [] }
        return all.reduce(0) { $0 &+ $1.value }
    }

    public func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
        let snapshot = cells.withLock { $0 }
        for (labels, all) in snapshot.sorted(by: { $0.key.joined() < $1.key.joined() }) {
            let value = all.reduce(0) { $0 &+ $1.value }
            out += "\(name){\(formatLabels(labelNames, labels))} \(value)\n"
        }
    }
}

/// One count of a `LabeledCounter`; see `LabeledCounter.makeCell`.
public final class CounterCell: Sendable {
    private let count = Atomic<UInt64>(0)
    // Keeps cells of different threads on different cache lines.
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)

    init() {}

    @inline(__always)
    public func add(_ amount: UInt64 = 1) { count.wrappingAdd(amount, ordering: .relaxed) }

    public var value: UInt64 { count.load(ordering: .relaxed) }
}

/// A value that goes up and down.
public final class Gauge: PrometheusRenderable {
    public let name: String
    public let help: String
    private let current = Atomic<Int>(0)

    public init(name: String, help: String) {
        self.name = name
        self.help = help
    }

    public func add(_ delta: Int) { current.add(delta, ordering: .relaxed) }
    public var value: Int { current.load(ordering: .relaxed) }

    public func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n"
    }
}

/// Cumulative histogram with fixed upper bounds.
///
/// Lock-free: counts live in `Histogram.Recorder`s (atomics). `observe` uses a
/// shared recorder; a hot path takes its own with `makeRecorder` so threads do
/// not contend. Rendering sums the recorders.
public final class Histogram: PrometheusRenderable {
    public let name: String
    public let help: String
    public let buckets: [Double]
    private let shared: Recorder
    private let recorders: Mutex<[Recorder]>

    public init(name: String, help: String, buckets: [Double]) {
        self.name = name
        self.help = help
        self.buckets = buckets
        let shared = Recorder(buckets: buckets)
        self.shared = shared
        self.recorders = Mutex([shared])
    }

    public func observe(_ value: Double) { shared.observe(value) }

    /// A recorder whose observations count towards this histogram, meant for one thread.
    public func makeRecorder() -> Recorder {
        let recorder = Recorder(buckets: buckets)
        recorders.withLock { $0.append(recorder) }
        return recorder
    }

    /// Number of observations so far.
    public var count: UInt64 { recorders.withLock { $0 }.reduce(0) { $0 &+ $1.count } }

    public func render(into out: inout String) {
        var counts = [UInt64](repeating: 0, count: buckets.count + 1)
        var sum = 0.0
        for recorder in recorders.withLock({ $0 }) {
            for index in counts.indices { counts[index] &+= recorder.slots[index].value.load(ordering: .relaxed) }
            sum += recorder.sum
        }
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (bound, c) in zip(buckets, counts) {
            cumulative += c
            out += "\(name)_bucket{le=\"\(formatNumber(bound))\"} \(cumulative)\n"
        }
        cumulative += counts[buckets.count]
        out += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n\(name)_sum \(sum)\n\(name)_count \(cumulative)\n"
    }

    /// Counts per bucket (the last slot: above every bound) and the sum of observed values.
    public final class Recorder: Sendable {
        private let bounds: [Double]
        fileprivate let slots: [AtomicCount]
        private let sumBits = Atomic<UInt64>(0)

        fileprivate init(buckets: [Double]) {
            bounds = buckets
            slots = (0...buckets.count).map { _ in AtomicCount() }
        }

        public func observe(_ value: Double) {
            var index = 0
            while index < bounds.count, !(value <= bounds[index]) { index += 1 }
            slots[index].value.wrappingAdd(1, ordering: .relaxed)
            var old = sumBits.load(ordering: .relaxed)
            while true {
                let new = (Double(bitPattern: old) + value).bitPattern
                let (exchanged, current) = sumBits.compareExchange(expected: old, desired: new, ordering: .relaxed)
                if exchanged { return }
                old = current
            }
        }

        fileprivate var count: UInt64 { slots.reduce(0) { $0 &+ $1.value.load(ordering: .relaxed) } }
        fileprivate var sum: Double { Double(bitPattern: sumBits.load(ordering: .relaxed)) }
    }
}

/// An atomic count on its own heap object (arrays cannot hold `Atomic` directly).
final class AtomicCount: Sendable {
    let value = Atomic<UInt64>(0)
}

private func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

private func formatLabels(_ names: [String], _ values: [String]) -> String {
    zip(names, values).map { name, value in
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\(name)=\"\(escaped)\""
    }.joined(separator: ",")
}
