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
        var digest = Crypto.sha256(rawBody)
        digest.removeLast(digest.count - 16)
        let bodyHash = digest.hexString   // the first 32 hex digits
        let integrationId = integration.id
        // Encoding happens here, on the event loop, so the single writer only writes.
        let prepared = events.map { event in
            (event: DomainEvent.call(event), payload: event.domainEventJSON,
             key: Self.idempotencyKey(integrationId: integrationId, event: event, bodyHash: bodyHash))
        }
        // Client numbers are parsed here, on the event loop, and handed to the writer.
        let numbers = events.map { event in event.clientNumber.map { PhoneNumber.Parsed($0.trimmedSpaces, region: integration.region) } }
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
    /// `<integration>:e:<provider event id>`, or without one `<integration>:c:<call id>:<kind>:<body hash>`.
    static func idempotencyKey(integrationId: Int, event: CallEvent, bodyHash: String) -> String {
        let id = String(integrationId)
        if let eventId = event.eventId { return .concatenating(id, ":e:", eventId) }
        return .concatenating(id, ":c:", event.callId, ":", event.kind.rawValue, ":", bodyHash)
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
