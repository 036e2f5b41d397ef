import Foundation
import Store

/// The conversation lists agents work from: WhatsApp threads (client × business number) with
/// their last inbound and outbound messages, filtered the way a team lead asks ("not replied for
/// three days", "replied by Ana this week"), and a thread's messages newest first.
///
/// A thread's times come from its messages, not from counters: skipped messages (groups,
/// locations) are not conversation, and a failed send is not a reply.
enum ConversationViews {
    /// The filters of `GET /api/v1/conversations`; nil means "any".
    struct Filter: Sendable {
        /// Last inbound newer than the last outbound (or no outbound) and older than this.
        var notRepliedFor: TimeInterval?
        /// Last outbound within this.
        var repliedWithin: TimeInterval?
        /// Any message within this.
        var messageWithin: TimeInterval?
        var ownerAgentId: Int?
        /// At least one outbound message in the thread by this agent (that did not fail).
        var repliedByAgentId: Int?
        var channelId: Int?
        /// Managers: only their own clients.
        var visibleToOwner: Int?
        /// With `visibleToOwner`: also clients nobody owns on unsorted channels (a manager who receives new clients).
        var withUnsorted = false
        var limit = 50
        /// `nextBefore` of the previous page.
        var before: String?
    }

    /// One thread.
    struct ThreadSummary: Encodable, Sendable {
        let contactId: Int
        let contactName: String
        let ownerAgentId: Int?
        let channelId: Int
        let channelName: String?
        let dealId: Int?
        let unanswered: Int
        let lastInboundAt: String?
        let lastOutboundAt: String?
        let lastMessageAt: String
        /// The client wrote last and nobody has answered yet.
        let awaitingReply: Bool
        let lastMessage: MessageRecord?
        let messages: String
    }

    /// A page of threads and the cursor of the next one.
    struct ThreadPage: Encodable, Sendable {
        let conversations: [ThreadSummary]
        let nextBefore: String?
    }

    /// A message with its attachments.
    struct ThreadMessage: Encodable, Sendable {
        let message: MessageRecord
        let attachments: [AttachmentRecord]

        func encode(to encoder: Encoder) throws {
            try message.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(attachments, forKey: .attachments)
        }

        enum CodingKeys: String, CodingKey { case attachments }
    }

    /// A page of a thread's messages, newest first.
    struct MessagePage: Encodable, Sendable {
        let messages: [ThreadMessage]
        let nextBefore: String?
    }

    /// `3d`, `2w`, `1m` (30 days) or `12h`, as seconds; anything else is a 400 naming `name`.
    static func duration(_ text: String?, name: String) throws -> TimeInterval? {
        guard let text else { return nil }
        guard let unit = text.last, let count = Int(text.dropLast()), count >= 0 else {
            throw DomainError.invalid("\(name) must look like 12h, 3d, 2w or 1m")
        }
        switch unit {
        case "h": return Double(count) * 3600
        case "d": return Double(count) * 86_400
        case "w": return Double(count) * 7 * 86_400
        case "m": return Double(count) * 30 * 86_400
        default: throw DomainError.invalid("\(name) must look like 12h, 3d, 2w or 1m")
        }
    }

