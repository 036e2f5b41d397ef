import Foundation
import Store

extension Projector {
    /// An agent's message: a pending message row per part (on the timeline, in the thread, on the
    /// deal), an outbox row per part for the sender, and the thread counts as answered.
    /// On an unsorted channel the first agent to reply to an owner-less client becomes its owner.
    func applyOutbound(_ o: WhatsAppOutbound, at: String) throws -> ApplyResult {
        guard let channel = try Channel.load(db, id: o.channelId) else { throw DomainError.notFound("channel \(o.channelId) is gone") }
        guard let contact = try ContactRecord.load(db, id: o.contactId) else { throw DomainError.notFound("no contact \(o.contactId)") }
        var result = ApplyResult(contactId: contact.id)
        var owner = contact.ownerAgentId
        var claimed = false
        if owner == nil, o.claims ?? (channel.settings.distribution == .unsorted) {
            try db.execute("UPDATE contacts SET owner_agent_id = ? WHERE id = ?", o.agentId, contact.id)
            owner = o.agentId
            claimed = true
        }
        let dealId = try Self.outboundDeal(in: db, contactId: contact.id)
        result.dealId = dealId
        var messageIds: [Int] = []
        for part in o.parts {
            var payload: [String: String] = [:]
            if let template = part.template { payload["details"] = JSONText.string(template) }
            if let attachment = part.attachment { payload["details"] = JSONText.string(attachment) }
            try db.execute("""
                INSERT INTO wa_messages(channel_id, direction, contact_id, deal_id, client_wa_id, type, text, payload, status, status_rank,
                                        agent_id, sent_at, created_at, outbound_id)
                VALUES (?, 'outbound', ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
                """, channel.id, contact.id, dealId, o.to, part.type, part.text, JSONText.string(payload), o.agentId, at, at, part.partId)
            let messageId = db.lastInsertRowID
            messageIds.append(messageId)
            try addToTimeline(contactId: contact.id, at: at, kind: .message, ref: messageId)
            // The outbox outlives `rebuild` (it records what was really sent), so a replayed
            // message finds its row and only re-links it.
            if try db.queryOne("SELECT id FROM wa_outbox WHERE outbound_id = ?", part.partId) != nil {
                try db.execute("UPDATE wa_outbox SET message_id = ? WHERE outbound_id = ?", messageId, part.partId)
            } else {
                try db.execute("""
                    INSERT INTO wa_outbox(message_id, outbound_id, request, state, attempts, next_attempt_at) VALUES (?, ?, ?, 'pending', 0, ?)
                    """, messageId, part.partId, Self.outboxRequest(for: part, to: o.to, provider: channel.provider), at)
            }
        }
        try db.execute("""
            INSERT INTO wa_threads(channel_id, contact_id, deal_id, last_outbound_at, unanswered) VALUES (?, ?, ?, ?, 0)
            ON CONFLICT(channel_id, contact_id) DO UPDATE SET unanswered = 0, deal_id = coalesce(excluded.deal_id, deal_id),
                last_outbound_at = max(coalesce(last_outbound_at, ''), excluded.last_outbound_at)
            """, channel.id, contact.id, dealId, at)
        // The client's open tasks that went to its owner (none yet) follow the one who claimed it,
        // the reply task this reply closes too: done, it records who did the work, and a failed
        // send reopens it for them.
        if claimed { result.updates += try moveTasksFollowingOwner(ofContact: contact.id, to: owner, openOnly: true) }
        let closed = try closeReplyTasks(channelId: channel.id, contactId: contact.id, agentId: o.agentId, at: at)
        result.taskId = closed.first
        if wantsLiveUpdates { result.updates += try closed.compactMap { try replyTaskUpdate("task.completed", taskId: $0) } }
        try touchContact(contact.id, at: at)
        if let dealId { try db.execute("UPDATE deals SET updated_at = max(updated_at, ?) WHERE id = ?", at, dealId) }

        if wantsLiveUpdates {
            let messages = try messageIds.compactMap { try MessageRecord.load(db, id: $0) }
            result.updates.append(LiveUpdate(event: "whatsapp.outbound", payload: OutboundNotice(contactId: contact.id, messages: messages),
                                             audience: .contactViewers(ownerAgentId: owner)))
            if claimed {
                // Everyone who was told about the new client learns it is taken.
                let receivers = try db.query("""
                    SELECT id FROM agents WHERE receives_new_clients = 1 AND role <> 'quality-control'
                    """).compactMap { $0.int("id") }
                result.updates.append(LiveUpdate(event: "whatsapp.claimed", payload: ClaimNotice(contactId: contact.id, ownerAgentId: o.agentId),
                                                 audience: .agents(receivers)))
            }
        }
        return result
    }

