import HTTPServer

/// `/api/v1/me` and `/api/v1/agents`.
enum AgentRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/me", context.api { _, agent in .json(bytes: JSONText.bytes(agent)) })
        router.get("/api/v1/agents", context.api { _, agent in
            guard agent.role != .manager else { throw DomainError.forbidden("managers cannot list agents") }
            return .json(bytes: JSONText.bytes(["agents": try context.agents.list()]))
        })
    }
}
