import Foundation
import HTTPClient
import HTTPServer
import Store
import Synchronization

/// Click-to-call: choose the SIP account, record the call, ask the provider to dial.
///
/// The call row exists before anything is dialled (so the timeline shows it and
/// the provider's webhooks land on it); the request key is UNIQUE, so the same
/// idempotency key dials once; a request the provider may have received is never sent again.
final class ClickToCall: Sendable {
    let store: Store
    let integrations: IntegrationDirectory
    let presence: PresenceService
    let dialer: Dialer
    /// SIP accounts a request is dialling right now, so two agents falling back at once do not get the same one.
    private let dialling = Mutex<Set<String>>([])
    /// Agent and number of each request being placed: a double click dials once.
    private let placing = Mutex<Set<String>>([])

    init(store: Store, integrations: IntegrationDirectory, client: HTTPClient) {
        self.store = store
        self.integrations = integrations
        let api = ProviderAPI(client: client)
        presence = PresenceService(api: api)
        dialer = Dialer(api: api)
    }

    /// What the agent gets back.
    struct Placed: Encodable, Sendable {
        let requestId: String
        let call: CallRecord?
        let integrationId: Int
        let sipAccount: String
        let requestedSipAccount: String
        let fallback: Bool
        let fallbackReason: String?
        let state: String
        let providerCallId: String?
        let error: String?
    }

    /// The integration that places calls: the one named, or the only one with dialer settings.
    func integration(named id: Int?) throws -> Integration {
        if let id {
            guard let found = try integrations.find(id: id) else { throw DomainError.unprocessable("no integration \(id)") }
            guard found.settings.dialer != nil else { throw DomainError.unprocessable("integration \(found.name) cannot place calls (no dialer settings)") }
            return found
        }
        let dialers = try integrations.list().filter { $0.settings.dialer != nil }
        guard let only = dialers.first else {
            throw DomainError.unprocessable("no integration is set up to place calls: give one a \"dialer\" in its settings (README.md, Click-to-call)")
        }
        guard dialers.count == 1 else {
            throw DomainError.unprocessable("several integrations place calls; choose one with integrationId (\(dialers.map { "\($0.id) \($0.name)" }.joined(separator: ", ")))")
        }
        return only
    }

    /// Checked again inside the write that records the request (the route checked on a read
    /// connection): the number may have become another agent's client since, by a webhook or
    /// another agent's click on the same new number, and the client called (`contactId`, when
    /// the call is for one) may have gone to another agent, its number elsewhere. (The caller's
    /// own role is the request's: `WriteGuard`.)
    private static func checkCallable(_ number: String, contactId: Int?, by agent: Agent, in db: Database) throws {
        if let contactId {
            let owner = try db.queryOne("SELECT owner_agent_id FROM contacts WHERE id = ?", contactId)
            guard let owner, agent.canSee(contactOwner: owner.int("owner_agent_id")) else { throw DomainError.notFound("no contact \(contactId)") }
            guard agent.canWrite(contactOwner: owner.int("owner_agent_id")) else { throw DomainError.forbidden("you may not call this client") }
        }
        if let client = try client(of: number, in: db), !agent.canWrite(contactOwner: client.owner) {
            throw ClickToCall.notYourClient
        }
    }

    /// The contact `number` belongs to and its owner; nil when no contact has it.
    static func client(of number: String, in db: Database) throws -> (id: Int, owner: Int?)? {
        guard let row = try db.queryOne("""
            SELECT c.id, c.owner_agent_id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id WHERE p.phone = ?
            """, number), let id = row.int("id") else { return nil }
        return (id, row.int("owner_agent_id"))
    }

    /// Calling a number that is a client the caller may not write to; names no contact.
    static let notYourClient = DomainError.forbidden("you may not call this number: it belongs to a client that is not yours")

