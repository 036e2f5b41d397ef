import Foundation
import Store

/// Agents' side of sending: checks and renders a message, records it (the outbox), previews it,
/// and resets a conversation. The HTTP calls to Meta and Wazzup are the `WhatsAppSender`'s.
struct WhatsAppSending: Sendable {
    let store: Store
    let hub: EventHub
    let sender: WhatsAppSender

    /// The answer to a send: the message parts as recorded, and their shared id.
    struct Sent: Encodable, Sendable {
        let outboundId: String
        let channelId: Int
        let message: MessageRecord?
        let messages: [MessageRecord]
    }

    /// Records `draft` for `agent` to send to `contactId` and wakes the sender.
    /// - Returns: 202 with the pending message; 200 with the same message when `idempotencyKey` was seen.
    /// `request` identifies what was asked (the route gives the contact and the body): the same
    /// key with another request is 422, as for every other write; it answered 200 with the first
    /// message, and nothing was sent to the second client.
    func send(_ draft: OutboundDraft, to contactId: Int, by agent: Agent, idempotencyKey: String?,
              request: String = "") throws -> (status: Int, sent: Sent) {
        let outboundId = UUID().uuidString.lowercased()
        let fingerprint = Crypto.sha256(Array("\(contactId)\n\(request)".utf8)).hexString
        let key = idempotencyKey.map { "wa-out:agent:\(agent.id):\($0)" } ?? "wa-out:\(outboundId)"
        let now = Date()
        let receivedAt = Timestamp.format(now)
        let (status, sent, updates) = try store.writeAndWait { db -> (Int, Sent, [LiveUpdate]) in
            if let earlier = try Self.recorded(db, key: key) {
                // Rows from before the fingerprint was kept have none: answered as they were.
                if let first = try db.scalar("SELECT result FROM raw_events WHERE idempotency_key = ?", key).string, first != fingerprint {
                    throw DomainError.unprocessable("this Idempotency-Key was used for a different request")
                }
                return (200, earlier, [])
            }
            // Checked inside the writer job: two agents racing for an unsorted client are decided here,
            // with the agent as they are now (one no longer receiving new clients claimed pooled ones;
            // a changed role or key is refused before this by WriteGuard).
            let current = try WriteCheck.current(agent, in: db)
            let conversation = try OutboundConversation.resolve(db, contactId: contactId, channelId: draft.channelId,
                                                                agent: current, intent: .write)
            if draft.isFreeForm { try conversation.requireOpenWindow(at: now) }
            let parts = try conversation.render(draft, outboundId: outboundId, in: db)
            try conversation.requireSendable(parts)
            // DESIGN: the first *manager* to answer owns the client; a supervisor's word leaves it in the pool.
            let claims = current.role == .manager && conversation.contact.ownerAgentId == nil
                && conversation.channel.settings.distribution == .unsorted
            let outbound = WhatsAppOutbound(outboundId: outboundId, channelId: conversation.channel.id, contactId: contactId,
                                            agentId: agent.id, to: conversation.to, parts: parts, claims: claims)
            let outcome = try EventLog.record(.whatsappOutbound(outbound), source: "api", integrationId: nil, key: key, rawBody: nil,
                                              receivedAt: receivedAt, in: db, settings: .fromDatabase)
            guard case .applied(let eventId, let result) = outcome, let sent = try Self.recorded(db, key: key) else {
                throw DomainError.conflict("a request with this Idempotency-Key was already applied")
            }
            try db.execute("UPDATE raw_events SET result = ? WHERE id = ?", fingerprint, eventId)
            return (202, sent, result.updates)
        }
        hub.publishAfterCommit(updates)
        if status == 202 { sender.kick() }
        return (status, sent)
    }

    /// What `draft` would send, merge fields filled in, without sending; and whether free text may go now.
    struct Preview: Encodable, Sendable {
        let channelId: Int
        let to: String
        let text: String?
        let template: OutboundTemplate?
        let attachments: [OutboundAttachment]
        let windowOpen: Bool
        let windowClosesAt: String?
    }

    func preview(_ draft: OutboundDraft, to contactId: Int, by agent: Agent) throws -> Preview {
        try store.read { db in
            let conversation = try OutboundConversation.resolve(db, contactId: contactId, channelId: draft.channelId, agent: agent, intent: .read)
            let parts = try conversation.render(draft, outboundId: "preview", in: db)
            try conversation.requireSendable(parts)
            let now = Date()
            return Preview(channelId: conversation.channel.id, to: conversation.to, text: parts.first { $0.type == "text" }?.text,
                           template: parts.first?.template, attachments: parts.compactMap(\.attachment),
                           windowOpen: conversation.isWindowOpen(at: now), windowClosesAt: conversation.windowClosesAt.map(Timestamp.format))
        }
    }

    /// The agent read the conversation and will not reply: the counter and the reply task are cleared
    /// (on `channelId`, or on every thread with the client).
    func resetConversation(contactId: Int, channelId: Int?, by agent: Agent, idempotencyKey: String?) throws -> ApplyResult {
        let key = idempotencyKey.map { "api:\(agent.id):\($0)" } ?? "api:\(UUID().uuidString)"
        let receivedAt = Timestamp.now()
        let outcome = try store.writeAndWait { db -> EventLog.Outcome in
            guard let contact = try ContactRecord.load(db, id: contactId), agent.canSee(contactOwner: contact.ownerAgentId) else {
                throw DomainError.notFound("no contact \(contactId)")
            }
            guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not change this conversation") }
            if let channelId, try Channel.load(db, id: channelId) == nil { throw DomainError.unprocessable("no channel \(channelId)") }
            return try EventLog.record(.whatsappConversationReset(channelId: channelId, contactId: contactId, agentId: agent.id), source: "api",
                                       integrationId: nil, key: key, rawBody: nil, receivedAt: receivedAt, in: db, settings: .fromDatabase)
        }
        switch outcome {
        case .applied(_, let result): return result
        case .duplicate(let id):
            // The same key for another client or channel is 422: it answered as if that one was reset.
            let first = try store.read { db in try db.scalar("SELECT payload FROM raw_events WHERE id = ?", id).string }
            let asked = JSONText.string(DomainEvent.whatsappConversationReset(channelId: channelId, contactId: contactId, agentId: agent.id))
            guard first == asked else { throw DomainError.unprocessable("this Idempotency-Key was used for a different request") }
            return ApplyResult(contactId: contactId)
        }
    }

    /// The message recorded under an idempotency key, with its current status.
    private static func recorded(_ db: Database, key: String) throws -> Sent? {
        guard let payload = try db.scalar("SELECT payload FROM raw_events WHERE idempotency_key = ?", key).string,
              case .whatsappOutbound(let outbound) = try JSONText.decoder.decode(DomainEvent.self, from: Data(payload.utf8)) else { return nil }
        let messages = try outbound.parts.compactMap { part in
            try db.queryOne("SELECT * FROM wa_messages WHERE outbound_id = ?", part.partId).map(MessageRecord.init(row:))
        }
        return Sent(outboundId: outbound.outboundId, channelId: outbound.channelId, message: messages.first, messages: messages)
    }
}
