import Foundation
import Store

/// What an API write must still hold when the single writer applies it.
///
/// A handler checks the caller's rights on a read connection, and the writer applies the event
/// a moment later: in between a supervisor may have given the client to someone else, an agent
/// may have become quality control or been removed. Each check runs again inside the write
/// transaction (`RouteContext.record(_:by:request:check:)`), where nothing can change under it,
/// and refuses as the handler would have. The caller's own role and key need no check here:
/// `WriteGuard` refuses every write of a request whose caller changed. Live API writes only:
/// `rebuild` replays what was recorded, as it was applied.
struct WriteCheck: Sendable {
    let run: @Sendable (Database, Agent) throws -> Void

    /// Runs every check, in order.
    static func all(_ checks: [WriteCheck]) -> WriteCheck {
        WriteCheck { db, agent in for check in checks { try check.run(db, agent) } }
    }

    /// The caller may still change contact `id` (a manager: only while they own it; 404 as for a
    /// contact they cannot see).
    static func contact(_ id: Int) -> WriteCheck {
        WriteCheck { db, agent in
            let row = try db.queryOne("SELECT owner_agent_id FROM contacts WHERE id = ?", id)
            guard let row, agent.canSee(contactOwner: row.int("owner_agent_id")) else { throw DomainError.notFound("no contact \(id)") }
            guard agent.canWrite(contactOwner: row.int("owner_agent_id")) else {
                throw DomainError.forbidden("you may not change this contact")
            }
        }
    }

    /// The caller may still act on task `id` (a manager: its assignee or its client's owner),
    /// and it is still open when `open`.
    static func task(_ id: Int, open: Bool) -> WriteCheck {
        WriteCheck { db, agent in
            let task = try TaskRecord.visible(id, to: agent, in: db)
            if open, task.state != "open" { throw DomainError.conflict("task \(id) is already done") }
        }
    }

    /// Work can still go to agent `id` (it exists and is not quality control); 422 naming `field`.
    static func workingAgent(_ id: Int, field: String, qualityControl why: String) -> WriteCheck {
        WriteCheck { db, _ in
            let role = try db.scalar("SELECT role FROM agents WHERE id = ?", id).string.flatMap(Agent.Role.init(rawValue:))
            if let refusal = Agent.workRefusal(id, role: role, qualityControl: why) { throw WebhookError.invalidField(field, refusal) }
        }
    }

    /// 401 once the caller is removed or their key replaced, 403 once their role changed: since
    /// the request was authenticated (`WriteGuard`, bound for every API request).
    static func unchanged(_ agent: Agent, in db: Database) throws {
        guard let row = try db.queryOne("SELECT role, api_key_hash FROM agents WHERE id = ?", agent.id),
              row.string("api_key_hash") == agent.keyHash else {
            throw DomainError.unauthorized("this API key no longer works")
        }
        guard row.string("role") == agent.role.rawValue else {
            throw DomainError.forbidden("your role changed while this request was handled; nothing was changed")
        }
    }

    /// The caller as they are now (role, whether they receive new clients); 401 once removed.
    static func current(_ agent: Agent, in db: Database) throws -> Agent {
        guard let row = try db.queryOne("SELECT * FROM agents WHERE id = ?", agent.id) else {
            throw DomainError.unauthorized("this agent no longer exists")
        }
        return Agent(row: row)
    }
}
