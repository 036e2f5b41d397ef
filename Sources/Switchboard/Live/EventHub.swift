import Foundation
import HTTPServer
import Store
import Synchronization

/// The live bus: agents' open Server-Sent Events streams, and publishing to them.
public final class EventHub: @unchecked Sendable {
    // @unchecked: `heartbeat` is set in init and cancelled in deinit only; `recent` is touched
    // on the `publishing` queue only; the rest is Mutex/Atomic.
    private struct Subscriber: Sendable {
        let agent: Agent
        let stream: EventStream
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(1)
    /// The id of the last update published. It starts from the boot time in milliseconds × 1000,
    /// so ids keep growing across restarts (under a million updates a second): a Last-Event-ID
    /// from before a restart is older than anything kept, and the client is told to reload.
    private let sequence = Atomic<UInt64>(UInt64(max(0, Date().timeIntervalSince1970 * 1000)) * 1000)
    /// What a reconnecting stream may have missed (see RecentUpdates).
    private var recent = RecentUpdates(capacity: EventHub.kept)
    /// How many updates are kept for reconnecting streams: hours at a sales team's pace,
    /// a fraction of a second under a benchmark's.
    static let kept = 10_000
    private let heartbeat: DispatchSourceTimer
    /// Updates committed but not yet sent, in commit order; drained on `publishing`.
    private let outbox = Mutex<[LiveUpdate]>([])
    /// One serial queue: encoding costs the writer nothing and the order is kept.
    private let publishing = DispatchQueue(label: "live-publisher")
    /// The agent as stored now (nil once removed), looked up at each heartbeat.
    private let currentAgent = Mutex<(@Sendable (Int) throws -> Agent?)?>(nil)
    /// When the last open stream ended (uptime nanoseconds; 0: never).
    private let lastStreamEnded = Atomic<UInt64>(0)
    /// The last id published before updates went unmade for want of listeners (0: none went unmade).
    private let unmadeAfter = Atomic<UInt64>(0)

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

    /// Adds `stream` for `agent`; it is dropped when the stream ends. With `lastEventId` (the
    /// client's `Last-Event-ID` after a reconnect) the updates for this agent published since
    /// are sent first; when they are no longer all kept, a `reset` event says to reload instead.
    /// Done on the publishing queue, so no update is both sent again and live, or neither.
    public func subscribe(_ agent: Agent, stream: EventStream, lastEventId: String? = nil) {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        publishing.sync {
            subscribers.withLock { $0[id] = Subscriber(agent: agent, stream: stream) }
            stream.onTermination { [weak self] in
                guard let self else { return }
                _ = subscribers.withLock { $0.removeValue(forKey: id) }
                lastStreamEnded.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            }
            let latest = sequence.load(ordering: .relaxed)
            let hello = #"{"agentId":\#(agent.id)}"#
            // With the id of the last update published: a stream that drops before its first event
            // resumes from here (EventSource sends the last id it saw) instead of losing what came meanwhile.
            guard let lastEventId else {
                stream.send(event: "hello", id: String(latest), data: hello)
                return
            }
            guard let last = UInt64(lastEventId.trimmingCharacters(in: .whitespaces)),
                  let missed = recent.after(last, latest: latest, unmadeAfter: unmadeAfter.load(ordering: .relaxed).nonZero) else {
                stream.send(event: "hello", id: String(latest), data: hello)
                stream.send(event: "reset", data: #"{"reason":"events since Last-Event-ID are no longer kept: reload"}"#)
                return
            }
            // Resuming: hello keeps the client's own id, and each missed update then carries its own,
            // so a stream that drops again before they all arrive resumes from the last one it got
            // (hello with the newest id made it skip the rest).
            stream.send(event: "hello", id: String(last), data: hello)
            var output: [UInt8] = []
            var sentUpTo = last
            for (missedId, update) in missed where update.isFor(agent) {
                output += update.frame(id: missedId)
                sentUpTo = missedId
            }
            // Then the newest id alone (no event fires; the client's last id moves on), so the
            // updates meant for others do not have to be looked through again at its next
            // reconnect, or cost it a needless reset once they are no longer kept.
            if sentUpTo < latest { output += Array("id: \(latest)\n\n".utf8) }
            if !output.isEmpty { stream.send(frame: output) }
        }
    }

    /// Up to this many open streams the WAL syncer drains webhook updates itself.
    static let streamsDrainedOnSyncer = 8

    /// Number of open streams.
    public var count: Int { subscribers.withLock { $0.count } }

    /// Whether updates are worth making: a stream is open, or one closed less than
    /// `resumeWindowNanos` ago and may reconnect with Last-Event-ID. With nobody listening for
    /// that long, the writer skips building screen-pops; the last id before the skipped ones is
    /// noted, so a stream resuming from it or earlier gets `reset` rather than a silent gap.
    var isListenedTo: Bool {
        if count > 0 { return true }
        let left = lastStreamEnded.load(ordering: .relaxed)
        if left != 0 && DispatchTime.now().uptimeNanoseconds - left < Self.resumeWindowNanos { return true }
        unmadeAfter.store(sequence.load(ordering: .relaxed), ordering: .relaxed)
        return false
    }

    /// How long after the last stream ends updates are still made and kept: 10 minutes.
    static let resumeWindowNanos: UInt64 = 600 * 1_000_000_000

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
            for update in updates { recent.append(sequence.add(1, ordering: .relaxed).newValue, update) }
            return
        }
        var output = [[UInt8]](repeating: [], count: targets.count)
        for update in updates {
            let number = sequence.add(1, ordering: .relaxed).newValue
            recent.append(number, update)
            var frame: [UInt8]?
            for index in targets.indices where update.isFor(targets[index].agent) {
                if frame == nil { frame = update.frame(id: number) }
                guard let frame else { continue }
                // A stream's first frame of the drain is shared, not copied (the usual single update).
                if output[index].isEmpty { output[index] = frame } else { output[index].append(contentsOf: frame) }
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

    /// Ends the streams of agents that are gone or whose key was replaced, and refreshes the
    /// others' roles (run at each heartbeat, and at once after a key is replaced through the API).
    /// A failed lookup leaves the stream as it is, to be checked at the next one.
    func recheckAgents() {
        guard let lookup = currentAgent.withLock({ $0 }) else { return }
        for (id, subscriber) in subscribers.withLock({ $0 }) {
            let found: Agent?
            do { found = try lookup(subscriber.agent.id) } catch { continue }
            // Removed, or its key replaced (it may have leaked): the stream's onTermination drops the subscriber.
            guard let found, found.keyHash == subscriber.agent.keyHash else {
                subscriber.stream.close()
                continue
            }
            if found != subscriber.agent {
                // Only while it is still there: a stream that ended meanwhile stays gone.
                subscribers.withLock { if $0[id] != nil { $0[id] = Subscriber(agent: found, stream: subscriber.stream) } }
            }
        }
    }
}

private extension UInt64 {
    var nonZero: UInt64? { self == 0 ? nil : self }
}
