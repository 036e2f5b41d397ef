import Foundation
import HTTPServer

/// `/api/v1/canned-answers`: every role reads them; supervisors and managers write them.
enum CannedAnswerRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        let answers = CannedAnswerDirectory(store: context.store)
        router.get("/api/v1/canned-answers", context.api { request, _ in
            let query = request.queryParameters
            return .json(["cannedAnswers": try answers.list(query: query["q"], module: query["module"])])
        })
        router.post("/api/v1/canned-answers", context.api { request, agent in
            try requireWriter(agent)
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ["name", "text", "module"])
            return .json(try answers.create(name: text(body, "name"), text: text(body, "text"), module: text(body, "module"), by: agent),
                         status: 201)
        })
        router.get("/api/v1/canned-answers/:id", context.api { request, _ in
            .json(try answers.find(id: try APIBody.id(request)))
        })
        router.patch("/api/v1/canned-answers/:id", context.api { request, agent in
            try requireWriter(agent)
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ["name", "text", "module"])
            return .json(try answers.update(id: try APIBody.id(request), name: text(body, "name"), text: text(body, "text"),
                                            module: text(body, "module")))
        })
        router.delete("/api/v1/canned-answers/:id", context.api { request, agent in
            try requireWriter(agent)
            try answers.remove(id: try APIBody.id(request))
            return HTTPResponse(status: 204)
        })
    }

    /// Member `key` as text, nil when absent; a null or any other type is 422 naming it (a PATCH
    /// of `{"text": 5}` was ignored and answered 200 as if the answer had changed).
    private static func text(_ body: WebhookFields, _ key: String) throws -> String? {
        try APIBody.patchString(body.values, key) ?? nil
    }

    private static func requireWriter(_ agent: Agent) throws {
        guard agent.role != .qualityControl else { throw DomainError.forbidden("quality control cannot change canned answers") }
    }
}