    /// Meta accepted a part: its wamid, so Meta's later statuses land on it. Statuses Meta sent
    /// before this was recorded (they can overtake our write) are applied now, in arrival order.
    func applySent(partId: String, wamid: String, eventId: Int, at: String) throws -> ApplyResult {
        guard let row = try db.queryOne("SELECT id, channel_id, contact_id FROM wa_messages WHERE outbound_id = ?", partId),
              let id = row.int("id"), let channelId = row.int("channel_id") else {
            throw DomainError.notFound("no outbound message \(partId)")
        }
        try db.execute("""
            UPDATE wa_messages SET wamid = ?, status = CASE WHEN status_rank < 1 THEN 'sent' ELSE status END, status_rank = max(status_rank, 1)
            WHERE id = ?
            """, wamid, id)
        try db.execute("INSERT INTO wa_status_history(message_id, status, at) VALUES (?, 'accepted', ?)", id, at)
        // Only the attempt that got the id moves the outbox: replayed by `rebuild`, this must not mark
        // sent a Wazzup part whose caption is still waiting for a retry (the sender finishes it).
        try db.execute("UPDATE wa_outbox SET state = 'sent', last_error = NULL WHERE outbound_id = ? AND state = 'sending'", partId)
        var result = ApplyResult(contactId: row.int("contact_id"))
        // Wazzup sends the whole account's statuses to one URL, so an early one may have been kept
        // under another of our Wazzup channels (its ids are unique across the account).
        let anyChannel = try Channel.load(db, id: channelId)?.provider == .wazzup
        let early = try db.query("""
            SELECT payload, received_at FROM raw_events WHERE id < ? AND kind = 'whatsapp.status'
            AND json_extract(payload, '$.status.messageId') = ? AND (? OR json_extract(payload, '$.status.channelId') = ?) ORDER BY id
            """, eventId, wamid, anyChannel, channelId)
        for event in early {
            guard case .whatsappStatus(var status) = try JSONText.decoder.decode(DomainEvent.self, from: Data((event.string("payload") ?? "").utf8)) else {
                continue
            }
            status.channelId = channelId
            result.updates += try applyStatus(status, at: event.string("received_at") ?? at).updates
        }
        return result
    }

    /// A part that was not sent (`failed`), or may have been (`unknown`): the reason on the message.
    /// A message that already has its provider id went out (a Wazzup file whose caption then failed,
    /// or whose echo came first): its status stays, the reason is still shown.
    func applySendFailure(_ f: WhatsAppSendFailure, at: String) throws -> ApplyResult {
        guard let row = try db.queryOne("SELECT id, contact_id FROM wa_messages WHERE outbound_id = ?", f.partId), let id = row.int("id") else {
            throw DomainError.notFound("no outbound message \(f.partId)")
        }
        try db.execute("""
            UPDATE wa_messages SET status = CASE WHEN wamid IS NULL THEN ? ELSE status END,
                status_rank = CASE WHEN wamid IS NULL AND ? = 'failed' THEN 4 ELSE status_rank END, error_code = ?, error_message = ?
            WHERE id = ?
            """, f.state.rawValue, f.state.rawValue, f.errorCode, f.errorMessage, id)
        try db.execute("INSERT INTO wa_status_history(message_id, status, at, error_code, error_message) VALUES (?, ?, ?, ?, ?)",
                       id, f.state.rawValue, at, f.errorCode, f.errorMessage)
        try db.execute("UPDATE wa_outbox SET state = ?, last_error = ? WHERE outbound_id = ?", f.state.rawValue, f.errorMessage, f.partId)
        var result = ApplyResult(contactId: row.int("contact_id"))
        if f.state == .failed { result.updates = try reopenReplyIfUnanswered(messageId: id, at: at) }
        return result
    }

