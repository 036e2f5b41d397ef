import Foundation
import HTTPServer
import Store
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
    /// Updates committed but not yet sent, in commit order; drained on `publishing`.
    private let outbox = Mutex<[LiveUpdate]>([])
    /// One serial queue: encoding costs the writer nothing and the order is kept.
    private let publishing = DispatchQueue(label: "live-publisher")
    /// The agent as stored now (nil once removed), looked up at each heartbeat.
    private let currentAgent = Mutex<(@Sendable (Int) throws -> Agent?)?>(nil)

    /// - Parameter heartbeatSeconds: how often a comment line keeps idle streams alive through proxies.
    public init(heartbeatSeconds: Double = 15) {
        heartbeat = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sse-heartbeat"))
        heartbeat.schedule(deadline: .now() + heartbeatSeconds, repeating: heartbeatSeconds)
        heartbeat.setEventHandler { [weak self] in self?.beat() }
        heartbeat.resume()
    }

    deinit { heartbeat.cancel() }

    /// At each heartbeat every stream's agent is looked up again: a removed agent's streams
    /// end (its key no longer opens one either), and a changed role changes what it receives.
    func checkAgents(with lookup: @escaping @Sendable (Int) throws -> Agent?) {
        currentAgent.withLock { $0 = lookup }
    }

    /// Adds `stream` for `agent`; it is dropped when the stream ends.
    public func subscribe(_ agent: Agent, stream: EventStream) {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = Subscriber(agent: agent, stream: stream) }
        stream.onTermination { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        stream.send(event: "hello", data: #"{"agentId":\#(agent.id)}"#)
    }

    /// Up to this many open streams the WAL syncer drains webhook updates itself.
    static let streamsDrainedOnSyncer = 8

    /// Number of open streams.
    public var count: Int { subscribers.withLock { $0.count } }

    /// Publishes `updates` after their commit, in order. Updates that arrive while the
    /// previous ones are still being sent wait in the outbox and leave together: each
    /// subscriber gets one write per drain instead of one per event, and the queue one
    /// hop per drain instead of one per committed job.
    func publishAfterCommit(_ updates: [LiveUpdate]) {
        guard !updates.isEmpty else { return }
        let wasEmpty = outbox.withLock { waiting -> Bool in
            let wasEmpty = waiting.isEmpty
            waiting.append(contentsOf: updates)
            return wasEmpty
        }
        guard wasEmpty else { return }
        // From a webhook's answer on the WAL syncer, with few streams open: drained once that
        // flush's answers are out, on that thread (`sync` keeps drains in order with the queue's
        // own). With many streams the copying to each would hold up the syncer's next flush.
        if count <= Self.streamsDrainedOnSyncer,
           AfterAnswers.schedule({ [self] in publishing.sync { drainOutbox() } }) { return }
        publishing.async { [self] in drainOutbox() }
    }

    private func drainOutbox() {
        let updates = outbox.withLock { waiting -> [LiveUpdate] in
            defer { waiting.removeAll(keepingCapacity: true) }
            return waiting
        }
        let targets = subscribers.withLock { Array($0.values) }
        guard !targets.isEmpty else {
            _ = sequence.add(UInt64(updates.count), ordering: .relaxed)
            return
        }
        var output = [[UInt8]](repeating: [], count: targets.count)
        for update in updates {
            let id = String(sequence.add(1, ordering: .relaxed).newValue)
            var frame: [UInt8]?
            for index in targets.indices where update.isFor(targets[index].agent) {
                if frame == nil { frame = update.data.withUnsafeBufferPointer { EventStream.frame(event: update.event, id: id, data: $0) } }
                if let frame { output[index].append(contentsOf: frame) }
            }
        }
        for index in targets.indices where !output[index].isEmpty { targets[index].stream.send(frame: output[index]) }
    }

    /// Closes every stream (shutdown).
    public func closeAll() {
        let all = subscribers.withLock { $0.values.map(\.stream) }
        for stream in all { stream.close() }
    }

    private func beat() {
        recheckAgents()
        let all = subscribers.withLock { $0.values.map(\.stream) }
        for stream in all { stream.sendComment("keep-alive") }
    }

    /// Ends the streams of agents that are gone and refreshes the others' roles (run at each
    /// heartbeat). A failed lookup leaves the stream as it is, to be checked at the next one.
    func recheckAgents() {
        guard let lookup = currentAgent.withLock({ $0 }) else { return }
        for (id, subscriber) in subscribers.withLock({ $0 }) {
            let found: Agent?
            do { found = try lookup(subscriber.agent.id) } catch { continue }
            guard let found else {
                subscriber.stream.close()   // removed: the stream's onTermination drops the subscriber
                continue
            }
            if found != subscriber.agent {
                subscribers.withLock { $0[id] = Subscriber(agent: found, stream: subscriber.stream) }
            }
        }
    }
}
