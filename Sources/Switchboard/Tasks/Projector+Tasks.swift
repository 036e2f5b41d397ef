import Store

extension Projector {
    func completeTask(_ id: Int, byAgent agentId: Int, at: String) throws -> ApplyResult {
        guard let task = try TaskRecord.load(db, id: id) else { throw DomainError.notFound("no task \(id)") }
        guard task.state == "open" else { throw DomainError.conflict("task \(id) is already done") }
        try db.execute("UPDATE tasks SET state = 'done', closed_by_agent_id = ?, closed_at = ? WHERE id = ?", agentId, at, id)
        var result = ApplyResult(contactId: task.contactId, taskId: id)
        // Off every board that shows it: its assignee's and those of everyone who sees the client.
        if let done = try TaskRecord.load(db, id: id) {
            let owner = try task.contactId.flatMap { try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", $0).int }
            result.updates.append(LiveUpdate(event: "task.completed", payload: done,
                                             audience: .agentsAndViewers(task.assigneeAgentId.map { [$0] } ?? [], ownerAgentId: owner)))
        }
        return result
    }

    func reassignTask(_ id: Int, to agentId: Int, at receivedAt: String) throws -> ApplyResult {
        guard let task = try TaskRecord.load(db, id: id) else { throw DomainError.notFound("no task \(id)") }
        // Checked here too (in the write, not only at the request): a completion that committed
        // after the request's check would otherwise be reassigned. Reassignments older versions
        // stored before the rule replay as they were applied (RuleEpoch).
        if task.state != "open", try RuleEpoch.doneTasksStay.applies(to: receivedAt, in: db) {
            throw DomainError.conflict("task \(id) is already done")
        }
        // The agent was checked when the reassignment was made (WriteCheck, the hand-over): one
        // removed since still had the task then, so `rebuild` gives it to them as live did.
        try db.execute("UPDATE tasks SET assignee_agent_id = ?, assignee_from_owner = 0 WHERE id = ?", agentId, id)
        var result = ApplyResult(contactId: task.contactId, taskId: id)
        result.updates = try reassignmentUpdates(id, from: task.assigneeAgentId, to: agentId)
        return result
    }

    /// What the live stream says when a task changes hands (by hand or by following the
    /// contact's owner): `task.assigned`, the task as it now is, for its new assignee (if any)
    /// and everyone who sees the client, the agent who had it among them when they still do;
    /// a manager who had it and no longer sees the client gets `task.unassigned` instead, with
    /// only the task's and client's ids and the new assignee.
    func reassignmentUpdates(_ taskId: Int, from previous: Int?, to assignee: Int?) throws -> [LiveUpdate] {
        guard previous != assignee, let task = try TaskRecord.load(db, id: taskId) else { return [] }
        let owner = try task.contactId.flatMap { try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", $0).int }
        var updates = [LiveUpdate(event: "task.assigned", payload: task,
                                  audience: .agentsAndViewers(assignee.map { [$0] } ?? [], ownerAgentId: owner))]
        if let previous, previous != owner,
           try db.scalar("SELECT role FROM agents WHERE id = ?", previous).string == Agent.Role.manager.rawValue {
            updates.append(LiveUpdate(event: "task.unassigned",
                                      payload: TaskUnassigned(taskId: taskId, contactId: task.contactId, assigneeAgentId: assignee),
                                      audience: .agents([previous])))
        }
        return updates
    }
}

/// `task.unassigned`: the task went to someone else, or (its client left without an owner) to
/// nobody: `assigneeAgentId` is then null.
struct TaskUnassigned: Encodable, Sendable {
    let taskId: Int
    let contactId: Int?
    let assigneeAgentId: Int?

    private enum CodingKeys: String, CodingKey { case taskId, contactId, assigneeAgentId }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(taskId, forKey: .taskId)
        try c.encodeIfPresent(contactId, forKey: .contactId)
        try c.encode(assigneeAgentId, forKey: .assigneeAgentId)   // null when nobody has it now
    }
}
