import Foundation
import Store

extension Projector {
    /// An inbound message: the right contact, thread and deal, the timeline, the reply task.
    func applyInbound(_ m: WhatsAppInbound, at receivedAt: String, eventId: Int) throws -> ApplyResult {
        guard var channel = try settings.channel(db, m.channelId) else { throw DomainError.notFound("channel \(m.channelId) is gone") }
        if let rules = m.rules {   // as they were when it arrived
            channel.region = rules.region
            channel.settings = rules.settings
        }
        var result = ApplyResult()
        // A sender that is no phone number (a Wazzup chatId typed by hand) is kept in the history
        // as skipped, not refused: refusing failed the provider's whole batch, which it then redelivers.
        var unreadableSender: String?
        let phone: String? = m.from.flatMap { from in
            do { return try PhoneNumber.e164(from.hasPrefix("+") ? from : "+" + from, region: channel.region) } catch {
                unreadableSender = "sender \(from) is not a phone number (\(error))"
                return nil
            }
        }
        var contactId = try phone.flatMap { try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", $0).int }
        if contactId == nil, let user = m.userId {
            contactId = try db.scalar("SELECT contact_id FROM wa_identities WHERE bsuid = ?", user).int
        }

        // Recorded but not synced: the type, the channel's sync filter, or no sender to file it under.
        var skip = m.skipReason
        if skip == nil, contactId == nil, phone == nil, m.userId == nil, let unreadableSender { skip = "not synced: \(unreadableSender)" }
        if skip == nil, channel.settings.syncFilter == .existing, contactId == nil {
            skip = "not synced: the channel syncs only existing contacts"
        }
        if skip == nil, channel.settings.syncFilter == .except, let phone, channel.settings.exceptions.contains(phone) {
            skip = "not synced: the number is on the channel's exception list"
        }
        if let skip {
            try insertMessage(m, channel: channel, contactId: contactId, dealId: nil, status: "skipped", skipReason: skip)
            // Still a message from the client: it renews Meta's 24-hour window on a thread we
            // keep (not on one a sync filter keeps out).
            if m.skipReason != nil, let contactId {
                try db.execute("""
                    UPDATE wa_threads SET last_inbound_at = max(coalesce(last_inbound_at, ''), ?) WHERE channel_id = ? AND contact_id = ?
                    """, m.timestamp, channel.id, contactId)
            }
            result.flag = skip
            result.contactId = contactId
            return result
        }

        var isNew = false
        let namesFromProfile = try RuleEpoch.profileNames.applies(to: receivedAt, in: db)
        if contactId == nil {
            guard phone != nil || m.userId != nil else { throw DomainError.unprocessable("message \(m.messageId) names no sender") }
            let owner = channel.settings.distribution == .roundRobin
                ? try keptAgentChoice(eventId: eventId) { try ownerForNewClient(channel) } : nil
            try db.execute("INSERT INTO contacts(name, owner_agent_id, fields, created_at, updated_at, phones) VALUES (?, ?, '{}', ?, ?, ?)",
                           (namesFromProfile ? m.givenProfileName : m.profileName) ?? phone ?? "WhatsApp \(m.userId ?? "")",
                           owner, m.timestamp, m.timestamp, phone ?? "")
            contactId = db.lastInsertRowID
            if let phone { try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)", phone, contactId) }
            isNew = true
        }
        guard let contactId else { return result }
        result.contactId = contactId
        // The client as known now, read once (the reply task below needs it too).
        var contact = try db.queryOne("SELECT name, owner_agent_id FROM contacts WHERE id = ?", contactId)
            .map { (name: $0.string("name") ?? "", ownerAgentId: $0.int("owner_agent_id")) }
        // A contact known only by its number (a call made it, or a message without a profile name)
        // takes the sender's WhatsApp profile name; a name someone gave it stays.
        if !isNew, namesFromProfile, let name = m.givenProfileName, let current = contact?.name, name != current,
           Self.isNamedByNumber(current, userId: m.userId) {
            try db.execute("UPDATE contacts SET name = ? WHERE id = ?", name, contactId)
            contact?.name = name
        }
        if let user = m.userId {
            try db.execute("INSERT INTO wa_identities(bsuid, contact_id) VALUES (?, ?) ON CONFLICT(bsuid) DO NOTHING", user, contactId)
        }
        if let newNumber = m.newNumber, let new = try? PhoneNumber.e164(newNumber.hasPrefix("+") ? newNumber : "+" + newNumber, region: channel.region) {
            // user_changed_number: the contact keeps its history under the new number.
            if let phone { try removePhone(phone, fromContact: contactId) }
            try addPhone(new, toContact: contactId)
        }

        let placement = try placeOnDeal(contactId: contactId, channel: channel, isNew: isNew, at: m.timestamp)
        let messageId = try insertMessage(m, channel: channel, contactId: contactId, dealId: placement.dealId, status: "received", skipReason: nil)
        result.dealId = placement.dealId
        try addToTimeline(contactId: contactId, at: m.timestamp, kind: .message, ref: messageId)
        try touchContact(contactId, at: m.timestamp)
        if let deal = placement.dealId { try db.execute("UPDATE deals SET updated_at = max(updated_at, ?) WHERE id = ?", m.timestamp, deal) }
        // Delivered after a reply that was sent after it (providers do not promise order): it is
        // answered already, so it neither counts as unread nor opens a reply task. Providers give
        // whole seconds: a reply within the message's second may have come before it, so only a
        // reply from a later second counts.
        let answered = try RuleEpoch.whatsappReplies.applies(to: receivedAt, in: db) && db.scalar("""
            SELECT 1 FROM wa_messages WHERE contact_id = ? AND channel_id = ? AND direction = 'outbound' AND sent_at >= ?
              AND status NOT IN ('skipped', 'failed') LIMIT 1
            """, contactId, channel.id, ProviderBody.adding(seconds: 1, to: m.timestamp)).int != nil
        try db.execute("""
            INSERT INTO wa_threads(channel_id, contact_id, deal_id, last_inbound_at, unanswered) VALUES (?, ?, ?, ?, ?5)
            ON CONFLICT(channel_id, contact_id) DO UPDATE SET unanswered = unanswered + ?5, deal_id = coalesce(excluded.deal_id, deal_id),
                last_inbound_at = max(coalesce(last_inbound_at, ''), excluded.last_inbound_at)
            """, channel.id, contactId, placement.dealId, m.timestamp, answered ? 0 : 1)
        for media in m.media {
            try db.execute("""
                INSERT INTO wa_media(message_id, media_id, mime_type, sha256, filename) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(message_id, media_id) DO NOTHING
                """, messageId, media.id, media.mimeType, media.sha256, media.filename)
        }

        // One reply task per unanswered streak; its deadline is the arrival, so it is overdue at once.
        // It goes to the client's owner (nobody, for an unsorted new client) and follows the
        // owner when the owner changes, as missed-call tasks do, until someone reassigns it.
        let open = try db.scalar("SELECT id FROM tasks WHERE kind = 'unanswered_message' AND state = 'open' AND contact_id = ? AND channel_id = ?",
                                 contactId, channel.id).int
        if let open, !answered {
            // An earlier message of the same unanswered streak, delivered late: the streak (and its
            // task, overdue since its first message) began then, as in arrival order.
            try db.execute("UPDATE tasks SET deadline = min(deadline, ?1), created_at = min(created_at, ?1) WHERE id = ?2", m.timestamp, open)
            try addToTimeline(contactId: contactId, at: m.timestamp, kind: .task, ref: open)
        }
        if open == nil, !answered {
            try db.execute("""
                INSERT INTO tasks(kind, board, assignee_agent_id, assignee_from_owner, title, deadline, state, contact_id, deal_id,
                                  channel_id, created_at)
                VALUES ('unanswered_message', 'whatsapp', ?, 1, ?, ?, 'open', ?, ?, ?, ?)
                """, contact?.ownerAgentId, "Reply to \(contact?.name ?? "client") on WhatsApp", m.timestamp, contactId,
                placement.dealId, channel.id, m.timestamp)
            let taskId = db.lastInsertRowID
            result.taskId = taskId
            try addToTimeline(contactId: contactId, at: m.timestamp, kind: .task, ref: taskId)
            if wantsLiveUpdates, let update = try replyTaskUpdate("task.created", taskId: taskId) { result.updates.append(update) }
        }
        if wantsLiveUpdates, let message = try MessageRecord.load(db, id: messageId) {
            let unread = try db.scalar("SELECT unanswered FROM wa_threads WHERE channel_id = ? AND contact_id = ?", channel.id, contactId).int ?? 1
            let audience: LiveUpdate.Audience
            if let owner = contact?.ownerAgentId {
                audience = .agents([owner])
            } else if try RouteContext.isUnsorted(contactId, in: db) {
                // Unsorted new client: everyone who receives new clients is told; the first to reply owns it.
                audience = .agents(try db.query("""
                    SELECT id FROM agents WHERE receives_new_clients = 1 AND role <> 'quality-control'
                    """).compactMap { $0.int("id") })
            } else {
                // Nobody owns the client, and no unsorted channel puts it in the pool (a caller nobody
                // took, on a round-robin channel): only those who see every client may read it.
                audience = .contactViewers(ownerAgentId: nil)
            }
            result.updates.append(LiveUpdate(event: "whatsapp.message",
                                             payload: InboundNotice(message: message, contactId: contactId, contactName: contact?.name ?? "",
                                                                    isNewClient: isNew, unread: unread, closedDeals: placement.allClosed),
                                             audience: audience))
        }
        return result
    }

    /// `event` (task.created, task.completed) for reply task `taskId` as it now is, to its assignee
    /// and everyone who sees the client, as for missed-call tasks.
    func replyTaskUpdate(_ event: String, taskId: Int) throws -> LiveUpdate? {
        guard let task = try TaskRecord.load(db, id: taskId) else { return nil }
        let owner = try task.contactId.flatMap { try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", $0).int }
        return LiveUpdate(event: event, payload: task,
                          audience: .agentsAndViewers(task.assigneeAgentId.map { [$0] } ?? [], ownerAgentId: owner))
    }

    /// A delivery status: history always, the message's status only forward.
    func applyStatus(_ s: WhatsAppStatus, at receivedAt: String) throws -> ApplyResult {
        guard let row = try db.queryOne("SELECT id, status_rank, contact_id FROM wa_messages WHERE channel_id = ? AND wamid = ?",
                                        s.channelId, s.messageId), let id = row.int("id") else {
            return ApplyResult(flag: "status \(s.status) for a message this daemon did not send (\(s.messageId))")
        }
        let explained = WhatsAppStatus.explain(code: s.errorCode, message: s.errorMessage)
        try db.execute("INSERT INTO wa_status_history(message_id, status, at, error_code, error_message) VALUES (?, ?, ?, ?, ?)",
                       id, s.status, s.timestamp, s.errorCode, explained)
        var result = ApplyResult(contactId: row.int("contact_id"))
        if WhatsAppStatus.rank(s.status) < 0 { result.flag = "status \(s.status) is not one Switchboard knows: kept in the history only" }
        if WhatsAppStatus.rank(s.status) > (row.int("status_rank") ?? 0) {
            try db.execute("UPDATE wa_messages SET status = ?, status_rank = ?, error_code = coalesce(?, error_code), error_message = coalesce(?, error_message) WHERE id = ?",
                           s.status, WhatsAppStatus.rank(s.status), s.errorCode, explained, id)
            if s.status == "failed" { result.updates = try reopenReplyIfUnanswered(messageId: id, at: receivedAt) }
        }
        return result
    }

    private struct Placement {
        var dealId: Int?
        var allClosed = false
    }

    /// The deal the last WhatsApp message with this client went to; else the most recently
    /// updated open deal; else the channel's policy for clients whose deals are all closed;
    /// else a new deal in the channel's pipeline and stage (when new clients become leads).
    private func placeOnDeal(contactId: Int, channel: Channel, isNew: Bool, at: String) throws -> Placement {
        if let last = try db.queryOne("""
            SELECT d.id, d.state FROM wa_messages m JOIN deals d ON d.id = m.deal_id
            WHERE m.contact_id = ? ORDER BY m.sent_at DESC, m.id DESC LIMIT 1
            """, contactId), last.string("state") == "open" {
            return Placement(dealId: last.int("id"))
        }
        if let open = try db.scalar("SELECT id FROM deals WHERE contact_id = ? AND state = 'open' ORDER BY updated_at DESC, id DESC LIMIT 1",
                                    contactId).int {
            return Placement(dealId: open)
        }
        let hasDeals = try db.scalar("SELECT count(*) FROM deals WHERE contact_id = ?", contactId).int ?? 0 > 0
        if hasDeals && channel.settings.closedDealsPolicy == .notify { return Placement(dealId: nil, allClosed: true) }
        if !hasDeals && channel.settings.createAs == .contact && isNew { return Placement(dealId: nil) }
        let name = try db.scalar("SELECT name FROM contacts WHERE id = ?", contactId).string ?? ""
        try db.execute("""
            INSERT INTO deals(contact_id, title, pipeline, stage, state, created_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?)
            """, contactId, "WhatsApp: \(name)", channel.settings.pipeline, channel.settings.stage, at, at)
        let deal = db.lastInsertRowID
        try addToTimeline(contactId: contactId, at: at, kind: .deal, ref: deal)
        return Placement(dealId: deal, allClosed: hasDeals)
    }

    /// Round-robin: the agent receiving new clients who got one longest ago. Unsorted: nobody yet.
    private func ownerForNewClient(_ channel: Channel) throws -> Int? {
        guard channel.settings.distribution == .roundRobin else { return nil }
        return try db.scalar(Self.newClientOwnerQuery).int
    }

    /// Each receiving agent's latest client is one step down the `contacts_owner` index (migration
    /// 016); without it this read the contacts table once per agent, on the writer thread.
    static let newClientOwnerQuery = """
        SELECT a.id FROM agents a WHERE a.receives_new_clients = 1 AND a.role = 'manager'
        ORDER BY (SELECT max(c.id) FROM contacts c WHERE c.owner_agent_id = a.id) IS NOT NULL,
                 (SELECT max(c.id) FROM contacts c WHERE c.owner_agent_id = a.id), a.id LIMIT 1
        """

    /// The number the thread writes to from this message on: the sender's, or after Meta's
    /// `user_changed_number` the new one (`OutboundConversation` answers the last inbound's).
    private func clientNumber(of m: WhatsAppInbound) -> String? {
        if let new = m.newNumber, !new.isEmpty { return new.hasPrefix("+") ? String(new.dropFirst()) : new }
        return m.from ?? m.userId
    }

    /// A name a contact gets when nothing names it: its number (`+` and digits), or a sender
    /// known only by a business-scoped id.
    static func isNamedByNumber(_ name: String, userId: String?) -> Bool {
        let bytes = Array(name.utf8)
        if bytes.count > 1, bytes[0] == UInt8(ascii: "+"), bytes.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) { return true }
        return userId.map { name == "WhatsApp " + $0 } ?? false
    }

    @discardableResult
    private func insertMessage(_ m: WhatsAppInbound, channel: Channel, contactId: Int?, dealId: Int?, status: String,
                               skipReason: String?) throws -> Int {
        var payload: [String: String] = [:]
        if let details = m.details { payload["details"] = details }
        if let referral = m.referral { payload["referral"] = referral }
        if let name = m.profileName { payload["profileName"] = name }
        // Not RETURNING: SQLite builds a temporary table per statement for it, dearer than this lookup.
        let inserted = try db.execute("""
            INSERT INTO wa_messages(channel_id, wamid, direction, contact_id, deal_id, client_wa_id, type, text, payload, status,
                                    skipped_reason, sent_at, created_at)
            VALUES (?, ?, 'inbound', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(channel_id, wamid) DO NOTHING
            """, channel.id, m.messageId, contactId, dealId, clientNumber(of: m), m.type, m.text, JSONText.string(payload), status,
            skipReason, m.timestamp, m.timestamp)
        if inserted > 0 { return db.lastInsertRowID }
        return try db.scalar("SELECT id FROM wa_messages WHERE channel_id = ? AND wamid = ?", channel.id, m.messageId).int ?? 0
    }
}

/// The live notification for an inbound message.
struct InboundNotice: Encodable, Sendable {
    let message: MessageRecord
    let contactId: Int
    let contactName: String
    let isNewClient: Bool
    let unread: Int
    /// Every deal of the client is closed and the channel's policy is to tell the owner.
    let closedDeals: Bool
}
