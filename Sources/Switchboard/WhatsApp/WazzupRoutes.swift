import Foundation
import HTTPServer
import Store

/// `POST /webhooks/wazzup/:secret`: Wazzup's messages and statuses for the channel owning the secret.
///
/// Wazzup does not sign its webhooks (it can only send back a `crmKey` we would have to give
/// it first), so the unguessable secret in the URL is the authentication, as for call platforms
/// that cannot send headers; the request log shows the route pattern, never the secret.
enum WazzupRoutes {
    /// Wazzup batches are small JSON documents; anything bigger is refused before it is parsed.
    static let maxBodyBytes = 3 * 1024 * 1024

    static func register(on router: inout Router, _ context: RouteContext) {
        router.post("/webhooks/wazzup/:secret") { request, responder in
            CallWebhookRoutes.handle(responder) {
                guard request.body.count <= maxBodyBytes else {
                    throw HTTPError(413, code: "body_too_large", "Wazzup deliveries are limited to 3 MB")
                }
                let secret = request.parameters["secret"] ?? ""
                guard !secret.isEmpty, let channel = try context.channels.authenticate(secret: secret), channel.provider == .wazzup else {
                    throw DomainError.unauthorized("unknown Wazzup webhook secret")
                }
                try CallWebhookRoutes.requireJSON(request)
                let delivery = try WazzupWebhookFormat.decode(request.body, channelFor: { wazzupChannel in
                    try channelId(for: wazzupChannel, authenticated: channel, context)
                }, channelOfStatus: { messageId in
                    // A status names only the message; Wazzup ids are UUIDs, unique across the account's channels.
                    try context.store.read { db in
                        try db.scalar("""
                            SELECT m.channel_id FROM wa_messages m JOIN channels c ON c.id = m.channel_id
                            WHERE m.wamid = ? AND c.provider = 'wazzup' LIMIT 1
                            """, messageId).int
                    } ?? channel.id
                })
                if delivery.isTest {
                    responder.send(.json(["ok": true]))
                    return
                }
                WhatsAppIngest(store: context.store, hub: context.hub)
                    .ingest(delivery.events, source: "wazzup", channel: channel, responder: responder, ignored: delivery.ignored)
            }
        }
    }

    /// The channel a message belongs to: the authenticated one when Wazzup's `channelId` is its own
    /// (or it has none configured), another Wazzup channel of ours with that id, else none.
    private static func channelId(for wazzupChannel: String?, authenticated channel: Channel, _ context: RouteContext) throws -> Int? {
        guard let wazzupChannel, let own = channel.phoneNumberId, !own.isEmpty else { return channel.id }
        if wazzupChannel == own { return channel.id }
        return try context.store.read { db in
            try db.scalar("SELECT id FROM channels WHERE phone_number_id = ? AND provider = 'wazzup'", wazzupChannel).int
        }
    }
}
