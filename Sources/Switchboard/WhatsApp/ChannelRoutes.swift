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
            // A typo (`phoneNumberID`) made a channel no webhook reaches: refused, named.
            try APIBody.refuseUnknownFields(of: object, known: ChannelRoutes.changeable.union(["name", "provider"]))
            let body = WebhookFields(object)
            guard let name = body.string("name") else { throw WebhookError.missingField("name") }
            guard let provider = Channel.Provider(rawValue: body.string("provider") ?? "meta") else {
                throw WebhookError.invalidField("provider", "meta or wazzup")
            }
            let created = try context.channels.add(.init(name: name, provider: provider, phoneNumberId: body.string("phoneNumberId"),
                                                         displayNumber: body.string("displayNumber"), region: body.string("region"),
                                                         appSecret: body.string("appSecret") ?? "", verifyToken: body.string("verifyToken") ?? "",
                                                         accessToken: body.string("accessToken") ?? "",
                                                         settings: try ChannelSettings.decoded(document: object["settings"]) ?? .init()),
                                                   baseURL: context.baseURL)
            return .json(created, status: 201)
        })
        router.get("/api/v1/channels/:id", context.api { request, agent in
            try agent.requireSupervisor()
            guard let channel = try context.channels.find(id: try APIBody.id(request)) else { throw DomainError.notFound("no channel") }
            return .json(channel)
        })
        // A merge patch of the channel (RFC 7396), as for integrations: members left out stay as
        // they are, and `settings` is merged into the stored settings.
        router.patch("/api/v1/channels/:id", context.api { request, agent in
            try agent.requireSupervisor()
            let object = try WebhookJSON.object(request.body)
            for fixed in ["name", "provider"] where object[fixed] != nil {
                throw DomainError.unprocessable("\(fixed) cannot change: it is part of the webhook URL the provider was given; "
                    + "add a new channel instead")
            }
            try APIBody.refuseUnknownFields(of: object, known: ChannelRoutes.changeable)
            let settingsPatch = try object["settings"].map { value -> Data in
                guard value is NSNull || value is [String: Any] else { throw DomainError.unprocessable("settings: must be a JSON object") }
                return try JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed)
            }
            func text(_ key: String) throws -> String? { try APIBody.patchString(object, key) ?? nil }
            let change = ChannelDirectory.Change(
                settingsPatch: settingsPatch, region: try text("region"), phoneNumberId: try text("phoneNumberId"),
                displayNumber: try APIBody.patchString(object, "displayNumber", nullable: true),
                appSecret: try text("appSecret"), verifyToken: try text("verifyToken"), accessToken: try text("accessToken"))
            return .json(try context.channels.update(id: try APIBody.id(request), change))
        })
        router.post("/api/v1/channels/:id/secret", context.api { request, agent in
            try agent.requireSupervisor()
            try APIBody.none(request)
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

    /// The members a channel's PATCH may change; its POST takes these, `name` and `provider`.
    static let changeable: Set<String> = ["settings", "region", "phoneNumberId", "displayNumber", "appSecret", "verifyToken",
                                          "accessToken"]
}
