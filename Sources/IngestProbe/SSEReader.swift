import Foundation
import Synchronization

/// Holds one Server-Sent Events stream open and notes when each probe event arrives.
///
/// The stream carries every event the load generator causes too (~600 bytes each),
/// so the reader only splits lines, counts `event:` lines and JSON-decodes the
/// `data:` lines that contain "probe-".
final class SSEReader: @unchecked Sendable {
    // @unchecked: `socket` is set before the thread starts and only read afterwards;
    // everything the two threads share is in `state`.
    struct State {
        var arrivals: [Int: UInt64] = [:]   // probe n -> monotonic ns at which its chunk was read
        var closedReason: String?           // why the stream ended (nil while open)
        var bytesRead = 0
        var eventsSeen = 0                  // "event:" lines, all events
        var mismatches = 0                  // lines with probe- whose JSON did not check out
        var isReady = false
    }

    let state = Mutex(State())
    private let socket: TCPSocket
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)

    /// Connects and sends the request; the thread starts reading at `start()`.
    init(host: String, port: Int, key: String) throws(ProbeError) {
        socket = try TCPSocket(host: host, port: port)
        socket.setReceiveBuffer(bytes: 4 << 20)
        try socket.send(Array("GET /api/v1/events HTTP/1.1\r\nHost: \(host):\(port)\r\nAuthorization: Bearer \(key)\r\nAccept: text/event-stream\r\n\r\n".utf8))
    }

    func start() {
        let thread = Thread { [self] in
            run()
            ready.signal()
            finished.signal()
        }
        thread.name = "sse-reader"
        thread.start()
    }

    /// Waits until the stream has said hello (true) or failed or `seconds` passed (false).
    func waitUntilReady(seconds: Double) -> Bool {
        guard ready.wait(timeout: .now() + seconds) == .success else { return false }
        return state.withLock { $0.isReady && $0.closedReason == nil }
    }

    /// Ends the stream and waits for the thread.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        socket.shutdownBoth()
        finished.wait()
    }

    private func run() {
        let capacity = 1 << 20
        let space = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { space.deallocate() }
        var pending: [UInt8] = []
        var isHeadDone = false
        do {
            while true {
                let count = try socket.receive(into: space)
                let now = monotonicNanoseconds()
                if count == 0 {
                    if !stopping.load(ordering: .relaxed) { state.withLock { $0.closedReason = "server closed the stream" } }
                    return
                }
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: space[0..<count]))
                state.withLock { $0.bytesRead += count }
                if !isHeadDone {
                    guard let end = pending.withUnsafeBufferPointer({ $0.firstIndex(of: "\r\n\r\n", from: 0, to: $0.count) }) else { continue }
                    let status = String(decoding: pending[0..<(pending.firstIndex(of: 13) ?? end)], as: UTF8.self)
                    guard status.contains(" 200") else {
                        state.withLock { $0.closedReason = "stream refused: \(status)" }
                        return
                    }
                    pending.removeFirst(end + 4)
                    isHeadDone = true
                }
                // Only complete lines; the rest waits for the next chunk.
                guard let cut = pending.lastIndex(of: 10) else { continue }
                scanLines(upTo: cut + 1, arrivedAt: now)
                pending.removeFirst(cut + 1)
            }
        } catch {
            if !stopping.load(ordering: .relaxed) { state.withLock { $0.closedReason = "stream error: \(error)" } }
        }

        func scanLines(upTo end: Int, arrivedAt now: UInt64) {
            var events = 0
            var sawHello = false
            var probeLines: [String] = []
            pending.withUnsafeBufferPointer { bytes in
                var start = 0
                while start < end {
                    let lineEnd = bytes.firstIndex(of: "\n", from: start, to: end) ?? end
                    if bytes.hasPrefix("event:", at: start, end: lineEnd) {
                        events += 1
                        if bytes.hasPrefix("event: hello", at: start, end: lineEnd) { sawHello = true }
                    } else if bytes.hasPrefix("data:", at: start, end: lineEnd),
                              bytes.firstIndex(of: "probe-", from: start, to: lineEnd) != nil {
                        probeLines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 5)..<lineEnd]), as: UTF8.self))
                    }
                    start = lineEnd + 1
                }
            }
            let probes = probeLines.map(Self.probeNumber)
            state.withLock { state in
                state.eventsSeen += events
                for number in probes {
                    if let number { if state.arrivals[number] == nil { state.arrivals[number] = now } } else { state.mismatches += 1 }
                }
                if sawHello && !state.isReady {
                    state.isReady = true
                    ready.signal()
                }
            }
        }
    }

    /// n of a `data:` line whose call.providerCallId is "probe-<n>", or nil.
    private static func probeNumber(_ json: String) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let call = object["call"] as? [String: Any],
              let callId = call["providerCallId"] as? String, callId.hasPrefix("probe-") else { return nil }
        return Int(callId.dropFirst(6))
    }
}
