import Foundation
import HTTPServer
import Store

/// Stores call events through the writer and answers the provider after the commit.
struct CallIngest: Sendable {
    let store: Store
    let hub: EventHub

    /// Records `events` (one delivery may map to several) in one write job; the
    /// answer is sent after commit and the live updates published after that.
    func ingest(_ events: [CallEvent], integration: Integration, rawBody: [UInt8], responder: Responder) {
        let receivedAt = Timestamp.now()
        let bodyHash = Crypto.sha256(rawBody).hexString.prefix(32)
        let integrationId = integration.id
        store.write({ db -> [EventLog.Outcome] in
            try events.map { event in
                let key = event.eventId.map { "\(integrationId):e:\($0)" }
                    ?? "\(integrationId):c:\(event.callId):\(event.kind.rawValue):\(bodyHash)"
                return try EventLog.record(.call(event), source: integration.provider.rawValue, integrationId: integrationId,
                                           key: key, rawBody: rawBody, receivedAt: receivedAt, in: db, settings: .fromDatabase)
            }
        }, completion: { result in
            switch result {
            case .success(let outcomes):
                responder.send(.json(bytes: JSONText.bytes(IngestReply(outcomes))))
                for case .applied(_, let applied) in outcomes {
                    for update in applied.updates { hub.publish(event: update.event, data: update.data, to: update.isFor) }
                }
            case .failure(let error):
                responder.send(error: error)
            }
        })
    }
}

/// The body of a webhook's 200: what was stored, or that it was a duplicate.
struct IngestReply: Encodable {
    struct Item: Encodable {
        let status: String
        let eventId: Int
        let callId: Int?
        let contactId: Int?
        let taskId: Int?
        let flag: String?
    }

    let status: String
    let events: [Item]

    init(_ outcomes: [EventLog.Outcome]) {
        events = outcomes.map { outcome in
            switch outcome {
            case .duplicate(let id):
                return Item(status: "duplicate", eventId: id, callId: nil, contactId: nil, taskId: nil, flag: nil)
            case .applied(let id, let result):
                return Item(status: result.flag == nil ? "stored" : "flagged", eventId: id, callId: result.callId,
                            contactId: result.contactId, taskId: result.taskId, flag: result.flag)
            }
        }
        status = events.allSatisfy { $0.status == "duplicate" } && !events.isEmpty ? "duplicate" : "stored"
    }
}
