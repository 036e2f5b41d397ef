import Store

extension Projector {
    func completeTask(_ id: Int, byAgent agentId: Int, at: String) throws -> ApplyResult {
        guard let task = try TaskRecord.load(db, id: id) else { throw DomainError.notFound("no task \(id)") }
        guard task.state == "open" else { throw DomainError.conflict("task \(id) is already done") }
        try db.execute("UPDATE tasks SET state = 'done', closed_by_agent_id = ?, closed_at = ? WHERE id = ?", agentId, at, id)
        return ApplyResult(contactId: task.contactId, taskId: id)
    }

    func reassignTask(_ id: Int, to agentId: Int) throws -> ApplyResult {
        guard let task = try TaskRecord.load(db, id: id) else { throw DomainError.notFound("no task \(id)") }
        guard try agentExists(agentId) else { throw DomainError.unprocessable("no agent \(agentId)") }
        try db.execute("UPDATE tasks SET assignee_agent_id = ?, assignee_from_owner = 0 WHERE id = ?", agentId, id)
        var result = ApplyResult(contactId: task.contactId, taskId: id)
        if let update = try assignedUpdate(id, to: agentId) { result.updates.append(update) }
        return result
    }

    /// `task.assigned` for the agent a task was just given to (by hand or by following the
    /// contact's owner), carrying the task as it now is; nil when the task is gone.
    func assignedUpdate(_ taskId: Int, to agentId: Int) throws -> LiveUpdate? {
        try TaskRecord.load(db, id: taskId).map { LiveUpdate(event: "task.assigned", payload: $0, audience: .agents([agentId])) }
    }
}