    /// After an outbound message failed: a failed send is no reply, so when no other reply went
    /// out after the client's last message, the thread's unread count comes back and the reply
    /// task the send closed opens again (`task.reopened`).
    func reopenReplyIfUnanswered(messageId: Int, at receivedAt: String) throws -> [LiveUpdate] {
        guard try RuleEpoch.whatsappReplies.applies(to: receivedAt, in: db), let message = try db.queryOne("SELECT channel_id, contact_id FROM wa_messages WHERE id = ?", messageId),
              let channelId = message.int("channel_id"), let contactId = message.int("contact_id") else { return [] }
        let lastReply = try db.scalar("""
            SELECT max(sent_at) FROM wa_messages WHERE contact_id = ? AND channel_id = ? AND direction = 'outbound'
              AND status NOT IN ('skipped', 'failed')
            """, contactId, channelId).string
        // Client messages a reply came after (from a later second, as in applyInbound) are answered;
        // those an agent marked read (conversation reset) need none.
        let resetAt = try db.scalar("SELECT reset_at FROM wa_threads WHERE channel_id = ? AND contact_id = ?", channelId, contactId).string
        let waiting = try db.query("""
            SELECT sent_at FROM wa_messages WHERE contact_id = ? AND channel_id = ? AND direction = 'inbound' AND status != 'skipped'
              AND sent_at > coalesce(?, '')
            """, contactId, channelId, resetAt).compactMap { $0.string("sent_at") }
            .filter { sent in lastReply.map { $0 < (ProviderBody.adding(seconds: 1, to: sent) ?? sent) } ?? true }
        guard !waiting.isEmpty else { return [] }
        try db.execute("UPDATE wa_threads SET unanswered = ? WHERE channel_id = ? AND contact_id = ?", waiting.count, channelId, contactId)
        guard try db.scalar("""
            SELECT id FROM tasks WHERE kind = 'unanswered_message' AND state = 'open' AND contact_id = ? AND channel_id = ?
            """, contactId, channelId).int == nil,
              let task = try db.scalar("""
                SELECT id FROM tasks WHERE kind = 'unanswered_message' AND state = 'done' AND contact_id = ? AND channel_id = ?
                ORDER BY closed_at DESC, id DESC LIMIT 1
                """, contactId, channelId).int else { return [] }
        let owner = try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", contactId).int
        // Open again for the client's owner when it follows the owner (a task filed before anyone owned the client).
        try db.execute("""
            UPDATE tasks SET state = 'open', closed_by_agent_id = NULL, closed_at = NULL,
                assignee_agent_id = CASE WHEN assignee_from_owner THEN ?2 ELSE assignee_agent_id END WHERE id = ?1
            """, task, owner)
        guard let reopened = try TaskRecord.load(db, id: task) else { return [] }
        return [LiveUpdate(event: "task.reopened", payload: reopened,
                           audience: .agentsAndViewers(reopened.assigneeAgentId.map { [$0] } ?? [], ownerAgentId: owner))]
    }

    /// What the outbox keeps to send `part`: Meta's request body, or for Wazzup the part itself
    /// (`WazzupSendFormat` builds its one or two requests at each attempt).
    static func outboxRequest(for part: WhatsAppOutbound.Part, to: String, provider: Channel.Provider) -> String {
        switch provider {
        case .meta: OutboundMetaRequest.body(for: part, to: to)
        case .wazzup: JSONText.string(WazzupOutboxEntry(to: to, part: part))
        }
    }

    /// An agent read the conversation without replying: the unanswered counter goes to zero
    /// and the reply task closes, on one channel or on all of the client's threads.
    func resetConversation(channelId: Int?, contactId: Int, agentId: Int, at: String) throws -> ApplyResult {
        guard try db.queryOne("SELECT id FROM contacts WHERE id = ?", contactId) != nil else { throw DomainError.notFound("no contact \(contactId)") }
        try db.execute("""
            UPDATE wa_threads SET unanswered = 0, reset_at = max(coalesce(reset_at, ''), ?3) WHERE contact_id = ?1 AND (?2 IS NULL OR channel_id = ?2)
            """, contactId, channelId, at)
        let closed = try closeReplyTasks(channelId: channelId, contactId: contactId, agentId: agentId, at: at)
        var result = ApplyResult(contactId: contactId, taskId: closed.first)
        if wantsLiveUpdates { result.updates = try closed.compactMap { try replyTaskUpdate("task.completed", taskId: $0) } }
        return result
    }

    /// Closes the open unanswered-message tasks of a thread (all threads when `channelId` is nil).
    private func closeReplyTasks(channelId: Int?, contactId: Int, agentId: Int, at: String) throws -> [Int] {
        let open = try db.query("""
            SELECT id FROM tasks WHERE kind = 'unanswered_message' AND state = 'open' AND contact_id = ? AND (? IS NULL OR channel_id = ?)
            """, contactId, channelId, channelId).compactMap { $0.int("id") }
        for task in open {
            try db.execute("UPDATE tasks SET state = 'done', closed_by_agent_id = ?, closed_at = ? WHERE id = ?", agentId, at, task)
        }
        return open
    }

    /// The deal an outbound message goes on, as for inbound ones: the deal of the last WhatsApp
    /// message with the client if still open, else the most recently updated open deal. Unlike
    /// an inbound message from a stranger, a reply never opens a deal by itself.
    static func outboundDeal(in db: Database, contactId: Int) throws -> Int? {
        if let last = try db.queryOne("""
            SELECT d.id, d.state FROM wa_messages m JOIN deals d ON d.id = m.deal_id
            WHERE m.contact_id = ? ORDER BY m.sent_at DESC, m.id DESC LIMIT 1
            """, contactId), last.string("state") == "open" {
            return last.int("id")
        }
        return try db.scalar("SELECT id FROM deals WHERE contact_id = ? AND state = 'open' ORDER BY updated_at DESC, id DESC LIMIT 1",
                             contactId).int
    }
}

/// The live notification for a message an agent sent.
struct OutboundNotice: Encodable, Sendable {
    let contactId: Int
    let messages: [MessageRecord]
}

/// An unsorted new client was taken by the first agent to reply.
struct ClaimNotice: Encodable, Sendable {
    let contactId: Int
    let ownerAgentId: Int
}
