import Foundation
import HTTPServer

/// `/api/v1/integrations`, for supervisors.
enum IntegrationRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/integrations", context.api { _, agent in
            try agent.requireSupervisor()
            return .json(["integrations": try context.integrations.list()])
        })
        router.post("/api/v1/integrations", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            let fields = WebhookFields(object)
            guard let name = fields.string("name") else { throw WebhookError.missingField("name") }
            guard let provider = Integration.Provider(rawValue: fields.string("provider") ?? "native") else {
                throw WebhookError.invalidField("provider", "one of \(Integration.Provider.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let settings = try decodeSettings(object["settings"])
            let created = try context.integrations.add(.init(name: name, provider: provider, region: fields.string("region"),
                                                             providerSecret: fields.string("providerSecret") ?? "",
                                                             settings: settings ?? .init()), baseURL: context.baseURL)
            return .json(created, status: 201)
        })
        router.get("/api/v1/integrations/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard let found = try context.integrations.find(id: try APIBody.id(request)) else {
                throw DomainError.notFound("no integration \(request.parameters["id"] ?? "")")
            }
            return .json(found)
        })
        router.patch("/api/v1/integrations/:id", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            let region: String?? = object.keys.contains("region") ? .some(object["region"] as? String) : .none
            let updated = try context.integrations.update(id: try APIBody.id(request), region: region,
                                                          settings: try decodeSettings(object["settings"]),
                                                          providerSecret: object["providerSecret"] as? String)
            return .json(updated)
        })
        router.delete("/api/v1/integrations/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard try context.integrations.remove(id: try APIBody.id(request)) else {
                throw DomainError.notFound("no integration \(request.parameters["id"] ?? "")")
            }
            return HTTPResponse(status: 204)
        })
    }

    static func decodeSettings(_ value: Any?) throws -> IntegrationSettings? {
        try APIBody.decode(value, as: IntegrationSettings.self, field: "settings")
    }
}
