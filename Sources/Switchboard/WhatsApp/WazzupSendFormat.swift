import Foundation
import HTTPClient

/// Wazzup's send API (https://wazzup24.com/help/api-en/sending-messages/):
/// `POST {apiBase}/v3/message` with `Authorization: Bearer <API key>` and
/// `{"channelId", "chatType": "whatsapp", "chatId", "text" | "contentUri", "crmMessageId"}`,
/// answered `201 {"messageId": "<uuid>", "chatId": "…"}`.
///
/// Wazzup takes either a text or one file link per message, never both, so a part whose
/// attachment has a caption becomes two requests: the file, then the caption as a text.
/// The route is not idempotent by itself; `crmMessageId` makes it so: a repeat is refused with
/// `400 {"error": "repeatedCrmMessageId"}`, which means the first one went out.
///
/// The channel holds the Wazzup channel id in `phoneNumberId` and the API key in `accessToken`;
/// `settings.apiBase` points elsewhere only when it is not Meta's default (tests, proxies).
enum WazzupSendFormat {
    static let defaultAPIBase = "https://api.wazzup24.com"
    /// Wazzup's limit for WhatsApp texts.
    static let maxTextLength = 10_000

    /// The requests that send one part of an agent's message, in order.
    /// `to` is the client's WhatsApp id (digits; a leading `+` or spaces are dropped).
    /// The first request's `crmMessageId` is the part id, a caption's is `<partId>.caption`.
    static func requests(for part: WhatsAppOutbound.Part, to: String, channel: Channel) throws -> [HTTPClient.Request] {
        guard part.template == nil else {
            throw DomainError.unprocessable("templates are not sent through Wazzup by Switchboard yet; send them from Wazzup")
        }
        return try requests(channel: channel, to: to, text: part.text, attachments: part.attachment.map { [$0] } ?? [], crmMessageId: part.partId)
    }

    /// The requests that send `text` and `attachments` to `to`: the files first (each by link), then
    /// the text, or each file's caption after it when there is no separate text.
    static func requests(channel: Channel, to: String, text: String?, attachments: [OutboundAttachment], crmMessageId: String) throws -> [HTTPClient.Request] {
        var requests: [HTTPClient.Request] = []
        for (index, attachment) in attachments.enumerated() {
            guard let link = attachment.link, !link.isEmpty else {
                throw DomainError.unprocessable("Wazzup sends files by link: attachment \(index + 1) has no link")
            }
            let id = index == 0 ? crmMessageId : "\(crmMessageId).\(index)"
            requests.append(try request(channel: channel, chatId: to, content: .file(link), crmMessageId: id))
            if let caption = attachment.caption ?? (attachments.count == 1 ? text : nil), !caption.isEmpty {
                requests.append(try request(channel: channel, chatId: to, content: .text(caption), crmMessageId: "\(id).caption"))
            }
        }
        if attachments.isEmpty {
            guard let text, !text.isEmpty else { throw DomainError.unprocessable("nothing to send: no text and no attachment") }
            requests.append(try request(channel: channel, chatId: to, content: .text(text), crmMessageId: crmMessageId))
        } else if let text, !text.isEmpty, attachments.count > 1 {
            requests.append(try request(channel: channel, chatId: to, content: .text(text), crmMessageId: "\(crmMessageId).text"))
        }
        return requests
    }

    /// What one Wazzup message carries.
    enum Content: Equatable {
        case text(String)
        case file(String)
    }

    /// One `POST /v3/message`.
    static func request(channel: Channel, chatId: String, content: Content, crmMessageId: String) throws -> HTTPClient.Request {
        guard channel.provider == .wazzup else { throw DomainError.invalid("channel \(channel.name) is not a Wazzup channel") }
        guard let wazzupChannel = channel.phoneNumberId, !wazzupChannel.isEmpty else {
            throw DomainError.unprocessable("channel \(channel.name) has no Wazzup channel id (phoneNumberId)")
        }
        guard !channel.accessToken.isEmpty else { throw DomainError.unprocessable("channel \(channel.name) has no Wazzup API key (accessToken)") }
        let digits = chatId.filter(\.isASCII).filter(\.isNumber)
        guard !digits.isEmpty else { throw DomainError.unprocessable("\(chatId) is not a WhatsApp number") }
        var body: [String: Any] = ["channelId": wazzupChannel, "chatType": "whatsapp", "chatId": digits, "crmMessageId": crmMessageId]
        switch content {
        case .text(let text):
            guard text.count <= maxTextLength else { throw DomainError.unprocessable("Wazzup takes WhatsApp texts of at most \(maxTextLength) characters") }
            body["text"] = text
        case .file(let link):
            body["contentUri"] = link
        }
        guard let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            // Only strings go in: serialising cannot fail.
            preconditionFailure("Wazzup request \(crmMessageId) is not JSON")
        }
        return HTTPClient.Request(method: "POST", url: apiBase(for: channel) + "/v3/message",
                                  headers: [("Authorization", "Bearer \(channel.accessToken)"), ("Content-Type", "application/json")],
                                  body: [UInt8](data))
    }

    /// Wazzup's API root for `channel`: its `apiBase` unless that is still Meta's default.
    static func apiBase(for channel: Channel) -> String {
        var base = channel.settings.apiBase == ChannelSettings().apiBase ? defaultAPIBase : channel.settings.apiBase
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The outcome of one send, from the status and body Wazzup answered.
    enum Outcome: Equatable {
        /// Sent; the id later statuses and echoes carry.
        case sent(messageId: String)
        /// Refused as a repeat of a `crmMessageId` already sent: it went out before (its id comes with the echo).
        case alreadySent
        /// Worth another try later (429, 5xx).
        case retry(String)
        /// Refused for good (bad number, channel not active, bad API key…).
        case refused(code: String?, message: String)
    }

    /// Reads Wazzup's answer: `201 {"messageId"}`, or `{"error": "<code>", "description": "…"}`.
    static func outcome(status: Int, body: [UInt8]) -> Outcome {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if (200..<300).contains(status) {
            if let id = object?["messageId"] as? String, !id.isEmpty { return .sent(messageId: id) }
            return .retry("Wazzup answered \(status) without a messageId")
        }
        let code = object?["error"] as? String
        let description = (object?["description"] as? String) ?? code ?? "HTTP \(status)"
        if code == "repeatedCrmMessageId" { return .alreadySent }
        if status == 429 || status >= 500 { return .retry("Wazzup answered \(status): \(description)") }
        return .refused(code: code, message: description)
    }
}
