import Foundation

/// Meta WhatsApp Cloud API webhooks
/// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components):
/// `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{…}}]}]}`.
/// One delivery may carry many messages and statuses, for several business numbers.
enum MetaWebhookFormat {
    /// What one delivery holds, in arrival order.
    struct Delivery {
        var inbound: [WhatsAppInbound] = []
        var statuses: [WhatsAppStatus] = []
        /// Change fields we do not handle (template updates and the like): acknowledged, not stored.
        var ignoredFields: [String] = []
    }

    /// Decodes a delivery; `channelFor` maps a `phone_number_id` to our channel id.
    static func decode(_ body: [UInt8], channelFor: (String?) throws -> Int) throws -> Delivery {
        let root = try WebhookJSON.object(body)
        guard let object = root["object"] as? String else { throw WebhookError.missingField("object") }
        guard object == "whatsapp_business_account" else { throw WebhookError.invalidField("object", "unknown object \(object)") }
        guard let entries = root["entry"] as? [[String: Any]] else { throw WebhookError.missingField("entry") }
        var delivery = Delivery()
        for entry in entries {
            for change in entry["changes"] as? [[String: Any]] ?? [] {
                let field = change["field"] as? String ?? ""
                guard field == "messages" else {
                    delivery.ignoredFields.append(field)
                    continue
                }
                guard let value = change["value"] as? [String: Any] else { throw WebhookError.missingField("value") }
                let metadata = value["metadata"] as? [String: Any]
                let channel = try channelFor(metadata?["phone_number_id"] as? String)
                var names: [String: String] = [:]
                var userIds: [String: String] = [:]
                for contact in value["contacts"] as? [[String: Any]] ?? [] {
                    let key = (contact["wa_id"] as? String) ?? (contact["user_id"] as? String) ?? ""
                    if let name = (contact["profile"] as? [String: Any])?["name"] as? String { names[key] = name }
                    if let user = contact["user_id"] as? String { userIds[key] = user }
                }
                for message in value["messages"] as? [[String: Any]] ?? [] {
                    delivery.inbound.append(try inbound(message, channel: channel, names: names, userIds: userIds))
                }
                for status in value["statuses"] as? [[String: Any]] ?? [] {
                    delivery.statuses.append(try self.status(status, channel: channel))
                }
            }
        }
        return delivery
    }

    private static func inbound(_ m: [String: Any], channel: Int, names: [String: String], userIds: [String: String]) throws -> WhatsAppInbound {
        guard let id = m["id"] as? String else { throw WebhookError.missingField("messages[].id") }
        let from = m["from"] as? String
        let user = (m["from_user_id"] as? String) ?? (m["user_id"] as? String) ?? from.flatMap { userIds[$0] }
        guard from != nil || user != nil else { throw WebhookError.missingField("messages[].from") }
        guard let type = m["type"] as? String else { throw WebhookError.missingField("messages[].type") }
        let timestamp = (m["timestamp"] as? String).flatMap(Timestamp.normalize) ?? Timestamp.now()
        var message = WhatsAppInbound(channelId: channel, messageId: id, from: from, userId: user,
                                      profileName: names[from ?? user ?? ""], timestamp: timestamp, type: type, text: nil,
                                      details: nil, skipReason: nil, newNumber: nil, media: [], referral: nil)
        let body = m[type] as? [String: Any]
        if let body { message.details = jsonText(body) }
        if let referral = m["referral"] as? [String: Any] { message.referral = jsonText(referral) }
        if m["group_id"] != nil || (m["context"] as? [String: Any])?["group_id"] != nil {
            message.skipReason = "group messages are not synced"
            return message
        }
        switch type {
        case "text":
            message.text = body?["body"] as? String
        case "image", "audio", "video", "document", "sticker", "voice":
            message.text = body?["caption"] as? String
            if let mediaId = body?["id"] as? String {
                message.media = [WhatsAppMediaRef(id: mediaId, mimeType: body?["mime_type"] as? String, sha256: body?["sha256"] as? String,
                                                  filename: body?["filename"] as? String)]
            }
        case "interactive":
            let reply = (body?["button_reply"] ?? body?["list_reply"] ?? body?["nfm_reply"]) as? [String: Any]
            message.text = (reply?["title"] as? String) ?? (reply?["body"] as? String)
        case "button":
            message.text = (body?["text"] as? String) ?? (body?["payload"] as? String)
        case "reaction":
            // A removed reaction comes as a reaction without an emoji: no new message.
            message.text = body?["emoji"] as? String
            if message.text?.isEmpty ?? true { message.skipReason = "a reaction was removed" }
        case "system":
            message.text = body?["body"] as? String
            if body?["type"] as? String == "user_changed_number" {
                message.newNumber = (body?["new_wa_id"] as? String) ?? (body?["wa_id"] as? String)
            }
        case "order":
            message.text = (body?["text"] as? String) ?? "order"
        case "location":
            message.skipReason = "location messages are not synced"
        case "contacts":
            message.skipReason = "shared contact cards are not synced"
        case "poll":
            message.skipReason = "polls are not synced"
        default:
            let errors = (m["errors"] as? [[String: Any]])?.first
            message.skipReason = "unsupported message type \(type)" + ((errors?["title"] as? String).map { ": \($0)" } ?? "")
        }
        return message
    }

    private static func status(_ s: [String: Any], channel: Int) throws -> WhatsAppStatus {
        guard let id = s["id"] as? String else { throw WebhookError.missingField("statuses[].id") }
        // A value we do not know (Meta's legacy `deleted`, one added later) is kept in the history
        // and flagged (`applyStatus`), not refused: Meta would redeliver the whole batch forever.
        guard let status = s["status"] as? String, !status.isEmpty else {
            throw WebhookError.invalidField("statuses[].status", "expected a status such as sent, delivered, read or failed")
        }
        let error = (s["errors"] as? [[String: Any]])?.first
        let message = ((error?["error_data"] as? [String: Any])?["details"] as? String) ?? (error?["title"] as? String) ?? (error?["message"] as? String)
        return WhatsAppStatus(channelId: channel, messageId: id, status: status,
                              timestamp: (s["timestamp"] as? String).flatMap(Timestamp.normalize) ?? Timestamp.now(),
                              errorCode: (error?["code"] as? NSNumber)?.intValue, errorMessage: message)
    }

    private static func jsonText(_ object: Any) -> String? { WebhookJSONText.text(object) }
}