    /// Places a call from `agent` to `number` (E.164). Returns the HTTP status and the outcome.
    /// `asked`: the request as the client sent it (`ClickToCall.asked`), which a retry with the same key must repeat.
    func place(agent: Agent, integration: Integration, number: String, contactId: Int?, dealId: Int?, key: String,
               asked: String) throws -> (Int, Placed) {
        guard let settings = integration.settings.dialer else { throw DomainError.unprocessable("integration cannot place calls") }
        guard let requested = settings.sipAccount ?? agent.sipLogins.first else {
            throw DomainError.unprocessable("agent \(agent.name) has no SIP account and integration \(integration.name) has none configured for outbound calls")
        }
        let requestKey = "agent:\(agent.id):\(key)"
        if let existing = try existing(requestKey, asked: asked, worked: (number, integration.id)) { return existing }
        // The same agent calling the same number while that request is still being placed (a double
        // click without an Idempotency-Key): not a second call through another account.
        let attempt = "\(agent.id):\(number)"
        guard placing.withLock({ $0.insert(attempt).inserted }) else {
            throw ClickToCallError.inProgress("a call from \(agent.name) to \(number) is already being placed")
        }
        defer { _ = placing.withLock { $0.remove(attempt) } }

        // Choose the account: the requested one if online and free, else a random online free one.
        let snapshot = try presence.snapshot(for: integration)
        let (sip, reason) = try dialling.withLock { busy -> (String, String?) in
            func free(_ login: String) -> Bool {
                snapshot.online.contains(login) && !snapshot.speaking.contains(login) && !busy.contains("\(integration.id):\(login)")
            }
            // No presence source at all (Twilio, or a template provider without presenceURL, before any
            // presence webhook), or the status API failed and no push named the account: nothing says
            // it is offline, so it is used as asked (not swapped for an account a push said is online).
            let unknown = !snapshot.hasSource || (snapshot.statusAPIError != nil && !snapshot.known.contains(requested))
            if unknown && !busy.contains("\(integration.id):\(requested)") {
                busy.insert("\(integration.id):\(requested)")
                return (requested, nil)
            }
            if free(requested) {
                busy.insert("\(integration.id):\(requested)")
                return (requested, nil)
            }
            // Without a presence source an account is never known offline: only busy placing a call.
            let placingNow = busy.contains("\(integration.id):\(requested)")
            let why = placingNow ? "placing another call" : !snapshot.online.contains(requested) ? "offline" : "busy"
            guard let pick = snapshot.online.filter(free).randomElement() else {
                throw ClickToCallError.noneOnline("SIP account \(requested) is \(why) and no other SIP account of \(integration.name) is online and free; nothing was dialled")
            }
            busy.insert("\(integration.id):\(pick)")
            return (pick, "SIP account \(requested) is \(why); used \(pick) instead")
        }
        defer { _ = dialling.withLock { $0.remove("\(integration.id):\(sip)") } }

        let requestId = UUID().uuidString.lowercased()
        let now = Timestamp.now()
        let request = CallRequest(requestId: requestId, agentId: agent.id, contactId: contactId, number: number, sipAccount: sip, dealId: dealId)
        let inserted = try store.writeAndWait { db -> Bool in
            try Self.checkCallable(number, contactId: contactId, by: agent, in: db)
            let rows = try db.execute("""
                INSERT INTO click_to_call(request_key, agent_id, integration_id, number, sip_account, requested_sip_account,
                                          fallback_reason, state, created_at, updated_at, asked)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'dialing', ?, ?, ?) ON CONFLICT(request_key) DO NOTHING
                """, requestKey, agent.id, integration.id, number, sip, requested, reason, now, now, asked)
            guard rows > 0 else { return false }
            let rowId = db.lastInsertRowID
            let outcome = try EventLog.record(.callRequested(request), source: "api", integrationId: integration.id,
                                              key: "c2c:\(requestId):requested", rawBody: nil, receivedAt: now, in: db, settings: .fromDatabase)
            if case .applied(_, let result) = outcome {
                try db.execute("UPDATE click_to_call SET call_id = ? WHERE id = ?", result.callId, rowId)
            }
            return true
        }
        // Lost a race with the same key on another connection: answer what that one did.
        guard inserted else {
            return try existing(requestKey, asked: asked, worked: (number, integration.id))
                ?? (409, placeholder(requestId, integration, sip, requested, reason))
        }

        var state: String
        var providerCallId: String?
        var failure: Error?
        var (used, note) = (sip, reason)
        do {
            providerCallId = try dialer.dial(integration, number: number, sip: sip, requestId: requestId)
            state = "dialed"
        } catch let error as ClickToCallError {
            failure = error
            // A timeout or a 5xx may have dialled: the request and its call stay "unknown", not failed.
            state = error.mayHaveDialled ? "unknown" : "failed"
            // The provider refused this account (it answered, so nothing was placed): another online
            // free one is tried once, as when the account was offline to begin with.
            if case .providerRefused(let message) = error, snapshot.hasSource, let other = reserve(anotherThan: sip, in: snapshot, integration) {
                defer { _ = dialling.withLock { $0.remove("\(integration.id):\(other)") } }
                let why = "SIP account \(sip) was refused (\(message)); used \(other) instead"
                (used, note) = (other, why)
                try recordOutcome { db in
                    try db.execute("UPDATE click_to_call SET sip_account = ?, fallback_reason = ? WHERE request_key = ?", other, why, requestKey)
                }
                do {
                    // Its own id: a provider that de-duplicates on it would answer the refusal again.
                    providerCallId = try dialer.dial(integration, number: number, sip: other, requestId: Self.fallbackRequestId(requestId))
                    (state, failure) = ("dialed", nil)
                } catch {
                    let again = error as? ClickToCallError ?? .providerRefused(Self.message(of: error))
                    if again.mayHaveDialled {
                        // It may have dialled through `other`: the request and the call name it.
                        (state, failure) = ("unknown", again)
                    } else {
                        // Refused too: the request names the account asked for again (as does the
                        // call), and the error both refusals.
                        (state, used, note) = ("failed", sip, reason)
                        failure = ClickToCallError.providerRejected("SIP account \(sip) was refused (\(message)); \(other) too: \(again.message)")
                        try recordOutcome { db in
                            try db.execute("UPDATE click_to_call SET sip_account = ?, fallback_reason = ? WHERE request_key = ?", sip, reason, requestKey)
                        }
                    }
                }
            }
        } catch {
            // Settings that cannot make a request (Twilio without a SIP domain for a bare login):
            // nothing was sent; the request is failed with the reason, not left dialing.
            (failure, state) = (error, "failed")
        }
        let finished = Timestamp.now()
        let event: DomainEvent
        switch state {
        case "dialed": event = .callDialed(requestId: requestId, providerCallId: providerCallId, sipAccount: used, note: note)
        case "unknown":
            let unconfirmed = if case .providerTimedOut? = failure as? ClickToCallError {
                "the provider did not confirm the request in time; it may have dialled"
            } else {
                "the provider answered with an error (\(failure.map(Self.message(of:)) ?? "?")); it may have dialled"
            }
            event = .callDialed(requestId: requestId, providerCallId: nil, sipAccount: used, note: note.map { "\($0); \(unconfirmed)" } ?? unconfirmed)
        default: event = .callDialFailed(requestId: requestId, reason: failure.map(Self.message(of:)) ?? "failed")
        }
        let errorText = failure.map(Self.message(of:))
        // The agent is told the call may exist, and how to find it (a 502 read like a refusal, and a
        // client without an Idempotency-Key dialled again). Only in this answer: a retry is the way.
        if state == "unknown", let error = failure as? ClickToCallError, case .providerRejected = error {
            failure = error.adding("; the call may have been placed (request \(requestId)): "
                + "retry with the same Idempotency-Key to find it, or look for it on the client's timeline")
        }
        let answered = failure as? HTTPResponseError
        let (dialledId, finalState, errorStatus, errorCode) = (providerCallId, state, answered?.status, answered?.code)
        try recordOutcome { db in
            try db.execute("""
                UPDATE click_to_call SET state = ?, provider_call_id = ?, error = ?, error_status = ?, error_code = ?, updated_at = ?
                WHERE request_key = ?
                """, finalState, dialledId, errorText, SQLValue(errorStatus), SQLValue(errorCode), finished, requestKey)
            _ = try EventLog.record(event, source: "api", integrationId: integration.id, key: "c2c:\(requestId):\(finalState)",
                                    rawBody: nil, receivedAt: finished, in: db, settings: .fromDatabase)
        }
        if let failure { throw failure }
        return try existing(requestKey, asked: asked, worked: (number, integration.id)).map { (201, $0.1) }
            ?? (201, placeholder(requestId, integration, sip, requested, reason))
    }

