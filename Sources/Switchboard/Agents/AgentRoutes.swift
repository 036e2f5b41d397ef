import HTTPServer

/// `/api/v1/me` and `/api/v1/agents`.
enum AgentRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/me", context.api { _, agent in .json(bytes: JSONText.bytes(agent)) })
        // A key that may have leaked is replaced: by its agent, or by a supervisor for anyone.
        router.post("/api/v1/me/key", context.api { request, agent in
            try APIBody.none(request)
            return try rotatedKey(context, agent.id)
        })
        router.post("/api/v1/agents/:id/key", context.api { request, agent in
            try agent.requireSupervisor()
            try APIBody.none(request)
            return try rotatedKey(context, try APIBody.id(request))
        })
        // Supervisors change an agent in place: name, role, phones, SIP logins, new clients.
        router.patch("/api/v1/agents/:id", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            try APIBody.refuseUnknownFields(of: object, known: ["name", "role", "phones", "sipLogins", "receivesNewClients"])
            // A role of another type (`true`, `[]`, null) is refused, not read as no change.
            let role = try (APIBody.patchString(object, "role") ?? nil).map { text -> Agent.Role in
                guard let role = Agent.Role(rawValue: text) else {
                    throw WebhookError.invalidField("role", Agent.Role.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return role
            }
            let change = AgentDirectory.Change(
                name: try APIBody.patchString(object, "name") ?? nil, role: role, phones: try texts(object, "phones"), sipLogins: try texts(object, "sipLogins"),
                receivesNewClients: try object["receivesNewClients"].map { value -> Bool in
                    guard let flag = value as? Bool else { throw WebhookError.invalidField("receivesNewClients", "must be true or false") }
                    return flag
                })
            guard let updated = try context.agents.update(id: try APIBody.id(request), change) else {
                throw DomainError.notFound("no agent \(request.parameters["id"] ?? "")")
            }
            context.hub.recheckAgents()   // open streams see the new role at once
            return .json(bytes: JSONText.bytes(updated))
        })
        router.get("/api/v1/agents", context.api { _, agent in
            guard agent.role != .manager else { throw DomainError.forbidden("managers cannot list agents") }
            return .json(bytes: JSONText.bytes(["agents": try context.agents.list()]))
        })
    }

    /// Member `key`: nil when absent, else an array of strings (422 otherwise).
    private static func texts(_ object: [String: Any], _ key: String) throws -> [String]? {
        guard let value = object[key] else { return nil }
        guard let list = value as? [Any], let texts = list as? [String], texts.count == list.count else {
            throw WebhookError.invalidField(key, "must be an array of strings")
        }
        return texts
    }

    /// The agent with their new key (shown once), 201.
    private static func rotatedKey(_ context: RouteContext, _ id: Int) throws -> HTTPResponse {
        guard let rotated = try context.agents.rotateKey(id: id) else { throw DomainError.notFound("no agent \(id)") }
        context.hub.recheckAgents()   // streams opened with the old key end now
        return .json(bytes: JSONText.bytes(rotated), status: 201)
    }
}
