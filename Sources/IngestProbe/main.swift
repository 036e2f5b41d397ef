import Foundation
import Synchronization

// Ack -> SSE latency probe for bench/ingest.
//
// Opens the Server-Sent Events stream GET /api/v1/events as a supervisor (every
// call.ringing event of a call without an agent reaches supervisors), then, on a
// separate keep-alive connection, posts its own native `ringing` events (callId
// "probe-<n>") every --interval seconds, recording the monotonic time at which each
// 2xx answer has been read. The reader thread records the monotonic time at which
// the chunk carrying the event whose call.providerCallId is "probe-<n>" was read.
//
// Runs until SIGTERM/SIGINT (or --duration), finishes the request in flight, waits
// up to --drain seconds for outstanding SSE deliveries, then prints
// `PROBE-RESULT key=value ...` and a short summary. "PROBE-READY" is printed once the
// stream is open. Differences (sse - ack) can be negative: the server publishes to
// the stream right after it writes the answer, and either may be read first.
//
// It is compiled rather than a script because it shares the two CPUs with the server
// it measures while reading every event of the load (~14 MB/s at 24k events/s).

// SIGTERM and SIGINT are blocked while this is the only thread, so every thread inherits the
// mask: they stay pending until dispatch's signalfd reads them for the sources below, however
// early they come. (With SIG_IGN instead, one sent before dispatch had installed its own
// handler was discarded, and the probe posted on.)
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let options: ProbeOptions
do {
    options = try ProbeOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("switchboard-ingest-probe: \(error)\n\(ProbeOptions.usage)\n".utf8))
    exit(64)
}

let stopping = Atomic<Bool>(false)
let wakeUp = DispatchSemaphore(value: 0)
let signalSources = [SIGTERM, SIGINT].map { number in
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler {
        stopping.store(true, ordering: .relaxed)
        wakeUp.signal()
    }
    source.resume()
    return source
}

/// Unbuffered: bench/ingest waits for PROBE-READY while the probe runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let reader: SSEReader
do {
    reader = try SSEReader(host: options.host, port: options.port, key: options.key)
} catch {
    say("PROBE-ERROR stream not ready: \(error)")
    exit(1)
}
reader.start()
guard reader.waitUntilReady(seconds: 15) else {
    say("PROBE-ERROR stream not ready: \(reader.state.withLock { $0.closedReason } ?? "no hello within 15 s")")
    exit(1)
}
say("PROBE-READY")

let occurredAt = ISO8601DateFormatter().string(from: Date())
let poster = WebhookPoster(host: options.host, port: options.port, secret: options.secret)
var acks: [Int: UInt64] = [:]        // n -> monotonic ns when the 2xx had been read
var ackLatencies: [UInt64] = []      // send -> answer, per 2xx
var sent = 0
var errors = 0
var errorSamples: [String] = []
let started = monotonicNanoseconds()
var nextAt = started
var n = options.first
while !stopping.load(ordering: .relaxed) {
    if options.duration > 0 && Double(monotonicNanoseconds() - started) / 1e9 >= options.duration { break }
    n += 1
    let number = String(n % 10_000_000)
    let body = #"{"callId":"probe-\#(n)","clientNumber":"+4073\#(String(repeating: "0", count: 7 - number.count))\#(number)","occurredAt":"\#(occurredAt)"}"#
    let sentAt = monotonicNanoseconds()
    sent += 1
    do {
        let status = try poster.post(Array(body.utf8))
        let answeredAt = monotonicNanoseconds()
        if (200..<300).contains(status) {
            acks[n] = answeredAt
            ackLatencies.append(answeredAt - sentAt)
        } else {
            errors += 1
            if errorSamples.count < 5 { errorSamples.append("probe-\(n): HTTP \(status)") }
        }
    } catch {
        errors += 1
        if errorSamples.count < 5 { errorSamples.append("probe-\(n): \(error)") }
    }
    nextAt += UInt64(options.interval * 1e9)
    let now = monotonicNanoseconds()
    if nextAt > now {
        _ = wakeUp.wait(timeout: .now() + .nanoseconds(Int(nextAt - now)))
    } else {
        nextAt = now   // fell behind: no burst to catch up
    }
}
let sendSeconds = Double(monotonicNanoseconds() - started) / 1e9

let drainUntil = monotonicNanoseconds() + UInt64(options.drain * 1e9)
while monotonicNanoseconds() < drainUntil {
    let (isClosed, isComplete) = reader.state.withLock { state in
        (state.closedReason != nil, acks.keys.allSatisfy { state.arrivals[$0] != nil })
    }
    if isClosed || isComplete { break }
    usleep(50_000)
}
reader.stop()
_ = signalSources

let stream = reader.state.withLock { $0 }
let report = ProbeReport(acks: acks, arrivals: stream.arrivals, ackLatencies: ackLatencies)
say(report.resultLine(sent: sent, errors: errors, sendSeconds: sendSeconds, interval: options.interval, stream: stream))
for line in report.summary(sent: sent, errors: errors, sendSeconds: sendSeconds, interval: options.interval, stream: stream) {
    say(line)
}
for sample in errorSamples { say("probe: error sample: \(sample)") }
exit(0)
