import Foundation
import HTTPServer
import Store

/// `/api/v1/tasks`: filter, read, complete, reassign.
enum TaskRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/tasks", context.api { request, agent in
            let query = APIQuery(request)
            var conditions: [String] = []
            var arguments: [any SQLBindable] = []
            if let state = query["state"] {
                guard state == "open" || state == "done" else { throw DomainError.invalid("state must be open or done, got \"\(state)\"") }
                conditions.append("t.state = ?"); arguments.append(state)
            }
            // `none`: the tasks nobody has yet (a client without an owner), what a supervisor hands out.
            if query["assignee"] == "none" {
                conditions.append("t.assignee_agent_id IS NULL")
            } else if let id = try query.id("assignee") {
                conditions.append("t.assignee_agent_id = ?"); arguments.append(id)
            }
            if let board = query["board"] { conditions.append("t.board = ?"); arguments.append(board) }
            if let kind = query["kind"] {
                guard kind == "missed_call" || kind == "unanswered_message" else {
                    throw DomainError.invalid("kind must be missed_call or unanswered_message, got \"\(kind)\"")
                }
                conditions.append("t.kind = ?"); arguments.append(kind)
            }
            if let id = try query.id("contact") { conditions.append("t.contact_id = ?"); arguments.append(id) }
            // false, like no overdue at all, does not filter: it is what a client whose
            // "overdue only" switch is off sends.
            if try query.bool("overdue") == true {
                conditions.append("t.state = 'open' AND t.deadline < ?"); arguments.append(Timestamp.now())
            }
            if agent.role == .manager {
                conditions.append("(t.assignee_agent_id = ? OR c.owner_agent_id = ?)"); arguments.append(agent.id); arguments.append(agent.id)
            }
            // Pages follow the order: `after` is the last task's deadline and id (`nextAfter`).
            if let after = query["after"] {
                let parts = after.split(separator: "~", maxSplits: 1)
                guard parts.count == 2, let id = Int(parts[1]), Timestamp.normalize(String(parts[0])) == String(parts[0]) else {
                    throw DomainError.invalid("after must be a cursor from nextAfter")
                }
                conditions.append("(t.deadline, t.id) > (?, ?)"); arguments.append(String(parts[0])); arguments.append(id)
            }
            let limit = try query.limit(default: 100, maximum: 500)
            arguments.append(limit + 1)
            let sql = "SELECT t.* FROM tasks t LEFT JOIN contacts c ON c.id = t.contact_id"
                + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                + " ORDER BY t.deadline, t.id LIMIT ?"
            var tasks = try context.store.read { db in try db.query(sql, arguments: arguments).map(TaskRecord.init(row:)) }
            let hasMore = tasks.count > limit
            if hasMore { tasks.removeLast(tasks.count - limit) }
            return .json(TaskPage(tasks: tasks, nextAfter: hasMore ? tasks.last.map { "\($0.deadline)~\($0.id)" } : nil))
        })

        router.get("/api/v1/tasks/:id", context.api { request, agent in
            .json(try visibleTask(context, try APIBody.id(request), agent))
        })

        router.post("/api/v1/tasks/:id/complete", context.api { request, agent in
            let task = try visibleTask(context, try APIBody.id(request), agent)
            guard agent.role != .qualityControl else { throw DomainError.forbidden("quality control cannot write") }
            try APIBody.none(request)
            let done = try context.record(.taskCompleted(taskId: task.id, agentId: agent.id), by: agent, request: request,
                                          check: .task(task.id, open: false)) { db, _ in try TaskRecord.load(db, id: task.id) }
            guard let done else { throw DomainError.notFound("no task \(task.id)") }
            return .json(done)
        })

        router.post("/api/v1/tasks/:id/reassign", context.api { request, agent in
            let task = try visibleTask(context, try APIBody.id(request), agent)
            guard agent.role == .supervisor else { throw DomainError.forbidden("only supervisors reassign tasks") }
            // A done task records who did the work (or had it when a call closed it). Checked here and
            // inside the write (WriteCheck), not by the projector: reassignments older versions stored
            // replay as they were.
            guard task.state == "open" else { throw DomainError.conflict("task \(task.id) is already done") }
            let body = try APIBody.object(request)
            // `{"agentId": 2, "deadline": …}` would answer 200 as if the deadline had changed.
            try APIBody.refuseUnknownFields(of: body.values, known: ["agentId"])
            guard let target = try body.int("agentId") else { throw WebhookError.missingField("agentId") }
            try context.requireWorkingAgent(target, field: "agentId", qualityControl: "completes no tasks")
            let checks = WriteCheck.all([.task(task.id, open: true),
                                         .workingAgent(target, field: "agentId", qualityControl: "completes no tasks")])
            let reassigned = try context.record(.taskReassigned(taskId: task.id, agentId: target), by: agent, request: request,
                                                check: checks) { db, _ in try TaskRecord.load(db, id: task.id) }
            guard let reassigned else { throw DomainError.notFound("no task \(task.id)") }
            return .json(reassigned)
        })
    }

    private static func visibleTask(_ context: RouteContext, _ id: Int, _ agent: Agent) throws -> TaskRecord {
        try context.store.read { db in try TaskRecord.visible(id, to: agent, in: db) }
    }
}

/// A page of `GET /api/v1/tasks`; `nextAfter` is absent on the last page.
struct TaskPage: Encodable {
    let tasks: [TaskRecord]
    let nextAfter: String?
}
