import Foundation
import Store

extension AgentDirectory {
    /// What a removed agent left to another: the clients they owned and their open tasks.
    public struct HandOver: Sendable, Equatable {
        public let clients: Int
        public let openTasks: Int
    }

    /// Removes agent `id`; nil when there is none.
    ///
    /// An agent who owns clients or has open tasks is removed only with `handOverTo`: their
    /// clients then belong to that agent (the clients' tasks that followed the owner go along)
    /// and their other open tasks are reassigned to them, each change recorded as the API would
    /// record it, so `rebuild` replays it. Without it they stayed owned by, and kept filing
    /// tasks for, an agent who no longer existed and whom nobody could reassign them from.
    /// - Throws: `DomainError.conflict` when there is something to hand over and no one to give
    ///   it to; `.unprocessable` when `handOverTo` is the agent itself, nobody, or quality control.
    public func remove(id: Int, handOverTo target: Int?) throws -> HandOver? {
        let now = Timestamp.now()
        return try store.writeAndWait { db -> HandOver? in
            guard try db.queryOne("SELECT id FROM agents WHERE id = ?", id) != nil else { return nil }
            let clients = try db.query("SELECT id FROM contacts WHERE owner_agent_id = ? ORDER BY id", id).compactMap { $0.int("id") }
            let openTasks = try Self.openTasks(of: id, in: db)
            let holdings = HandOver(clients: clients.count, openTasks: openTasks.count)
            if let target {
                guard target != id else { throw DomainError.unprocessable("--hand-over-to must name another agent") }
                let role = try db.scalar("SELECT role FROM agents WHERE id = ?", target).string.flatMap(Agent.Role.init(rawValue:))
                if let refusal = Agent.workRefusal(target, role: role, qualityControl: "owns no clients") {
                    throw DomainError.unprocessable("--hand-over-to: \(refusal)")
                }
            }
            if holdings.clients > 0 || holdings.openTasks > 0 {
                guard let target else {
                    throw DomainError.conflict("agent \(id) owns \(holdings.clients) client(s) and has \(holdings.openTasks) open task(s): "
                        + "removing them would leave those with nobody; hand them to another agent with --hand-over-to AGENT_ID")
                }
                func record(_ event: DomainEvent) throws {
                    _ = try EventLog.record(event, source: "cli", integrationId: nil, key: "cli:\(UUID().uuidString)", rawBody: nil,
                                            receivedAt: now, in: db, settings: .fromDatabase, wantsLiveUpdates: false)
                }
                for contactId in clients {
                    try record(.contactUpdated(contactId: contactId, patch: ContactPatch(ownerAgentId: target)))
                }
                // What the new owner did not take along: tasks reassigned by hand, or filed for a fixed assignee.
                for taskId in try Self.openTasks(of: id, in: db) {
                    try record(.taskReassigned(taskId: taskId, agentId: target))
                }
            }
            try IntegrationDirectory.replaceConfiguredAssignee(id, with: target, in: db)
            try db.execute("DELETE FROM agents WHERE id = ?", id)
            return holdings
        }
    }

    /// What the agent holds now, for a dry look before removing them.
    public func holdings(of id: Int) throws -> HandOver {
        try store.read { db in try Self.holdings(of: id, in: db) }
    }

    /// The clients agent `id` owns and their open tasks, counted.
    static func holdings(of id: Int, in db: Database) throws -> HandOver {
        HandOver(clients: try db.scalar("SELECT count(*) FROM contacts WHERE owner_agent_id = ?", id).int ?? 0,
                 openTasks: try openTasks(of: id, in: db).count)
    }

    private static func openTasks(of id: Int, in db: Database) throws -> [Int] {
        try db.query("SELECT id FROM tasks WHERE assignee_agent_id = ? AND state = 'open' ORDER BY id", id).compactMap { $0.int("id") }
    }
}
