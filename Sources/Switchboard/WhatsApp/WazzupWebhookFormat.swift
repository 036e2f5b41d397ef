import Foundation

/// Wazzup API v3 webhooks (https://wazzup24.com/help/webhooks/):
/// `{"messages":[{messageId, channelId, chatType, chatId, dateTime, type, status, text, contentUri,
/// isEcho, contact:{name, phone}, authorName…}], "statuses":[{messageId, timestamp, status, error}]}`;
/// one delivery may hold both arrays. `{"test":true}` is the subscription ping.
///
/// Wazzup is one webhook URL per account, so a delivery can name channels of the account that
/// Switchboard does not handle (a Telegram or Instagram channel): those messages are acknowledged
/// and listed as ignored, never refused, or Wazzup would redeliver the rest of the batch forever.
enum WazzupWebhookFormat {
    /// What one delivery holds.
    struct Delivery {
        /// The `{"test": true}` ping Wazzup sends when the webhook is subscribed: answered, not stored.
        var isTest = false
        var inbound: [WhatsAppInbound] = []
        var echoes: [WhatsAppEcho] = []
        var statuses: [WhatsAppStatus] = []
        /// Entries acknowledged but not stored, each with the reason.
        var ignored: [String] = []

        /// Everything to store, as domain events.
        var events: [DomainEvent] {
            inbound.map { .whatsappInbound($0) } + echoes.map { .whatsappEcho($0) } + statuses.map { .whatsappStatus($0) }
        }
    }

    /// Decodes a delivery. `channelFor` maps Wazzup's `channelId` to our channel id (nil: not ours);
    /// `channelOfStatus` finds the channel of a status, which names only the message.
    static func decode(_ body: [UInt8], channelFor: (String?) throws -> Int?, channelOfStatus: (String) throws -> Int) throws -> Delivery {
        let root = try WebhookJSON.object(body)
        var delivery = Delivery()
        if root["test"] as? Bool == true {
            delivery.isTest = true
            return delivery
        }
        guard root["messages"] != nil || root["statuses"] != nil else {
            throw WebhookError.missingField("messages or statuses")
        }
        for (index, item) in try array(root["messages"], "messages").enumerated() {
            guard let m = item as? [String: Any] else { throw WebhookError.invalidField("messages[\(index)]", "expected an object") }
            guard let id = m["messageId"] as? String, !id.isEmpty else { throw WebhookError.missingField("messages[\(index)].messageId") }
            let wazzupChannel = m["channelId"] as? String
            guard let channel = try channelFor(wazzupChannel) else {
                delivery.ignored.append("message \(id): channel \(wazzupChannel ?? "none") is not a Switchboard channel")
                continue
            }
            if m["isEcho"] as? Bool == true {
                delivery.echoes.append(try echo(m, id: id, channel: channel, index: index))
            } else {
                delivery.inbound.append(try inbound(m, id: id, channel: channel, index: index))
            }
        }
        for (index, item) in try array(root["statuses"], "statuses").enumerated() {
            guard let s = item as? [String: Any] else { throw WebhookError.invalidField("statuses[\(index)]", "expected an object") }
            guard let id = s["messageId"] as? String, !id.isEmpty else { throw WebhookError.missingField("statuses[\(index)].messageId") }
            let raw = s["status"] as? String ?? ""
            guard let status = status(raw) else {
                delivery.ignored.append("status \(raw) of \(id): not a delivery status")
                continue
            }
            let error = s["error"] as? [String: Any]
            let message = [error?["error"] as? String, error?["description"] as? String].compactMap { $0 }.joined(separator: ": ")
            delivery.statuses.append(WhatsAppStatus(channelId: try channelOfStatus(id), messageId: id, status: status,
                                                    timestamp: (s["timestamp"] as? String).flatMap(Timestamp.normalize) ?? Timestamp.now(),
                                                    errorCode: nil, errorMessage: message.isEmpty ? nil : message))
        }
        return delivery
    }

