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
                    updates += applied.updates
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
    struct Item {
        let status: String
        let eventId: Int
        let callId: Int?
        let contactId: Int?
        let taskId: Int?
        let flag: String?
        let warning: String?
    }

    let status: String
    let events: [Item]

    init(_ outcomes: [EventLog.Outcome]) {
        events = outcomes.map { outcome in
            switch outcome {
            case .duplicate(let id):
                return Item(status: "duplicate", eventId: id, callId: nil, contactId: nil, taskId: nil, flag: nil, warning: nil)
            case .applied(let id, let result):
                return Item(status: result.flag == nil ? "stored" : "flagged", eventId: id, callId: result.callId,
                            contactId: result.contactId, taskId: result.taskId, flag: result.flag, warning: result.warning)
            }
        }
        status = events.allSatisfy { $0.status == "duplicate" } && !events.isEmpty ? "duplicate" : "stored"
    }
}

extension IngestReply {
    /// Written by hand: this answers every webhook, and JSONEncoder is slow on Linux.
    var json: [UInt8] {
        // Outer keys in sorted order, as JSONEncoder with .sortedKeys wrote them before.
        var w = JSONObjectWriter(capacity: 48 + 80 * events.count)
        w.objects("events", events) { item, e in
            e.string("status", item.status)
            e.int("eventId", item.eventId)
            e.int("callId", item.callId)
            e.int("contactId", item.contactId)
            e.int("taskId", item.taskId)
            e.string("flag", item.flag)
            e.string("warning", item.warning)
        }
        w.string("status", status)
        return w.finish()
    }
}
