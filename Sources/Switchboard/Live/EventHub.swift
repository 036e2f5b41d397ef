import Foundation
import HTTPServer
import Synchronization

/// The live bus: agents' open Server-Sent Events streams, and publishing to them.
public final class EventHub: @unchecked Sendable {
    // @unchecked: `heartbeat` is set in init and cancelled in deinit only; the rest is Mutex/Atomic.
    private struct Subscriber: Sendable {
        let agent: Agent
        let stream: EventStream
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(1)
    private let sequence = Atomic<UInt64>(0)
    private let heartbeat: DispatchSourceTimer

    /// - Parameter heartbeatSeconds: how often a comment line keeps idle streams alive through proxies.
    public init(heartbeatSeconds: Double = 15) {
        heartbeat = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sse-heartbeat"))
        heartbeat.schedule(deadline: .now() + heartbeatSeconds, repeating: heartbeatSeconds)
        heartbeat.setEventHandler { [weak self] in self?.beat() }
        heartbeat.resume()
    }

    deinit { heartbeat.cancel() }

    /// Adds `stream` for `agent`; it is dropped when the stream ends.
    public func subscribe(_ agent: Agent, stream: EventStream) {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = Subscriber(agent: agent, stream: stream) }
        stream.onTermination { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        stream.send(event: "hello", data: #"{"agentId":\#(agent.id)}"#)
    }

    /// Number of open streams.
    public var count: Int { subscribers.withLock { $0.count } }

    /// Sends `event` with JSON `data` to every agent `audience` accepts. The data is made
    /// only when somebody receives it, and framed once for all of them.
    public func publish(event: String, data: () -> [UInt8], to audience: (Agent) -> Bool) {
        let id = String(sequence.add(1, ordering: .relaxed).newValue)
        let targets = subscribers.withLock { $0.values.filter { audience($0.agent) } }
        guard !targets.isEmpty else { return }
        let frame = data().withUnsafeBufferPointer { EventStream.frame(event: event, id: id, data: $0) }
        for target in targets { target.stream.send(frame: frame) }
    }

    /// Closes every stream (shutdown).
    public func closeAll() {
        let all = subscribers.withLock { $0.values.map(\.stream) }
        for stream in all { stream.close() }
    }

    private func beat() {
        let all = subscribers.withLock { $0.values.map(\.stream) }
        for stream in all { stream.sendComment("keep-alive") }
    }
}
