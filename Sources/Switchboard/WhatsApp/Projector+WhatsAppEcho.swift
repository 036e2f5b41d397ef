import Foundation
import Store

extension Projector {
    /// A message the business side sent, as the provider echoes it back.
    ///
    /// Known by its provider id: nothing changes but the status (forward only). One of our agent's
    /// parts, named by its `crmMessageId` or still waiting for its id (the echo overtook the sender's
    /// write-back): it gets the id; the echo of a file's caption adds nothing.
    /// Otherwise it was sent from the phone or another tool: an outbound message with no agent,
    /// which answers the client like any reply (unanswered counter to zero, reply task closed).
    func applyEcho(_ e: WhatsAppEcho, at receivedAt: String) throws -> ApplyResult {
        guard let channel = try settings.channel(db, e.channelId) else { throw DomainError.notFound("channel \(e.channelId) is gone") }
        if let known = try db.queryOne("SELECT id, contact_id FROM wa_messages WHERE channel_id = ? AND wamid = ?", channel.id, e.messageId),
           let id = known.int("id") {
            try moveStatusForward(messageId: id, to: e.status, at: e.timestamp)
            return ApplyResult(contactId: known.int("contact_id"))
        }
        if let own = try ownPart(channelId: channel.id, crmMessageId: e.crmMessageId) {
            if own.isFirst {
                try db.execute("UPDATE wa_messages SET wamid = ? WHERE id = ? AND wamid IS NULL", e.messageId, own.id)
                try moveStatusForward(messageId: own.id, to: e.status, at: e.timestamp)
            }
            // Otherwise the caption Wazzup sent as a message of its own: part of a message already recorded.
            return ApplyResult(contactId: own.contactId)
        }
        let phone: String? = try e.to.map { to in
            do { return try PhoneNumber.e164(to.hasPrefix("+") ? to : "+" + to, region: channel.region) } catch {
                throw DomainError.unprocessable("recipient \(to): \(error)")
            }
        }
        var contactId = try phone.flatMap { try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", $0).int }
        if let skip = e.skipReason {
            try insertEcho(e, channel: channel, contactId: contactId, dealId: nil, status: "skipped", skipReason: skip)
            return ApplyResult(contactId: contactId, flag: skip)
        }

        if let contactId, let pending = try db.queryOne("""
            SELECT id FROM wa_messages WHERE channel_id = ? AND contact_id = ? AND direction = 'outbound' AND wamid IS NULL
            AND agent_id IS NOT NULL AND type = ? AND (? IS NULL OR coalesce(text, '') = ?) ORDER BY id LIMIT 1
            """, channel.id, contactId, e.type, e.text, e.text ?? ""), let id = pending.int("id") {
            try db.execute("UPDATE wa_messages SET wamid = ? WHERE id = ?", e.messageId, id)
            try moveStatusForward(messageId: id, to: e.status, at: e.timestamp)
            return ApplyResult(contactId: contactId)
        }

        guard let phone else { throw DomainError.unprocessable("echo \(e.messageId) names no recipient") }
        if contactId == nil {
            try db.execute("INSERT INTO contacts(name, owner_agent_id, fields, created_at, updated_at, phones) VALUES (?, NULL, '{}', ?, ?, ?)",
                           e.clientName ?? phone, e.timestamp, e.timestamp, phone)
            contactId = db.lastInsertRowID
            try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)", phone, contactId)
        }
        guard let contactId else { return ApplyResult() }
        let dealId = try db.scalar("SELECT deal_id FROM wa_threads WHERE channel_id = ? AND contact_id = ? AND deal_id IN (SELECT id FROM deals WHERE state = 'open')",
                                   channel.id, contactId).int
            ?? db.scalar("SELECT id FROM deals WHERE contact_id = ? AND state = 'open' ORDER BY updated_at DESC, id DESC LIMIT 1", contactId).int
        let messageId = try insertEcho(e, channel: channel, contactId: contactId, dealId: dealId, status: e.status, skipReason: nil)
        try addToTimeline(contactId: contactId, at: e.timestamp, kind: .message, ref: messageId)
        try touchContact(contactId, at: e.timestamp)
        try db.execute("""
            INSERT INTO wa_threads(channel_id, contact_id, deal_id, last_outbound_at, unanswered) VALUES (?, ?, ?, ?, 0)
            ON CONFLICT(channel_id, contact_id) DO UPDATE SET unanswered = 0, deal_id = coalesce(deal_id, excluded.deal_id),
                last_outbound_at = max(coalesce(last_outbound_at, ''), excluded.last_outbound_at)
            """, channel.id, contactId, dealId, e.timestamp)
        // Answered from the phone is still answered: the streak's reply task closes, by nobody in particular.
        let closed = try db.query("""
            SELECT id FROM tasks WHERE kind = 'unanswered_message' AND state = 'open' AND contact_id = ? AND channel_id = ?
            """, contactId, channel.id).compactMap { $0.int("id") }
        for task in closed {
            try db.execute("UPDATE tasks SET state = 'done', closed_at = ? WHERE id = ?", e.timestamp, task)
        }
        let closedUpdates = wantsLiveUpdates ? try closed.compactMap { try replyTaskUpdate("task.completed", taskId: $0) } : []
        for media in e.media {
            try db.execute("""
                INSERT INTO wa_media(message_id, media_id, mime_type, sha256, filename) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(message_id, media_id) DO NOTHING
                """, messageId, media.id, media.mimeType, media.sha256, media.filename)
        }
        var result = ApplyResult(contactId: contactId, dealId: dealId, taskId: closed.first)
        result.updates = closedUpdates
        return result
    }

