import Foundation
import Store

/// The thread an agent writes into: the client, the business number, the address Meta takes,
/// the customer-service window and the merge field values. Resolved inside a read or inside the
/// writer job that records the message, so the rules hold against concurrent replies.
struct OutboundConversation {
    let contact: ContactRecord
    let channel: Channel
    /// The recipient's WhatsApp id (digits, no `+`).
    let to: String
    /// When the client last wrote on this thread.
    let lastInboundAt: String?
    let fields: MergeFields

    /// Meta's customer-service window: free-form messages for 24 hours after the client's last message
    /// (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows).
    static let window: TimeInterval = 24 * 60 * 60

    /// Whether the channel has Meta's customer-service window. Wazzup's channels do not: they are
    /// WhatsApp numbers linked by QR code (the WhatsApp app, not the Cloud API), which Wazzup's send
    /// API (https://wazzup24.com/help/api-en/sending-messages/) lets write to a `whatsapp` chat at any
    /// time, with texts of up to 10,000 characters; only WABA numbers have the 24-hour rule there,
    /// and Wazzup itself enforces it (its refusal then fails the message with Wazzup's error).
    var hasServiceWindow: Bool { channel.provider == .meta }

    /// When the window closes (or closed); nil when the client never wrote on this thread, or the channel has no window.
    var windowClosesAt: Date? {
        guard hasServiceWindow else { return nil }
        return lastInboundAt.flatMap(Timestamp.parse).map { $0.addingTimeInterval(Self.window) }
    }

    func isWindowOpen(at now: Date) -> Bool {
        guard hasServiceWindow else { return true }
        return windowClosesAt.map { now < $0 } ?? false
    }

    /// 409 unless free-form text may go now, naming when the window closed.
    func requireOpenWindow(at now: Date) throws {
        guard !isWindowOpen(at: now) else { return }
        guard let closes = windowClosesAt, let last = lastInboundAt else {
            throw DomainError.conflict("the client has not written to \(channel.name), so the 24-hour customer-service window is not open; "
                + "only an approved template can be sent")
        }
        throw DomainError.conflict("the 24-hour customer-service window closed at \(Timestamp.format(closes)) (the client last wrote at \(last)); "
            + "outside it only an approved template can be sent")
    }

    /// What `agent` may do here.
    enum Intent { case read, write }