    /// Threads matching `filter`, most recent activity first.
    static func threads(_ db: Database, filter: Filter, now: Date = Date()) throws -> ThreadPage {
        var inner: [String] = []
        var innerArguments: [any SQLBindable] = []
        if let owner = filter.visibleToOwner {
            if filter.withUnsorted {
                inner.append("""
                    (c.owner_agent_id = ? OR (c.owner_agent_id IS NULL AND EXISTS (SELECT 1 FROM channels ch WHERE ch.id = t.channel_id
                     AND \(ChannelSettings.isUnsortedSQL("ch")))))
                    """)
            } else {
                inner.append("c.owner_agent_id = ?")
            }
            innerArguments.append(owner)
        }
        if let owner = filter.ownerAgentId {
            inner.append("c.owner_agent_id = ?")
            innerArguments.append(owner)
        }
        if let channel = filter.channelId {
            inner.append("t.channel_id = ?")
            innerArguments.append(channel)
        }
        if let agent = filter.repliedByAgentId {
            inner.append("""
                EXISTS (SELECT 1 FROM wa_messages r WHERE r.contact_id = t.contact_id AND r.channel_id = t.channel_id
                        AND r.direction = 'outbound' AND r.agent_id = ? AND r.status NOT IN ('skipped', 'failed'))
                """)
            innerArguments.append(agent)
        }
        var outer = ["last_at != ''"]
        var outerArguments: [any SQLBindable] = []
        func cutoff(_ interval: TimeInterval) -> String { Timestamp.format(now.addingTimeInterval(-interval)) }
        if let interval = filter.notRepliedFor {
            outer.append("last_inbound_at IS NOT NULL AND (last_outbound_at IS NULL OR last_inbound_at > last_outbound_at) AND last_inbound_at <= ?")
            outerArguments.append(cutoff(interval))
        }
        if let interval = filter.repliedWithin {
            outer.append("last_outbound_at >= ?")
            outerArguments.append(cutoff(interval))
        }
        if let interval = filter.messageWithin {
            outer.append("last_at >= ?")
            outerArguments.append(cutoff(interval))
        }
        if let before = filter.before {
            let parts = before.split(separator: "~")
            guard parts.count == 3, let contact = Int(parts[1]), let channel = Int(parts[2]) else {
                throw DomainError.invalid("before must be a cursor from nextBefore")
            }
            outer.append("(last_at, contact_id, channel_id) < (?, ?, ?)")
            outerArguments += [String(parts[0]), contact, channel]
        }
        let sql = """
            WITH v AS (
                SELECT t.channel_id, t.contact_id, t.deal_id, t.unanswered, c.name AS contact_name, c.owner_agent_id,
                       ch.name AS channel_name,
                       (SELECT max(m.sent_at) FROM wa_messages m WHERE m.contact_id = t.contact_id AND m.channel_id = t.channel_id
                        AND m.direction = 'inbound' AND m.status != 'skipped') AS last_inbound_at,
                       (SELECT max(m.sent_at) FROM wa_messages m WHERE m.contact_id = t.contact_id AND m.channel_id = t.channel_id
                        AND m.direction = 'outbound' AND m.status NOT IN ('skipped', 'failed')) AS last_outbound_at
                FROM wa_threads t JOIN contacts c ON c.id = t.contact_id LEFT JOIN channels ch ON ch.id = t.channel_id
                \(inner.isEmpty ? "" : "WHERE " + inner.joined(separator: " AND "))
            ), w AS (
                SELECT v.*, max(coalesce(last_inbound_at, ''), coalesce(last_outbound_at, '')) AS last_at FROM v
            )
            SELECT * FROM w WHERE \(outer.joined(separator: " AND "))
            ORDER BY last_at DESC, contact_id DESC, channel_id DESC LIMIT ?
            """
        let rows = try db.query(sql, arguments: innerArguments + outerArguments + [filter.limit])
        let threads = try rows.map { row -> ThreadSummary in
            let contactId = row.int("contact_id") ?? 0
            let channelId = row.int("channel_id") ?? 0
            let lastInbound = row.string("last_inbound_at")
            let lastOutbound = row.string("last_outbound_at")
            let last = try db.queryOne("""
                SELECT * FROM wa_messages WHERE contact_id = ? AND channel_id = ? AND status != 'skipped' ORDER BY sent_at DESC, id DESC LIMIT 1
                """, contactId, channelId).map(MessageRecord.init(row:))
            return ThreadSummary(contactId: contactId, contactName: row.string("contact_name") ?? "", ownerAgentId: row.int("owner_agent_id"),
                          channelId: channelId, channelName: row.string("channel_name"), dealId: row.int("deal_id"),
                          unanswered: row.int("unanswered") ?? 0, lastInboundAt: lastInbound, lastOutboundAt: lastOutbound,
                          lastMessageAt: row.string("last_at") ?? "",
                          awaitingReply: lastInbound != nil && (lastOutbound ?? "") < (lastInbound ?? ""),
                          lastMessage: last, messages: "/api/v1/conversations/\(contactId)/messages?channelId=\(channelId)")
        }
        let next = threads.count == filter.limit ? threads.last.map { "\($0.lastMessageAt)~\($0.contactId)~\($0.channelId)" } : nil
        return ThreadPage(conversations: threads, nextBefore: next)
    }

    /// A contact's messages (one channel's, or all), newest first; `before` is a previous page's `nextBefore`.
    static func messages(_ db: Database, contactId: Int, channelId: Int?, limit: Int, before: String?) throws -> MessagePage {
        var arguments: [any SQLBindable] = [contactId, channelId, channelId]
        var cursor = ""
        if let before {
            let parts = before.split(separator: "~")
            guard parts.count == 2, let id = Int(parts[1]) else { throw DomainError.invalid("before must be a cursor from nextBefore") }
            cursor = "AND (sent_at, id) < (?, ?)"
            arguments += [String(parts[0]), id]
        }
        let records = try db.query("""
            SELECT * FROM wa_messages WHERE contact_id = ? AND (? IS NULL OR channel_id = ?) \(cursor)
            ORDER BY sent_at DESC, id DESC LIMIT ?
            """, arguments: arguments + [limit]).map(MessageRecord.init(row:))
        let attachments = try AttachmentRecord.forMessages(db, ids: records.map(\.id))
        let next = records.count == limit ? records.last.map { "\($0.sentAt)~\($0.id)" } : nil
        return MessagePage(messages: records.map { ThreadMessage(message: $0, attachments: attachments[$0.id] ?? []) }, nextBefore: next)
    }
}