    /// One of our agents' parts named by the `crmMessageId` our sender gave it: the part id for the
    /// part's first (or only) message, `<part id>.caption` for the caption of a file, which Wazzup
    /// sends as a message of its own. Ids another CRM gave its sends match nothing.
    private func ownPart(channelId: Int, crmMessageId: String?) throws -> (id: Int, contactId: Int?, isFirst: Bool)? {
        guard var candidate = crmMessageId, !candidate.isEmpty else { return nil }
        var isFirst = true
        while true {
            if let row = try db.queryOne("SELECT id, contact_id FROM wa_messages WHERE channel_id = ? AND outbound_id = ?", channelId, candidate),
               let id = row.int("id") {
                return (id, row.int("contact_id"), isFirst)
            }
            guard let dot = candidate.lastIndex(of: ".") else { return nil }
            candidate = String(candidate[..<dot])
            isFirst = false
        }
    }

    /// A status reported with an echo: recorded, and the message's status moves forward only.
    private func moveStatusForward(messageId: Int, to status: String, at: String) throws {
        try db.execute("INSERT INTO wa_status_history(message_id, status, at) VALUES (?, ?, ?)", messageId, status, at)
        try db.execute("UPDATE wa_messages SET status = ?, status_rank = ? WHERE id = ? AND status_rank < ?",
                       status, WhatsAppStatus.rank(status), messageId, WhatsAppStatus.rank(status))
    }

    @discardableResult
    private func insertEcho(_ e: WhatsAppEcho, channel: Channel, contactId: Int?, dealId: Int?, status: String, skipReason: String?) throws -> Int {
        var payload: [String: String] = [:]
        if let details = e.details { payload["details"] = details }
        if let author = e.authorName { payload["author"] = author }
        try db.execute("""
            INSERT INTO wa_messages(channel_id, wamid, direction, contact_id, deal_id, client_wa_id, type, text, payload, status, status_rank,
                                    skipped_reason, sent_at, created_at)
            VALUES (?, ?, 'outbound', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(channel_id, wamid) DO NOTHING
            """, channel.id, e.messageId, contactId, dealId, e.to, e.type, e.text, JSONText.string(payload), status,
            max(0, WhatsAppStatus.rank(status)), skipReason, e.timestamp, e.timestamp)
        return try db.scalar("SELECT id FROM wa_messages WHERE channel_id = ? AND wamid = ?", channel.id, e.messageId).int ?? 0
    }
}
