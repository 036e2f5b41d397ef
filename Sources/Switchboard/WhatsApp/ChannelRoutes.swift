import Foundation
import HTTPServer

/// `/api/v1/channels`: WhatsApp channels, for supervisors.
enum ChannelRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/channels", context.api { _, agent in
            try agent.requireSupervisor()
            return .json(["channels": try context.channels.list()])
        })
        router.post("/api/v1/channels", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            let body = WebhookFields(object)
            guard let name = body.string("name") else { throw WebhookError.missingField("name") }
            guard let provider = Channel.Provider(rawValue: body.string("provider") ?? "meta") else {
                throw WebhookError.invalidField("provider", "meta or wazzup")
            }
            let created = try context.channels.add(.init(name: name, provider: provider, phoneNumberId: body.string("phoneNumberId"),
                                                         displayNumber: body.string("displayNumber"), region: body.string("region"),
                                                         appSecret: body.string("appSecret") ?? "", verifyToken: body.string("verifyToken") ?? "",
                                                         accessToken: body.string("accessToken") ?? "",
                                                         settings: try decodeSettings(object["settings"]) ?? .init()),
                                                   baseURL: context.baseURL)
            return .json(created, status: 201)
        })
        router.get("/api/v1/channels/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard let channel = try context.channels.find(id: try APIBody.id(request)) else { throw DomainError.notFound("no channel") }
            return .json(channel)
        })
        router.patch("/api/v1/channels/:id", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            let body = WebhookFields(object)
            return .json(try context.channels.update(id: try APIBody.id(request), settings: try decodeSettings(object["settings"]),
                                                     region: body.string("region"), appSecret: body.string("appSecret"),
                                                     verifyToken: body.string("verifyToken"), accessToken: body.string("accessToken")))
        })
        router.post("/api/v1/channels/:id/secret", context.api { request, agent in
            try agent.requireSupervisor()
            guard let rotated = try context.channels.rotateSecret(id: try APIBody.id(request), baseURL: context.baseURL) else {
                throw DomainError.notFound("no channel")
            }
            return .json(rotated, status: 201)
        })
        router.delete("/api/v1/channels/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard try context.channels.remove(id: try APIBody.id(request)) else { throw DomainError.notFound("no channel") }
            return HTTPResponse(status: 204)
        })
    }

    static func decodeSettings(_ value: Any?) throws -> ChannelSettings? {
        if let object = value as? [String: Any], let unknown = ChannelSettings.unknownKeys(in: object).first {
            throw DomainError.unprocessable("settings.\(unknown): unknown setting (README.md, WhatsApp, lists them)")
        }
        return try APIBody.decode(value, as: ChannelSettings.self, field: "settings")
    }
}
