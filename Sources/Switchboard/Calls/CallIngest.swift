import Foundation
import HTTPServer
import Store
import Telemetry

/// Stores call events through the writer and answers the provider after the commit.
struct CallIngest: Sendable {
    let store: Store
    let hub: EventHub

    /// Records `events` (one delivery may map to several) in one write job; the
    /// answer is sent after commit and the live updates published after that.
    func ingest(_ events: [CallEvent], integration: Integration, rawBody: [UInt8], responder: Responder) {
        let receivedAt = Timestamp.now()
        // Hashed only when a key needs it (an event without an id); otherwise no key reads it.
        let bodyHash = events.contains(where: { $0.eventId == nil }) ? Crypto.sha256Digest(rawBody) : SHA256Digest { _ in }
        let integrationId = integration.id
        // Encoding happens here, on the event loop, so the single writer only writes; so does the
        // parsing of client numbers, handed to the writer.
        let (prepared, numbers) = Self.prepare(events, integrationId: integrationId, region: integration.region, bodyHash: bodyHash)
        let settings = SettingsLookup.preferring(integration)
        let listening = hub.isListenedTo
        // The closures take the few fields they use: a copy of the whole integration for each
        // (its settings, names, secrets) cost more than the fields.
        let source = integration.provider.rawValue
        let settingsVersion = integration.settingsVersion
        let integrationName = integration.name
        store.write({ db -> [EventLog.Outcome] in
            try zip(prepared, numbers).map { item, number in
                try EventLog.record(item.event, source: source, integrationId: integrationId,
                                    key: item.key, rawBody: rawBody, receivedAt: receivedAt, in: db, settings: settings,
                                    payload: item.payload, wantsLiveUpdates: listening, parsedNumber: number,
                                    settingsVersion: settingsVersion)
            }
        }, completion: { result in
            switch result {
            case .success(let outcomes):
                responder.send(.json(bytes: IngestReply(outcomes).json))
                var updates: [LiveUpdate] = []
                for case .applied(let eventId, let applied) in outcomes {
                    // Taken as they are when they are all (one event a delivery, usually): not copied.
                    if updates.isEmpty { updates = applied.updates } else { updates += applied.updates }
                    if let warning = applied.warning {
                        var fields: [(String, LogValue)] = [("integration", .string(integrationName)), ("eventId", .int(eventId))]
                        if let callId = applied.callId { fields.append(("callId", .int(callId))) }
                        fields.append(("warning", .string(warning)))
                        Logger.shared.log(.warning, "call event stored with a warning", fields)
                    }
                }
                hub.publishAfterCommit(updates)
            case .failure(let error):
                responder.send(error: error)
            }
        })
    }
}

extension CallIngest {
    /// Each event as the writer records it (with its payload and idempotency key), and its client
    /// number parsed for `region`. One pass, each event moved into its DomainEvent last: two maps
    /// copied every event (a dozen retains and releases) twice more.
    static func prepare(_ events: [CallEvent], integrationId: Int, region: String?, bodyHash: SHA256Digest)
        -> (prepared: [(event: DomainEvent, payload: String, key: String)], numbers: [PhoneNumber.Parsed?]) {
        var prepared: [(event: DomainEvent, payload: String, key: String)] = []
        var numbers: [PhoneNumber.Parsed?] = []
        prepared.reserveCapacity(events.count)
        numbers.reserveCapacity(events.count)
        for event in events {
            let payload = event.domainEventJSON
            let key = idempotencyKey(integrationId: integrationId, event: event, bodyHash: bodyHash)
            numbers.append(event.clientNumber.map { PhoneNumber.Parsed($0.trimmedSpaces, region: region) })
            prepared.append((event: DomainEvent.call(event), payload: payload, key: key))
        }
        return (prepared, numbers)
    }

    /// `<integration>:e:<provider event id>`, or without one `<integration>:c:<call id>:<kind>:<body hash>`,
    /// the body hash being the first 32 hex digits of the body's SHA-256.
    static func idempotencyKey(integrationId: Int, event: CallEvent, bodyHash: SHA256Digest) -> String {
        var id = String(integrationId)
        if let eventId = event.eventId { return .concatenating(id, ":e:", eventId) }
        // Written in place, the hash's hex included: no string is made for the pieces.
        var callId = event.callId
        var kind = event.kind.rawValue
        let count = id.utf8.count + 3 + callId.utf8.count + 1 + kind.utf8.count + 1 + 32
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            func put(_ text: inout String) {
                text.withUTF8 { bytes in
                    guard let source = bytes.baseAddress, let target = out.baseAddress else { return }
                    (target + at).update(from: source, count: bytes.count)
                    at += bytes.count
                }
            }
            func put(_ byte: UInt8) {
                out[at] = byte
                at += 1
            }
            put(&id)
            put(58)   // ":c:"
            put(99)
            put(58)
            put(&callId)
            put(58)
            put(&kind)
            put(58)
            at += bodyHash.writeHex(prefix: 16, into: UnsafeMutableBufferPointer(rebasing: out[at...]))
            return at
        }
    }
}

/// The body of a webhook's 200: what was stored, or that it was a duplicate.
struct IngestReply {
    let outcomes: [EventLog.Outcome]

    init(_ outcomes: [EventLog.Outcome]) { self.outcomes = outcomes }

    /// `duplicate` when every event was one (and there was one), else `stored`.
    var status: String {
        !outcomes.isEmpty && outcomes.allSatisfy { if case .duplicate = $0 { true } else { false } } ? "duplicate" : "stored"
    }
}

extension IngestReply {
    /// Written by hand, straight from the outcomes: this answers every webhook, and JSONEncoder
    /// is slow on Linux. Each event's keys in the order the reply has always had them
    /// (status, eventId, callId, contactId, taskId, flag, warning); nil ones left out.
    var json: [UInt8] {
        // Outer keys in sorted order, as JSONEncoder with .sortedKeys wrote them before.
        var w = JSONObjectWriter(capacity: 48 + 80 * outcomes.count)
        w.objects("events", outcomes) { outcome, e in
            switch outcome {
            case .duplicate(let id):
                e.string("status", "duplicate")
                e.int("eventId", id)
            case .applied(let id, let result):
                e.string("status", result.flag == nil ? "stored" : "flagged")
                e.int("eventId", id)
                e.int("callId", result.callId)
                e.int("contactId", result.contactId)
                e.int("taskId", result.taskId)
                e.string("flag", result.flag)
                e.string("warning", result.warning)
            }
        }
        w.string("status", status)
        return w.finish()
    }
}
