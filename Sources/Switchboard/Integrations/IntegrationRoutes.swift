import Foundation
import HTTPServer

/// `/api/v1/integrations`, for supervisors.
enum IntegrationRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/integrations", context.api { request, agent in
            try agent.requireSupervisor()
            let includingRemoved = try APIQuery(request).bool("removed") ?? false
            return .json(["integrations": try context.integrations.list(includingRemoved: includingRemoved)])
        })
        router.post("/api/v1/integrations", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            try refuseUnknownFields(of: object, known: ["name", "provider", "region", "providerSecret", "settings"])
            let fields = WebhookFields(object)
            guard let name = fields.string("name") else { throw WebhookError.missingField("name") }
            guard let provider = Integration.Provider(rawValue: fields.string("provider") ?? "native") else {
                throw WebhookError.invalidField("provider", "one of \(Integration.Provider.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let settings = try object["settings"].map(IntegrationSettings.init(document:)) ?? IntegrationSettings()
            let created = try context.integrations.add(.init(name: name, provider: provider, region: fields.string("region"),
                                                             providerSecret: fields.string("providerSecret") ?? "",
                                                             settings: settings), baseURL: context.baseURL)
            return .json(created, status: 201)
        })
        router.get("/api/v1/integrations/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard let found = try context.integrations.find(id: try APIBody.id(request)) else {
                throw DomainError.notFound("no integration \(request.parameters["id"] ?? "")")
            }
            return .json(found)
        })
        // The body is a merge patch of the integration (RFC 7396): members it leaves out stay as
        // they are, null clears the region (and the provider secret) or puts settings back to
        // their defaults, and `settings` is itself merged into the stored settings.
        router.patch("/api/v1/integrations/:id", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            try refuseUnknownFields(of: object, known: ["name", "region", "settings", "providerSecret"])
            let change = IntegrationDirectory.Change(
                name: try APIBody.patchString(object, "name", nullable: false) ?? nil,
                region: try APIBody.patchString(object, "region", nullable: true),
                settings: try object["settings"].map(IntegrationSettingsChange.merging),
                providerSecret: try APIBody.patchString(object, "providerSecret", nullable: true).map { $0 ?? "" })
            return .json(try context.integrations.update(id: try APIBody.id(request), change))
        })
        router.post("/api/v1/integrations/:id/secret", context.api { request, agent in
            try agent.requireSupervisor()
            try APIBody.none(request)
            let id = try APIBody.id(request)
            guard let rotated = try context.integrations.rotateSecret(id: id, baseURL: context.baseURL) else {
                throw DomainError.notFound("no integration \(id)")
            }
            return .json(bytes: JSONText.bytes(rotated), status: 201)
        })
        router.delete("/api/v1/integrations/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard try context.integrations.remove(id: try APIBody.id(request)) else {
                throw DomainError.notFound("no integration \(request.parameters["id"] ?? "")")
            }
            return HTTPResponse(status: 204)
        })
    }

    /// Refuses a body member the route does not read (a typo, or `provider`, which cannot
    /// change once the provider has the webhook URLs), naming it: ignoring it would answer 200
    /// for a change that was never made.
    private static func refuseUnknownFields(of object: [String: Any], known: Set<String>) throws {
        try APIBody.refuseUnknownFields(of: object, known: known)
    }
}
