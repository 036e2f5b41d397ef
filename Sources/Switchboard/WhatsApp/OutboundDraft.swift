import Foundation

/// What an agent asked to send, as read from the request body, before merge fields are filled in:
/// `text` (or a `cannedAnswerId`), or a `template`, plus up to five `attachments`; `channelId` optional.
struct OutboundDraft: Sendable {
    var text: String?
    var cannedAnswerId: Int?
    var template: OutboundTemplate?
    var attachments: [OutboundAttachment] = []
    var channelId: Int?

    /// Meta's limits: 5 attachments per message is ours (DESIGN.md), 4,096 characters is a WhatsApp text's.
    static let maxAttachments = 5
    static let maxTextLength = 4096

    /// A template may go at any time; text and attachments only inside the customer-service window.
    var isFreeForm: Bool { template == nil }

    init(_ body: WebhookFields) throws {
        // A typo (`chanelId`) would send on another thread than the one meant: refused, named.
        try APIBody.refuseUnknownFields(of: body.values, known: ["text", "cannedAnswerId", "channelId", "template", "attachments"])
        if let raw = body.values["text"] {
            guard let text = raw as? String else { throw WebhookError.invalidField("text", "expected a string") }
            guard !text.trimmedSpaces.isEmpty else { throw WebhookError.invalidField("text", "empty") }
            guard text.count <= Self.maxTextLength else { throw WebhookError.invalidField("text", "at most \(Self.maxTextLength) characters") }
            self.text = text
        }
        cannedAnswerId = try body.int("cannedAnswerId")
        channelId = try body.int("channelId")
        if let raw = body.values["template"], !(raw is NSNull) {
            guard let object = raw as? [String: Any] else { throw WebhookError.invalidField("template", "expected an object") }
            // `params` for `parameters` would send the template without them.
            try APIBody.refuseUnknownFields(of: object, known: ["name", "language", "parameters"], in: "template")
            let fields = WebhookFields(object)
            guard let name = fields.string("name") else { throw WebhookError.missingField("template.name") }
            guard let language = fields.string("language") else { throw WebhookError.missingField("template.language") }
            let parameters = try (object["parameters"] as? [Any] ?? []).map { value -> String in
                switch value {
                case let text as String: return text
                case let number as NSNumber: return number.stringValue
                default: throw WebhookError.invalidField("template.parameters", "expected strings")
                }
            }
            template = OutboundTemplate(name: name, language: language, parameters: parameters)
        }
        if let raw = body.values["attachments"], !(raw is NSNull) {
            guard let list = raw as? [Any] else { throw WebhookError.invalidField("attachments", "expected an array") }
            guard list.count <= Self.maxAttachments else {
                throw DomainError.unprocessable("at most \(Self.maxAttachments) attachments per message (got \(list.count))")
            }
            attachments = try list.enumerated().map { index, value in try Self.attachment(value, index) }
        }
        if text != nil && cannedAnswerId != nil { throw DomainError.unprocessable("give text or cannedAnswerId, not both") }
        if template != nil && (text != nil || cannedAnswerId != nil || !attachments.isEmpty) {
            throw DomainError.unprocessable("a template is sent on its own, without text or attachments")
        }
        if template == nil && text == nil && cannedAnswerId == nil && attachments.isEmpty {
            throw DomainError.unprocessable("nothing to send: give text, cannedAnswerId, a template or attachments")
        }
    }

    private static func attachment(_ value: Any, _ index: Int) throws -> OutboundAttachment {
        let field = "attachments[\(index)]"
        guard let object = value as? [String: Any] else { throw WebhookError.invalidField(field, "expected an object") }
        try APIBody.refuseUnknownFields(of: object, known: ["type", "link", "mediaId", "caption", "filename"], in: field)
        let fields = WebhookFields(object)
        guard let type = fields.string("type"), OutboundAttachment.types.contains(type) else {
            throw WebhookError.invalidField("\(field).type", "image, document, audio or video")
        }
        let link = fields.string("link"), mediaId = fields.string("mediaId")
        guard (link == nil) != (mediaId == nil) else { throw WebhookError.invalidField(field, "give either link or mediaId") }
        if let link, !(link.hasPrefix("https://") || link.hasPrefix("http://")) {
            throw WebhookError.invalidField("\(field).link", "expected an http(s) URL")
        }
        let caption = fields.string("caption")
        if caption != nil && type == "audio" { throw WebhookError.invalidField("\(field).caption", "audio takes no caption") }
        return OutboundAttachment(type: type, link: link, mediaId: mediaId, caption: caption, filename: fields.string("filename"))
    }
}