    /// Wazzup's statuses onto ours: `error` is `failed`; `inbound`, `edited` and the like are not delivery statuses.
    static func status(_ wazzup: String) -> String? {
        switch wazzup {
        case "sent", "delivered", "read": return wazzup
        case "error": return "failed"
        default: return nil
        }
    }

    /// What every message carries, whichever side wrote it.
    private struct Common {
        var from: String?
        var timestamp: String
        var type: String
        var text: String?
        var details: String?
        var media: [WhatsAppMediaRef] = []
        var skipReason: String?
        var contactName: String?
    }

    private static func common(_ m: [String: Any], id: String, index: Int) throws -> Common {
        guard let type = m["type"] as? String else { throw WebhookError.missingField("messages[\(index)].type") }
        let chatType = m["chatType"] as? String ?? ""
        let chatId = m["chatId"] as? String
        var c = Common(timestamp: (m["dateTime"] as? String).flatMap(Timestamp.normalize) ?? Timestamp.now(), type: type,
                       text: (m["text"] as? String).flatMap { $0.isEmpty ? nil : $0 }, contactName: (m["contact"] as? [String: Any])?["name"] as? String)
        var details: [String: Any] = ["chatType": chatType]
        if let chatId { details["chatId"] = chatId }
        let contentUri = m["contentUri"] as? String
        if let contentUri { details["contentUri"] = contentUri }
        c.details = jsonText(details)
        switch chatType {
        case "whatsapp":
            guard let chatId, !chatId.isEmpty else { throw WebhookError.missingField("messages[\(index)].chatId") }
            c.from = chatId
        case "whatsgroup":
            c.skipReason = "group messages are not synced"
            return c
        default:
            c.skipReason = "not a WhatsApp chat (chatType \(chatType.isEmpty ? "missing" : chatType))"
            return c
        }
        switch type {
        case "text":
            break
        case "image", "audio", "video", "document":
            // Wazzup gives a link, not a media id: the message id names the file, the link is in `details`.
            if contentUri != nil { c.media = [WhatsAppMediaRef(id: id, mimeType: nil, sha256: nil, filename: nil)] }
        case "wapi_template":
            c.type = "template"
        case "geo":
            c.skipReason = "location messages are not synced"
        case "vcard":
            c.skipReason = "shared contact cards are not synced"
        case "missing_call":
            c.skipReason = "missed WhatsApp calls are not synced as messages"
        default:
            c.skipReason = "unsupported message type \(type)"
        }
        return c
    }

    private static func inbound(_ m: [String: Any], id: String, channel: Int, index: Int) throws -> WhatsAppInbound {
        let c = try common(m, id: id, index: index)
        return WhatsAppInbound(channelId: channel, messageId: id, from: c.from, userId: nil, profileName: c.contactName,
                               timestamp: c.timestamp, type: c.type, text: c.text, details: c.details, skipReason: c.skipReason,
                               newNumber: nil, media: c.media, referral: nil)
    }

    private static func echo(_ m: [String: Any], id: String, channel: Int, index: Int) throws -> WhatsAppEcho {
        let c = try common(m, id: id, index: index)
        let error = m["error"] as? [String: Any]
        var status = status(m["status"] as? String ?? "") ?? "sent"
        if error != nil { status = "failed" }
        return WhatsAppEcho(channelId: channel, messageId: id, to: c.from, clientName: c.contactName, timestamp: c.timestamp, type: c.type,
                            text: c.text, details: c.details, media: c.media, status: status, skipReason: c.skipReason,
                            authorName: m["authorName"] as? String, crmMessageId: m["crmMessageId"] as? String)
    }

    private static func array(_ value: Any?, _ name: String) throws -> [Any] {
        guard let value, !(value is NSNull) else { return [] }
        guard let array = value as? [Any] else { throw WebhookError.invalidField(name, "expected an array") }
        return array
    }

    private static func jsonText(_ object: [String: Any]) -> String? {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
