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
    /// `check` runs inside the write transaction first (`WriteCheck`): what the handler checked
    /// on a read connection may have changed before the writer got to the event.
    func record(_ event: DomainEvent, by agent: Agent, request: HTTPRequest, check: WriteCheck? = nil) throws -> ApplyResult {
        try record(event, by: agent, request: request, check: check) { _, result in result }
    }

    /// `record`, then `reading` in the same transaction: what the answer shows is what the write
    /// made, even if the client changes hands right after (it was answered 404 though stored).
    func record<T: Sendable>(_ event: DomainEvent, by agent: Agent, request: HTTPRequest, check: WriteCheck? = nil,
                             reading: @escaping @Sendable (Database, ApplyResult) throws -> T) throws -> T {
        let key = request.header("idempotency-key").map { "api:\(agent.id):\($0)" } ?? "api:\(UUID().uuidString)"
        let receivedAt = Timestamp.now()
        let payload = JSONText.string(event)
        let (outcome, value) = try store.writeAndWait { db -> (EventLog.Outcome, T) in
            // The caller's role and key are those of the request (WriteGuard refuses the write otherwise).
            try check?.run(db, agent)
            let outcome = try EventLog.record(event, source: "api", integrationId: nil, key: key, rawBody: nil, receivedAt: receivedAt,
                                              in: db, settings: .fromDatabase, payload: payload)
            switch outcome {
            case .applied(let id, let result):
                try db.execute("UPDATE raw_events SET result = ? WHERE id = ?", JSONText.string(RecordedResult(result)), id)
                return (outcome, try reading(db, result))
            case .duplicate(let id):
                return (outcome, try reading(db, try Self.recordedResult(of: id, payload: payload, in: db)))
            }
        }
        if case .applied(_, let result) = outcome { hub.publishAfterCommit(result.updates) }
        return value
    }

    /// What the first request with this Idempotency-Key made; 422 when it was a different request.
    private static func recordedResult(of eventId: Int, payload: String, in db: Database) throws -> ApplyResult {
        let first = try db.queryOne("SELECT payload, result FROM raw_events WHERE id = ?", eventId)
        guard first?.string("payload") == payload else {
            throw DomainError.unprocessable("this Idempotency-Key was used for a different request")
        }
        guard let text = first?.string("result"),
              let recorded = try? JSONText.decoder.decode(RecordedResult.self, from: Data(text.utf8)) else {
            throw DomainError.conflict("a request with this Idempotency-Key was already applied")
        }
        return recorded.applyResult
    }

    /// The contact, if `agent` may see it; 404 otherwise (a manager does not learn others' clients exist).
    func visibleContact(_ id: Int, for agent: Agent) throws -> ContactRecord {
        guard let contact = try store.read({ db in try ContactRecord.load(db, id: id) }), agent.canSee(contactOwner: contact.ownerAgentId) else {
            throw DomainError.notFound("no contact \(id)")
        }
        return contact
    }

    /// `visibleContact`, or, for reading only, a new WhatsApp client nobody owns yet on an
    /// unsorted channel, to a manager who receives new clients: they are told of its messages
    /// and the first to reply owns it, so they read the conversation before answering.
    func readableContact(_ id: Int, for agent: Agent) throws -> ContactRecord {
        guard agent.role == .manager, agent.receivesNewClients else { return try visibleContact(id, for: agent) }
        let found = try store.read { db -> ContactRecord? in
            guard let contact = try ContactRecord.load(db, id: id) else { return nil }
            if contact.ownerAgentId == agent.id { return contact }
            return try contact.ownerAgentId == nil && Self.isUnsorted(id, in: db) ? contact : nil
        }
        guard let found else { throw DomainError.notFound("no contact \(id)") }
        return found
    }

    /// Whether contact `id` has a WhatsApp thread on a channel that leaves new clients unsorted
    /// (its owner is not checked here).
    static func isUnsorted(_ id: Int, in db: Database) throws -> Bool {
        try db.scalar("""
            SELECT 1 FROM wa_threads t JOIN channels ch ON ch.id = t.channel_id
            WHERE t.contact_id = ? AND \(ChannelSettings.isUnsortedSQL("ch")) LIMIT 1
            """, id).int != nil
    }
}

/// Reading request bodies of the API.
enum APIBody {
    static func object(_ request: HTTPRequest) throws -> WebhookFields {
        if request.body.isEmpty { return WebhookFields([:]) }
        return WebhookFields(try WebhookJSON.object(request.body))
    }