    /// Records what the provider did once the request was placed: whatever happened to the
    /// caller's rights meanwhile (`WriteGuard`: their key replaced or role changed while the call
    /// was being dialled), the call exists, and refusing this left the request `dialing` for ever.
    private func recordOutcome(_ body: @escaping @Sendable (Database) throws -> Void) throws {
        try WriteGuard.withCheck(nil) { try store.writeAndWait(body) }
    }

    /// What the agent is told of a failed attempt.
    static func message(of error: Error) -> String {
        (error as? ClickToCallError)?.message ?? (error as? DomainError)?.message ?? "\(error)"
    }

    /// The id the provider is given for the attempt through another account: the request's with "-2".
    static func fallbackRequestId(_ requestId: String) -> String { requestId + "-2" }

    /// Reserves an online free account of `integration` other than `refused`, if there is one.
    private func reserve(anotherThan refused: String, in snapshot: PresenceService.Snapshot, _ integration: Integration) -> String? {
        dialling.withLock { busy -> String? in
            let candidates = snapshot.online.filter {
                $0 != refused && !snapshot.speaking.contains($0) && !busy.contains("\(integration.id):\($0)")
            }
            guard let pick = candidates.randomElement() else { return nil }
            busy.insert("\(integration.id):\(pick)")
            return pick
        }
    }

