import Foundation

/// Percentiles and the lines the probe prints (bench/ingest reads PROBE-RESULT).
struct ProbeReport {
    let differences: [Double]     // ms, sse - ack, ascending
    let latencies: [Double]       // ms, send -> answer, ascending
    let missing: Int              // acknowledged, never seen on the stream
    let negative: Int

    init(acks: [Int: UInt64], arrivals: [Int: UInt64], ackLatencies: [UInt64]) {
        differences = acks.compactMap { n, ack in arrivals[n].map { (Double($0) - Double(ack)) / 1e6 } }.sorted()
        latencies = ackLatencies.map { Double($0) / 1e6 }.sorted()
        missing = acks.keys.filter { arrivals[$0] == nil }.count
        negative = differences.filter { $0 < 0 }.count
    }

    /// Nearest-rank percentile of an ascending list.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }

    private func format(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
    private func sse(_ p: Double) -> String { format(Self.percentile(differences, p)) }
    private func ack(_ p: Double) -> String { format(Self.percentile(latencies, p)) }

    func resultLine(sent: Int, errors: Int, sendSeconds: Double, interval: Double, stream: SSEReader.State) -> String {
        "PROBE-RESULT sent=\(sent) acked=\(latencies.count) errors=\(errors) sse_matched=\(differences.count) sse_missing=\(missing) "
            + "sse_negative=\(negative) sse_p50_ms=\(sse(50)) sse_p99_ms=\(sse(99)) sse_max_ms=\(format(differences.last)) "
            + "sse_min_ms=\(format(differences.first)) ack_p50_ms=\(ack(50)) ack_p99_ms=\(ack(99)) "
            + "send_seconds=\(String(format: "%.2f", sendSeconds)) interval_ms=\(String(format: "%.1f", interval * 1000)) "
            + "stream_bytes=\(stream.bytesRead) stream_events=\(stream.eventsSeen) stream_mismatches=\(stream.mismatches)"
    }

    func summary(sent: Int, errors: Int, sendSeconds: Double, interval: Double, stream: SSEReader.State) -> [String] {
        let effective = sendSeconds > 0 ? Double(sent) / sendSeconds : 0
        return [
            "probe: \(sent) ringing events sent on one keep-alive connection, one at a time, at most one every "
                + "\(String(format: "%.1f", interval * 1000)) ms (effective \(String(format: "%.0f", effective))/s: the next waits for the ack), "
                + "\(latencies.count) acknowledged (2xx), \(errors) errors",
            "probe: ack -> SSE delivery over \(differences.count) events: p50 \(sse(50)) ms, p99 \(sse(99)) ms, "
                + "min \(format(differences.first)) ms, max \(format(differences.last)) ms, \(negative) negative (SSE read before ack), "
                + "\(missing) acked but never seen on the stream",
            "probe: its own ack latency: p50 \(ack(50)) ms, p99 \(ack(99)) ms",
            "probe: SSE stream read \(stream.bytesRead) bytes, \(stream.eventsSeen) events in all; stream state at the end: "
                + (stream.closedReason ?? "open"),
        ]
    }
}
