import Foundation
import HTTPClient
import Store
import Synchronization
import Telemetry

/// Works through `wa_outbox`: POSTs each pending part to its channel's provider through libcurl
/// (Meta's Cloud API, or Wazzup's `POST /v3/message`: see `WhatsAppSender+Wazzup.swift`) and
/// records the outcome as a domain event (`whatsappSent` with the provider's message id, or
/// `whatsappSendFailed`).
///
/// Never sent twice: a part is marked `sending` (committed) before its request leaves; only a
/// request that cannot have reached the provider (connection refused, 5xx, 429) is retried, with
/// exponential backoff and a bounded number of attempts. After a timeout or a failure after
/// sending, or when the daemon finds a part still `sending` at start-up, the part is `unknown`
/// and stays that way. The provider refusing it (4xx) makes it `failed` with the provider's error.
final class WhatsAppSender: @unchecked Sendable {
    // @unchecked: `kicked`, `stopped` and `thread` are only touched under `condition`;
    // `pass` makes outbox passes run one at a time; the rest is immutable or a Mutex.

    /// Limits of one send and of its retries.
    struct Tuning: Sendable {
        var maxAttempts = 5
        /// Delay before the first retry; doubled for each further one, at most `maxRetryDelay`.
        var firstRetryDelay: TimeInterval = 2
        var maxRetryDelay: TimeInterval = 300
        var connectTimeout: TimeInterval = 5
        var timeout: TimeInterval = 20
    }

    let store: Store
    let hub: EventHub
    let client: HTTPClient
    /// Changed by tests to keep timeouts short.
    let tuning = Mutex(Tuning())

    private let condition = NSCondition()
    private var kicked = false
    private var stopped = false
    private var finished: DispatchSemaphore?
    private let pass = NSLock()

    init(store: Store, hub: EventHub, client: HTTPClient) {
        self.store = store
        self.hub = hub
        self.client = client
    }

    /// Settles parts interrupted by a crash, then sends in the background until `stop`.
    func start() {
        recoverInterrupted()
        let done = DispatchSemaphore(value: 0)
        condition.lock()
        stopped = false
        finished = done
        condition.unlock()
        NamedThread.start("whatsapp-sender") { [self] in
            loop()
            done.signal()
        }
    }

    /// Wakes the background thread: something was queued.
    func kick() {
        condition.lock()
        kicked = true
        condition.signal()
        condition.unlock()
    }

    /// Stops the background thread after the part it is sending, if any.
    func stop() {
        condition.lock()
        stopped = true
        let done = finished
        finished = nil
        condition.signal()
        condition.unlock()
        done?.wait()
    }

    private func loop() {
        while true {
            runPass()
            let next = nextDue()
            condition.lock()
            if !kicked && !stopped {
                _ = condition.wait(until: min(next ?? .distantFuture, Date().addingTimeInterval(60)))
            }
            kicked = false
            let stop = stopped
            condition.unlock()
            if stop { return }
        }
    }

    private func nextDue() -> Date? {
        let next = try? store.read { db in try db.scalar("SELECT min(next_attempt_at) FROM wa_outbox WHERE state = 'pending'").string }
        return next.flatMap { $0 }.flatMap(Timestamp.parse)
    }

    /// Sends every part due at `now`, one attempt each; waits for a pass already running.
    /// Tests call it with a later `now` to run retries without waiting for their backoff.
    @discardableResult
    func runPass(now: Date = Date()) -> Int {
        pass.lock()
        defer { pass.unlock() }
        let due: [Row]
        do {
            due = try store.read { db in
                try db.query("""
                    SELECT o.id, o.outbound_id, o.request, m.channel_id FROM wa_outbox o JOIN wa_messages m ON m.outbound_id = o.outbound_id
                    WHERE o.state = 'pending' AND o.next_attempt_at <= ? ORDER BY o.id LIMIT 200
                    """, Timestamp.format(now))
            }
        } catch {
            Logger.shared.log(.error, "whatsapp outbox unreadable", [("error", .string("\(error)"))])
            return 0
        }
        var attempted = 0
        for row in due {
            guard let id = row.int("id"), let partId = row.string("outbound_id"), let channelId = row.int("channel_id") else { continue }
            do {
                if try attempt(id: id, partId: partId, channelId: channelId, request: row.string("request") ?? "") { attempted += 1 }
            } catch {
                // The part stays `sending` if the request may have left: start-up marks it unknown.
                Logger.shared.log(.error, "whatsapp send bookkeeping failed", [("part", .string(partId)), ("error", .string("\(error)"))])
            }
        }
        return attempted
    }

    /// One attempt at one part; false when another pass had already taken it.
    private func attempt(id: Int, partId: String, channelId: Int, request body: String) throws -> Bool {
        // Committed before the request leaves: a crash from here on leaves `sending`, never a resend.
        let claimed = try store.writeAndWait { db in
            try db.execute("UPDATE wa_outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'pending'", id) > 0
        }
        guard claimed else { return false }
        let attempts = try store.read { db in try db.scalar("SELECT attempts FROM wa_outbox WHERE id = ?", id).int } ?? 1
        let tuning = self.tuning.withLock { $0 }
        guard let channel = try store.read({ db in try Channel.load(db, id: channelId) }) else {
            try fail(partId, .failed, code: nil, "the channel was removed before the message was sent")
            return true
        }
        guard !channel.accessToken.isEmpty, let phoneNumberId = channel.phoneNumberId, !phoneNumberId.isEmpty else {
            try fail(partId, .failed, code: nil, "channel \(channel.name) has no access token or "
                + (channel.provider == .wazzup ? "Wazzup channel id" : "phone_number_id") + "; the message was not sent")
            return true
        }
        switch channel.provider {
        case .meta: try sendToMeta(id: id, partId: partId, channel: channel, phoneNumberId: phoneNumberId, body: body, attempts: attempts, tuning: tuning)
        case .wazzup: try sendToWazzup(id: id, partId: partId, channel: channel, entry: body, attempts: attempts, tuning: tuning)
        }
        return true
    }