    /// A request already made with this key: its outcome, without dialling again.
    /// What `agent`'s earlier request with this Idempotency-Key did, when there was one; looked up
    /// before the client, number and integration are worked out again (a contact's first number
    /// or the integrations able to dial may have changed since, and the retry must still find it).
    func replay(agent: Agent, key: String, asked: String) throws -> (Int, Placed)? {
        try existing("agent:\(agent.id):\(key)", asked: asked, worked: nil)
    }

    /// The request as the client sent it, for comparing a retry with: the members that choose
    /// whom to call, through which integration, for which deal.
    static func asked(contactId: Int?, number: String?, region: String?, integrationId: Int?, dealId: Int?) -> String {
        [("contactId", contactId.map(String.init)), ("number", number?.trimmedSpaces), ("region", region),
         ("integrationId", integrationId.map(String.init)), ("dealId", dealId.map(String.init))]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }.joined(separator: "&")
    }

    /// What the request with this key did, when there was one. A key used before for another
    /// request (another number, client, integration or deal) is 422: that request is not this one
    /// (it answered 200 with the first call, and the client took the new number for dialled).
    /// Requests stored before migration 029 kept no `asked`: they are compared by the number and
    /// integration `worked` out for this one (nil: not yet, so none is answered from here).
    private func existing(_ requestKey: String, asked: String, worked: (number: String, integrationId: Int)?) throws -> (Int, Placed)? {
        try store.read { db -> (Int, Placed)? in
            guard let row = try db.queryOne("SELECT * FROM click_to_call WHERE request_key = ?", requestKey) else { return nil }
            let refused = "this Idempotency-Key was used for a different request"
            if let first = row.string("asked") {
                guard first == asked else { throw DomainError.unprocessable("\(refused) (\(first)); use a new key for a new call") }
            } else {
                guard let worked else { return nil }
                guard row.string("number") == worked.number, row.int("integration_id") == worked.integrationId else {
                    throw DomainError.unprocessable("\(refused) (a call to \(row.string("number") ?? "?")); use a new key for a new call")
                }
            }
            let call = try row.int("call_id").flatMap { try CallRecord.load(db, id: $0) }
            let placed = Placed(requestId: String((call?.providerCallId ?? "").dropFirst(4)), call: call,
                                integrationId: row.int("integration_id") ?? 0,
                                sipAccount: row.string("sip_account") ?? "", requestedSipAccount: row.string("requested_sip_account") ?? "",
                                fallback: row.string("fallback_reason") != nil, fallbackReason: row.string("fallback_reason"),
                                state: row.string("state") ?? "", providerCallId: row.string("provider_call_id"), error: row.string("error"))
            if placed.state == "dialing" { return (409, placed) }
            // Failed: answered as the first request was, not 200 with the state. A timeout may have
            // dialled: its request and call are answered (200, state unknown), so a client finds the call.
            if placed.state == "failed", let status = row.int("error_status"), let code = row.string("error_code") {
                throw HTTPError(status, code: code, placed.error ?? "failed")
            }
            return (200, placed)
        }
    }

    private func placeholder(_ id: String, _ integration: Integration, _ sip: String, _ requested: String, _ reason: String?) -> Placed {
        Placed(requestId: id, call: nil, integrationId: integration.id, sipAccount: sip, requestedSipAccount: requested,
               fallback: reason != nil, fallbackReason: reason, state: "dialing", providerCallId: nil, error: nil)
    }
}