    /// Finds the contact and the channel (`channelId`, else the client's most recent thread, else
    /// the only channel) and checks `agent`'s role: quality control reads only; a manager writes to
    /// clients they own, or to an owner-less client of an unsorted channel when they receive new clients.
    static func resolve(_ db: Database, contactId: Int, channelId: Int?, agent: Agent, intent: Intent) throws -> OutboundConversation {
        guard let contact = try ContactRecord.load(db, id: contactId) else { throw DomainError.notFound("no contact \(contactId)") }
        // A manager does not learn that another manager's client exists (one who lost the race for
        // an unsorted client was told who won by `whatsapp.claimed`).
        if agent.role == .manager, let owner = contact.ownerAgentId, owner != agent.id { throw DomainError.notFound("no contact \(contactId)") }
        if intent == .write && agent.role == .qualityControl { throw DomainError.forbidden("quality control cannot write to clients") }
        // An unowned client, to a manager: only one in the pool (a thread on an unsorted channel),
        // to one who receives new clients, checked before anything else is told (naming an unsorted
        // channel for any other unowned contact read it and took it).
        let pooled = agent.role == .manager && contact.ownerAgentId == nil
        if try pooled && (!agent.receivesNewClients || !RouteContext.isUnsorted(contactId, in: db)) {
            throw DomainError.notFound("no contact \(contactId)")
        }
        let channel = try pickChannel(db, contactId: contactId, channelId: channelId, unsortedOnly: pooled)
        if pooled, channel.settings.distribution != .unsorted { throw DomainError.notFound("no contact \(contactId)") }
        let thread = try db.queryOne("SELECT last_inbound_at FROM wa_threads WHERE channel_id = ? AND contact_id = ?", channel.id, contactId)
        // The number the client wrote from on this thread, else the contact's first number.
        let lastFrom = try db.scalar("""
            SELECT client_wa_id FROM wa_messages WHERE channel_id = ? AND contact_id = ? AND direction = 'inbound' AND client_wa_id IS NOT NULL
            ORDER BY sent_at DESC, id DESC LIMIT 1
            """, channel.id, contactId).string
        let to: String
        if let lastFrom, !lastFrom.isEmpty, lastFrom.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            to = lastFrom
        } else if let phone = contact.phones.first {
            to = String(phone.drop { $0 == "+" })
        } else {
            throw DomainError.unprocessable("contact \(contactId) has no phone number to write to on WhatsApp")
        }
        let dealTitle = try Projector.outboundDeal(in: db, contactId: contactId).flatMap {
            try db.scalar("SELECT title FROM deals WHERE id = ?", $0).string
        }
        let fields = MergeFields(contactName: contact.name, phone: contact.phones.first, dealTitle: dealTitle, agentName: agent.name)
        return OutboundConversation(contact: contact, channel: channel, to: to, lastInboundAt: thread?.string("last_inbound_at"), fields: fields)
    }

    /// 422 unless the channel's provider can send `parts`: Wazzup takes files by link only and
    /// Switchboard does not send templates through it (checked before anything is recorded).
    func requireSendable(_ parts: [WhatsAppOutbound.Part]) throws {
        guard channel.provider == .wazzup else { return }
        for part in parts { _ = try WazzupSendFormat.requests(for: part, to: to, channel: channel) }
    }

    /// `unsortedOnly`: the client's most recent thread on an unsorted channel (a pooled client,
    /// to a manager, who may write to it only there).
    private static func pickChannel(_ db: Database, contactId: Int, channelId: Int?, unsortedOnly: Bool = false) throws -> Channel {
        if let channelId {
            guard let channel = try Channel.load(db, id: channelId) else { throw DomainError.unprocessable("no channel \(channelId)") }
            return channel
        }
        if let recent = try db.scalar("""
            SELECT t.channel_id FROM wa_threads t JOIN channels c ON c.id = t.channel_id WHERE t.contact_id = ?1
              AND (NOT ?2 OR \(ChannelSettings.isUnsortedSQL("c")))
            ORDER BY max(coalesce(t.last_inbound_at, ''), coalesce(t.last_outbound_at, '')) DESC LIMIT 1
            """, contactId, unsortedOnly).int, let channel = try Channel.load(db, id: recent) {
            return channel
        }
        let all = try db.query("SELECT * FROM channels ORDER BY id").map(Channel.init(row:))
        guard let only = all.first else { throw DomainError.unprocessable("no WhatsApp channel is set up") }
        guard all.count == 1 else {
            throw DomainError.unprocessable("the client has no WhatsApp thread yet and there are several channels; choose one with channelId ("
                + all.map { "\($0.id) \($0.name)" }.joined(separator: ", ") + ")")
        }
        return only
    }

    /// The parts to send, merge fields filled in (a canned answer's text when the draft names one).
    func render(_ draft: OutboundDraft, outboundId: String, in db: Database) throws -> [WhatsAppOutbound.Part] {
        func partId(_ index: Int) -> String { "\(outboundId).\(index)" }
        if let template = draft.template {
            let rendered = OutboundTemplate(name: template.name, language: template.language,
                                            parameters: try template.parameters.map(fields.render))
            return [.init(partId: partId(0), type: "template", text: nil, template: rendered, attachment: nil)]
        }
        var parts: [WhatsAppOutbound.Part] = []
        var text = draft.text
        if let id = draft.cannedAnswerId {
            guard let answer = try CannedAnswer.load(db, id: id) else { throw DomainError.unprocessable("no canned answer \(id)") }
            text = answer.text
        }
        if let text {
            let rendered = try fields.render(text)
            guard rendered.count <= OutboundDraft.maxTextLength else {
                throw DomainError.unprocessable("the text is \(rendered.count) characters with its merge fields filled in; WhatsApp takes \(OutboundDraft.maxTextLength)")
            }
            parts.append(.init(partId: partId(0), type: "text", text: rendered, template: nil, attachment: nil))
        }
        for attachment in draft.attachments {
            var filled = attachment
            filled.caption = try attachment.caption.map(fields.render)
            parts.append(.init(partId: partId(parts.count), type: attachment.type, text: filled.caption, template: nil, attachment: filled))
        }
        return parts
    }
}
