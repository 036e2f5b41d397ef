import HTTPServer

/// `/api/v1/me` and `/api/v1/agents`.
enum AgentRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/me", context.api { _, agent in .json(bytes: JSONText.bytes(agent)) })
        // A key that may have leaked is replaced: by its agent, or by a supervisor for anyone.
        router.post("/api/v1/me/key", context.api { _, agent in
            try rotatedKey(context, agent.id)
        })
        router.post("/api/v1/agents/:id/key", context.api { request, agent in
            try agent.requireSupervisor()
            return try rotatedKey(context, try APIBody.id(request))
        })
        router.get("/api/v1/agents", context.api { _, agent in
            guard agent.role != .manager else { throw DomainError.forbidden("managers cannot list agents") }
            return .json(bytes: JSONText.bytes(["agents": try context.agents.list()]))
        })
    }

    /// The agent with their new key (shown once), 201.
    private static func rotatedKey(_ context: RouteContext, _ id: Int) throws -> HTTPResponse {
        guard let rotated = try context.agents.rotateKey(id: id) else { throw DomainError.notFound("no agent \(id)") }
        context.hub.recheckAgents()   // streams opened with the old key end now
        return .json(bytes: JSONText.bytes(rotated), status: 201)
    }
}
