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
                                          help: "Time to apply and commit one batch, fsync included.",
                                          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
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
                                               openConnections, sseSubscribers] + extra.withLock { $0 }
        for metric in all { metric.render(into: &out) }
        return out
    }
}

/// Something that can write itself in Prometheus text format.
public protocol PrometheusRenderable: Sendable {
    func render(into out: inout String)
}

/// A monotonically increasing count per label set.
public final class LabeledCounter: PrometheusRenderable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    private let values = Mutex<[[String]: UInt64]>([:])

    public init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }

    public func increment(_ labels: [String], by amount: UInt64 = 1) {
        values.withLock { $0[labels, default: 0] &+= amount }
    }

    public func value(_ labels: [String]) -> UInt64 {
        values.withLock { $0[labels] ?? 0 }
    }

    public func render(into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
        let snapshot = values.withLock { $0 }
        for (labels, value) in snapshot.sorted(by: { $0.key.joined() < $1.key.joined() }) {
            out += "\(name){\(formatLabels(labelNames, labels))} \(value)\n"
        }
    }
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
public final class Histogram: PrometheusRenderable {
    public let name: String
    public let help: String
    public let buckets: [Double]
    private struct State { var counts: [UInt64]; var sum: Double; var count: UInt64 }
    private let state: Mutex<State>

    public init(name: String, help: String, buckets: [Double]) {
        self.name = name
        self.help = help
        self.buckets = buckets
        self.state = Mutex(State(counts: Array(repeating: 0, count: buckets.count), sum: 0, count: 0))
    }

    public func observe(_ value: Double) {
        let index = buckets.firstIndex(where: { value <= $0 })
        state.withLock { s in
            if let index { s.counts[index] &+= 1 }
            s.sum += value
            s.count &+= 1
        }
    }

    /// Number of observations so far.
    public var count: UInt64 { state.withLock { $0.count } }

    public func render(into out: inout String) {
        let s = state.withLock { $0 }
        out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (bound, c) in zip(buckets, s.counts) {
            cumulative += c
            out += "\(name)_bucket{le=\"\(formatNumber(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(s.count)\n\(name)_sum \(s.sum)\n\(name)_count \(s.count)\n"
    }
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