    /// One POST of a part's stored Cloud API body to Meta.
    private func sendToMeta(id: Int, partId: String, channel: Channel, phoneNumberId: String, body: String, attempts: Int, tuning: Tuning) throws {
        var base = channel.settings.apiBase
        while base.hasSuffix("/") { base.removeLast() }
        let request = HTTPClient.Request(method: "POST", url: "\(base)/\(channel.settings.apiVersion)/\(phoneNumberId)/messages",
                                         headers: [("Authorization", "Bearer \(channel.accessToken)"), ("Content-Type", "application/json")],
                                         body: Array(body.utf8), connectTimeout: tuning.connectTimeout, timeout: tuning.timeout)
        let response: HTTPClient.Response
        do {
            response = try client.send(request)
        } catch {
            try settle(error, id: id, partId: partId, attempts: attempts, tuning: tuning, provider: "Meta")
            return
        }
        let (code, message) = OutboundMetaRequest.error(in: response.body)
        switch response.status {
        case 200..<300:
            if let wamid = OutboundMetaRequest.messageId(in: response.body) {
                try record(.whatsappSent(partId: partId, wamid: wamid), key: "wa-out:\(partId):sent")
            } else {
                try fail(partId, .unknown, code: nil, "Meta answered \(response.status) without a message id; the message may have been sent")
            }
        case 429, 500...:
            // Meta did not take it (overloaded, or throttling us): safe to try again later.
            try retryOrFail(id: id, partId: partId, attempts: attempts, tuning: tuning,
                            reason: "Meta answered \(response.status)" + (message.map { ": \($0)" } ?? ""), code: code)
        default:
            try fail(partId, .failed, code: code,
                     WhatsAppStatus.explain(code: code, message: message) ?? "Meta refused the message (HTTP \(response.status))")
        }
    }

    /// A request that did not complete: retried when it cannot have reached `provider`, `unknown` otherwise.
    /// `prefix` says which of a part's requests it was, when it was not the first.
    func settle(_ error: HTTPClientError, id: Int, partId: String, attempts: Int, tuning: Tuning, provider: String, prefix: String = "") throws {
        switch error.kind {
        case .notSent:
            try retryOrFail(id: id, partId: partId, attempts: attempts, tuning: tuning, reason: prefix + "\(provider) is unreachable: \(error.message)")
        case .timedOut:
            try fail(partId, .unknown, code: nil, prefix + "\(provider) did not answer within \(Self.seconds(tuning.timeout)); "
                + "the message may have been sent, so it was not sent again")
        case .failedAfterSending:
            try fail(partId, .unknown, code: nil, prefix + "the connection to \(provider) failed after the message was sent (\(error.message)); "
                + "it may have been delivered, so it was not sent again")
        }
    }

    func retryOrFail(id: Int, partId: String, attempts: Int, tuning: Tuning, reason: String, code: Int? = nil) throws {
        guard attempts < tuning.maxAttempts else {
            try fail(partId, .failed, code: code, "not sent after \(attempts) attempts; last: \(reason)")
            return
        }
        let delay = min(tuning.maxRetryDelay, tuning.firstRetryDelay * pow(2, Double(attempts - 1)))
        let next = Timestamp.format(Date().addingTimeInterval(delay))
        try store.writeAndWait { db in
            try db.execute("UPDATE wa_outbox SET state = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?", next, reason, id)
        }
    }

    func fail(_ partId: String, _ state: WhatsAppSendFailure.State, code: Int?, _ message: String) throws {
        try record(.whatsappSendFailed(WhatsAppSendFailure(partId: partId, state: state, errorCode: code, errorMessage: message)),
                   key: "wa-out:\(partId):\(state.rawValue)")
    }

    /// Records `event` (once, under `key`), then runs `then` in the same transaction.
    func record(_ event: DomainEvent, key: String, then: @escaping @Sendable (Database) throws -> Void = { _ in }) throws {
        let receivedAt = Timestamp.now()
        let outcome = try store.writeAndWait { db in
            let outcome = try EventLog.record(event, source: "whatsapp-sender", integrationId: nil, key: key, rawBody: nil,
                                              receivedAt: receivedAt, in: db, settings: .fromDatabase)
            try then(db)
            return outcome
        }
        if case .applied(_, let result) = outcome { hub.publishAfterCommit(result.updates) }
    }

    /// Parts left `sending` by a crash or a kill may have reached the provider: they become `unknown`, never resent.
    /// `pending` ones are simply sent by the next pass.
    func recoverInterrupted() {
        do {
            let interrupted = try store.read { db in
                try db.query("SELECT outbound_id FROM wa_outbox WHERE state = 'sending'").compactMap { $0.string("outbound_id") }
            }
            for partId in interrupted {
                try fail(partId, .unknown, code: nil, "the daemon stopped while this message was being sent; it may have reached the provider, "
                    + "so it was not sent again")
            }
        } catch {
            Logger.shared.log(.error, "whatsapp outbox recovery failed", [("error", .string("\(error)"))])
        }
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