    /// For endpoints that take no body: none, `null` or an empty object (`{}`; clients send either
    /// with every POST). Anything else is refused as the endpoints with bodies refuse it
    /// (malformed JSON 400, a member 422 naming it): a client that sent fields meant them to count.
    static func none(_ request: HTTPRequest) throws {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let text = request.body.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        if text.isEmpty || Array(text) == Array("null".utf8) { return }
        if let member = try WebhookJSON.object(request.body).keys.sorted().first {
            throw DomainError.unprocessable("unknown field \(member): this request takes no body")
        }
    }

    /// Decodes the JSON value of `field` (already parsed) as `T`; nil when absent or null, 422 naming the field when wrong.
    static func decode<T: Decodable>(_ value: Any?, as type: T.Type, field: String) throws -> T? {
        guard let value, !(value is NSNull) else { return nil }
        do {
            return try JSONText.decoder.decode(T.self, from: try JSONSerialization.data(withJSONObject: value))
        } catch let error as DecodingError {
            let (path, message) = error.described
            throw WebhookError.invalidField(field + path, message)
        } catch {
            throw WebhookError.invalidField(field, "\(error)")
        }
    }

    /// Member `key` of a PATCH body: nil when absent, `.some(nil)` when null (refused unless
    /// `nullable`), the text when a string.
    /// - Throws: `WebhookError.invalidField` (422) for any other JSON type.
    static func patchString(_ object: [String: Any], _ key: String, nullable: Bool = false) throws -> String?? {
        switch object[key] {
        case nil: return .none
        case is NSNull where nullable: return .some(nil)
        case let text as String: return .some(text)
        default: throw WebhookError.invalidField(key, nullable ? "must be a string or null" : "must be a string")
        }
    }

    /// 422 naming the first member of `object` that is not in `known`: a typo (`phone` for
    /// `phones`) is refused rather than ignored. `path` names a nested object (`template`).
    static func refuseUnknownFields(of object: [String: Any], known: Set<String>, in path: String? = nil) throws {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            let name = path.map { "\($0).\(unknown)" } ?? unknown
            throw DomainError.unprocessable("unknown field \(name); known: \(known.sorted().joined(separator: ", "))")
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

/// An API request's query parameters, read by type: a parameter that is present must be what
/// the OpenAPI document says, or the request is refused with a 400 naming it. Clamping an
/// out-of-range value or ignoring an unreadable one answers a question the client did not
/// ask (`?contact=abc` listed every task), and the client cannot tell.
struct APIQuery {
    let values: [String: String]

    init(_ request: HTTPRequest) { values = request.queryParameters }

    /// The raw (decoded) value of `name`, nil when absent.
    subscript(name: String) -> String? { values[name] }

    /// `limit`: `fallback` when absent, else an integer from 1 to `maximum`.
    func limit(default fallback: Int, maximum: Int) throws -> Int {
        guard let text = values["limit"] else { return fallback }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw DomainError.invalid("limit must be an integer from 1 to \(maximum), got \"\(text)\"")
        }
        return value
    }

    /// An integer id named `name`, nil when absent.
    func id(_ name: String) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text) else { throw DomainError.invalid("\(name) must be an integer id, got \"\(text)\"") }
        return value
    }

    /// `true` or `false` named `name`, nil when absent.
    func bool(_ name: String) throws -> Bool? {
        switch values[name] {
        case nil: return nil
        case "true": return true
        case "false": return false
        case let text?: throw DomainError.invalid("\(name) must be true or false, got \"\(text)\"")
        }
    }
}

extension Agent {
    /// Why work cannot go to agent `id` whose role is `role` (nil: no such agent), or nil when
    /// it can: quality control sees everything and writes nothing. `why` says what QC does not do.
    static func workRefusal(_ id: Int, role: Role?, qualityControl why: String) -> String? {
        switch role {
        case nil: return "no agent \(id)"
        case .qualityControl?: return "agent \(id) is quality control, who \(why)"
        case .manager?, .supervisor?: return nil
        }
    }
}

extension RouteContext {
    /// Refuses (422, naming `field`) an agent id that work cannot go to: one that names no
    /// agent, or quality control, who sees everything and writes nothing, and so neither owns
    /// clients nor completes tasks (the rule settings validation applies to
    /// `missedCallTask.assigneeAgentId`).
    ///
    /// Checked here, before the event is recorded, and again inside the write (`WriteCheck`:
    /// a role can change meanwhile), rather than in the projector: events recorded before the
    /// rule must still replay in `rebuild` as they were applied.
    /// - Parameter why: what quality control does not do, for the message ("owns no contacts").
    func requireWorkingAgent(_ id: Int, field: String, qualityControl why: String) throws {
        if let refusal = Agent.workRefusal(id, role: try agents.find(id: id)?.role, qualityControl: why) {
            throw WebhookError.invalidField(field, refusal)
        }
    }
}
