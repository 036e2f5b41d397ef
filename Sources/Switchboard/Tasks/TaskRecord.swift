import Store

/// A task as the API shows it.
struct TaskRecord: Encodable, Sendable {
    let id: Int
    let kind: String
    let board: String
    let assigneeAgentId: Int?
    let title: String
    let deadline: String
    let state: String
    let contactId: Int?
    let dealId: Int?
    let callId: Int?
    let closedByCallId: Int?
    let closedByAgentId: Int?
    let createdAt: String
    let closedAt: String?

    init(row: Row) {
        id = row.int("id") ?? 0
        kind = row.string("kind") ?? ""
        board = row.string("board") ?? ""
        assigneeAgentId = row.int("assignee_agent_id")
        title = row.string("title") ?? ""
        deadline = row.string("deadline") ?? ""
        state = row.string("state") ?? "open"
        contactId = row.int("contact_id")
        dealId = row.int("deal_id")
        callId = row.int("call_id")
        closedByCallId = row.int("closed_by_call_id")
        closedByAgentId = row.int("closed_by_agent_id")
        createdAt = row.string("created_at") ?? ""
        closedAt = row.string("closed_at")
    }

    static func load(_ db: Database, id: Int) throws -> TaskRecord? {
        try db.queryOne("SELECT * FROM tasks WHERE id = ?", id).map(TaskRecord.init(row:))
    }
}

extension TaskRecord {
    /// Task `id` if `agent` may see it (a manager: one assigned to them or of a client they
    /// own); 404 otherwise, as for a task that does not exist.
    static func visible(_ id: Int, to agent: Agent, in db: Database) throws -> TaskRecord {
        guard let task = try load(db, id: id) else { throw DomainError.notFound("no task \(id)") }
        let owner = try task.contactId.flatMap { try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", $0).int }
        guard agent.role != .manager || task.assigneeAgentId == agent.id || owner == agent.id else {
            throw DomainError.notFound("no task \(id)")
        }
        return task
    }
}
