import Foundation
import HTTPServer
import Store

/// Meta's webhook: the verification handshake (GET) and signed deliveries (POST).
enum WhatsAppWebhookRoutes {
    /// Meta's payloads are far smaller; anything bigger is refused before it is parsed.
    static let maxBodyBytes = 3 * 1024 * 1024

    static func register(on router: inout Router, _ context: RouteContext) {
        // https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
        router.get("/webhooks/whatsapp/:channel") { request, responder in
            CallWebhookRoutes.handle(responder) {
                let channel = try metaChannel(context, request)
                let query = request.queryParameters
                guard query["hub.mode"] == "subscribe", let token = query["hub.verify_token"], !channel.verifyToken.isEmpty,
                      Crypto.constantTimeEquals(Array(token.utf8), Array(channel.verifyToken.utf8)) else {
                    throw DomainError.forbidden("verify token does not match this channel's")
                }
                responder.send(.text(query["hub.challenge"] ?? ""))
            }
        }

        router.post("/webhooks/whatsapp/:channel") { request, responder in
            CallWebhookRoutes.handle(responder) {
                guard request.body.count <= maxBodyBytes else {
                    throw HTTPError(413, code: "body_too_large", "WhatsApp deliveries are limited to 3 MB")
                }
                let channel = try metaChannel(context, request)
                try verifySignature(request, secret: channel.appSecret)
                try CallWebhookRoutes.requireJSON(request)
                let delivery = try MetaWebhookFormat.decode(request.body) { phoneNumberId in
                    guard let phoneNumberId, phoneNumberId != channel.phoneNumberId else { return channel.id }
                    // One Meta app may serve several numbers and has one callback URL: route by the
                    // number the event names, to a Meta channel. (Not only to channels storing the same
                    // app secret: the others' secrets are never checked, so a stale one would refuse
                    // the whole delivery, which Meta redelivers for days.)
                    guard let other = try context.store.read({ db in
                        try db.scalar("SELECT id FROM channels WHERE phone_number_id = ? AND provider = 'meta'", phoneNumberId).int
                    }) else {
                        throw WebhookError.invalidField("metadata.phone_number_id", "no Meta channel has phone_number_id \(phoneNumberId)")
                    }
                    return other
                }
                WhatsAppIngest(store: context.store, hub: context.hub)
                    .ingest(delivery.inbound.map { .whatsappInbound($0) } + delivery.statuses.map { .whatsappStatus($0) },
                            source: "meta", channel: channel, responder: responder, ignored: delivery.ignoredFields)
            }
        }
    }

    private static func metaChannel(_ context: RouteContext, _ request: HTTPRequest) throws -> Channel {
        guard let channel = try context.channels.find(reference: request.parameters["channel"] ?? ""), channel.provider == .meta else {
            throw DomainError.notFound("no Meta WhatsApp channel \(request.parameters["channel"] ?? "")")
        }
        return channel
    }

    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the app secret>`,
    /// checked over the bytes as received (never re-serialised JSON), in constant time.
    static func verifySignature(_ request: HTTPRequest, secret: String) throws {
        guard !secret.isEmpty else { throw DomainError.unauthorized("the channel has no app secret configured; refusing unsigned deliveries") }
        guard let header = request.header("x-hub-signature-256") else {
            throw WebhookError.badSignature("missing X-Hub-Signature-256")
        }
        guard header.hasPrefix("sha256=") else {
            throw WebhookError.badSignature("X-Hub-Signature-256 does not start with sha256= (Meta sends sha256=<hex HMAC>)")
        }
        let expected = Crypto.hmacSHA256(key: Array(secret.utf8), data: request.body).hexString
        guard Crypto.constantTimeEquals(Array(header.dropFirst(7).lowercased().utf8), Array(expected.utf8)) else {
            throw WebhookError.badSignature("X-Hub-Signature-256 does not match the body")
        }
    }
}

/// Stores a delivery's messages and statuses in one write job; answers after the commit.
struct WhatsAppIngest: Sendable {
    let store: Store
    let hub: EventHub

    /// `channel` is the channel the delivery was authenticated for, already read.
    func ingest(_ events: [DomainEvent], source: String, channel: Channel, responder: Responder, ignored: [String] = []) {
        let receivedAt = Timestamp.now()
        let listening = hub.isListenedTo
        // Keys and payloads are made here, on the event loop, so the single writer only writes.
        var rulesByChannel = [channel.id: ChannelRules(channel)]
        let prepared = events.map { event -> (DomainEvent, String, String) in
            switch event {
            case .whatsappInbound(var m):
                // The rules of the message's own channel (a Meta app may route to another), read now.
                if rulesByChannel[m.channelId] == nil, let other = try? store.read({ db in try Channel.load(db, id: m.channelId) }) {
                    rulesByChannel[m.channelId] = ChannelRules(other)
                }
                m.rules = rulesByChannel[m.channelId]
                return (.whatsappInbound(m), "wa:\(m.channelId):m:\(m.messageId)", m.domainEventJSON)
            default: break
            }
            let payload = JSONText.string(event)
            switch event {
            case .whatsappStatus(let s): return (event, "wa:\(s.channelId):s:\(s.messageId):\(s.status)", payload)
            // A provider id is either the client's message or our echo, never both: one key space.
            case .whatsappEcho(let e): return (event, "wa:\(e.channelId):m:\(e.messageId)", payload)
            default: return (event, "wa:\(UUID().uuidString)", payload)
            }
        }
        let settings = SettingsLookup.preferring(channel)
        store.write({ db -> [EventLog.Outcome] in
            try prepared.map { event, key, payload in
                try EventLog.record(event, source: source, integrationId: nil, key: key, rawBody: nil, receivedAt: receivedAt,
                                    in: db, settings: settings, payload: payload, wantsLiveUpdates: listening)
            }
        }, completion: { result in
            switch result {
            case .success(let outcomes):
                var stored = 0, duplicates = 0, skipped = 0
                var updates: [LiveUpdate] = []
                for outcome in outcomes {
                    switch outcome {
                    case .duplicate: duplicates += 1
                    case .applied(_, let applied):
                        if applied.flag != nil { skipped += 1 } else { stored += 1 }
                        updates += applied.updates
                    }
                }
                responder.send(.json(["stored": stored, "duplicates": duplicates, "skipped": skipped, "ignoredFields": ignored.count]))
                hub.publishAfterCommit(updates)
            case .failure(let error):
                responder.send(error: error)
            }
        })
    }
}
