import Foundation
import HTTPServer
import Store

/// The role rules of DESIGN.md: quality control sees everything and writes nothing;
/// a manager sees and writes only the clients they own; a supervisor sees and writes all.
extension Agent {
    func canSee(contactOwner owner: Int?) -> Bool {
        role != .manager || owner == id
    }

    func canWrite(contactOwner owner: Int?) -> Bool {
        switch role {
        case .supervisor: return true
        case .manager: return owner == id
        case .qualityControl: return false
        }
    }

    func requireSupervisor() throws {
        guard role == .supervisor else { throw DomainError.forbidden("only supervisors may do this") }
    }
}

extension RouteContext {
    /// Records an API-originated event (so `rebuild` replays it too) and applies it; returns after commit.
    /// An `Idempotency-Key` header makes a retried request apply once.
    ///
    /// A retry with the same key and the same request gets the first one's result (the ids it
    /// made), so a client whose answer was lost learns them; the same key with a different
    /// request is 422. The result is kept on the raw event (`result`), written in the same
    /// transaction as the event.
    func record(_ event: DomainEvent, by agent: Agent, request: HTTPRequest) throws -> ApplyResult {
        let key = request.header("idempotency-key").map { "api:\(agent.id):\($0)" } ?? "api:\(UUID().uuidString)"
        let receivedAt = Timestamp.now()
        let payload = JSONText.string(event)
        let outcome = try store.writeAndWait { db -> EventLog.Outcome in
            let outcome = try EventLog.record(event, source: "api", integrationId: nil, key: key, rawBody: nil, receivedAt: receivedAt,
                                              in: db, settings: .fromDatabase, payload: payload)
            if case .applied(let id, let result) = outcome {
                try db.execute("UPDATE raw_events SET result = ? WHERE id = ?", JSONText.string(RecordedResult(result)), id)
            }
            return outcome
        }
        switch outcome {
        case .applied(_, let result):
            hub.publishAfterCommit(result.updates)
            return result
        case .duplicate(let id):
            let first = try store.read { db in try db.queryOne("SELECT payload, result FROM raw_events WHERE id = ?", id) }
            guard first?.string("payload") == payload else {
                throw DomainError.unprocessable("this Idempotency-Key was used for a different request")
            }
            guard let text = first?.string("result"),
                  let recorded = try? JSONText.decoder.decode(RecordedResult.self, from: Data(text.utf8)) else {
                throw DomainError.conflict("a request with this Idempotency-Key was already applied")
            }
            return recorded.applyResult
        }
    }

    /// The contact, if `agent` may see it; 404 otherwise (a manager does not learn others' clients exist).
    func visibleContact(_ id: Int, for agent: Agent) throws -> ContactRecord {
        guard let contact = try store.read({ db in try ContactRecord.load(db, id: id) }), agent.canSee(contactOwner: contact.ownerAgentId) else {
            throw DomainError.notFound("no contact \(id)")
        }
        return contact
    }
}

/// Reading request bodies of the API.
enum APIBody {
    static func object(_ request: HTTPRequest) throws -> WebhookFields {
        if request.body.isEmpty { return WebhookFields([:]) }
        return WebhookFields(try WebhookJSON.object(request.body))
    }

    /// Decodes the JSON value of `field` (already parsed) as `T`; nil when absent or null, 422 naming the field when wrong.
    static func decode<T: Decodable>(_ value: Any?, as type: T.Type, field: String) throws -> T? {
        guard let value, !(value is NSNull) else { return nil }
        do {
            return try JSONText.decoder.decode(T.self, from: try JSONSerialization.data(withJSONObject: value))
        } catch {
            throw WebhookError.invalidField(field, "\(error)")
        }
    }

    static func id(_ request: HTTPRequest, _ name: String = "id") throws -> Int {
        guard let text = request.parameters[name], let id = Int(text) else { throw DomainError.invalid("\(name) must be a number") }
        return id
    }
}

extension HTTPResponse {
    static func json<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        .json(bytes: JSONText.bytes(value), status: status)
    }
}

/// The ids an API request's event made, kept with the raw event for retries of that request.
private struct RecordedResult: Codable {
    var contactId: Int?
    var dealId: Int?
    var taskId: Int?
    var callId: Int?

    init(_ result: ApplyResult) {
        contactId = result.contactId
        dealId = result.dealId
        taskId = result.taskId
        callId = result.callId
    }

    var applyResult: ApplyResult { ApplyResult(callId: callId, contactId: contactId, dealId: dealId, taskId: taskId) }
}
