import Store

/// A contact's calls, tasks, deals and messages, newest first, cursor-paginated.
///
/// The cursor is the last entry's `at` and id (`before=2026-11-23T10:00:00.000Z~123`). Calls
/// are read from `calls` (a call's entry id is its own id, `TimelineKind.entryId`), the rest
/// from `timeline`; each in (contact, at, id) order from its index, merged by SQLite, so a
/// page is two index range scans however long the history.
enum Timeline {
    struct Entry: Encodable {
        let type: String
        let at: String
        let call: CallRecord?
        let task: TaskRecord?
        let deal: DealRecord?
        /// With its attachments, as the conversation lists it: an app showed the image only
        /// after a second request.
        let message: ConversationViews.ThreadMessage?
    }

    struct Page: Encodable {
        let items: [Entry]
        let nextBefore: String?
    }

    /// At most `limit` entries older than the cursor `before` (the newest when nil).
    ///
    /// One row more than the page is read, so that `nextBefore` is given exactly when another
    /// page has entries: a last page that happens to be full has none, and a client following
    /// cursors never fetches an empty page.
    static func page(_ db: Database, contactId: Int, limit: Int, before: String?) throws -> Page {
        var rows: [Row]
        if let before {
            let parts = before.split(separator: "~", maxSplits: 1)
            // A time as stored (`Timestamp.format`) and an entry id: anything else was not handed out.
            guard parts.count == 2, let id = Int(parts[1]), id >= 0, Timestamp.normalize(String(parts[0])) == String(parts[0]) else {
                throw DomainError.invalid("before must be a cursor from nextBefore")
            }
            rows = try db.query(pageBeforeSQL, contactId, String(parts[0]), id, limit + 1)
        } else {
            rows = try db.query(firstPageSQL, contactId, limit + 1)
        }
        let hasMore = rows.count > limit
        if hasMore { rows.removeLast(rows.count - limit) }
        let attachments = try AttachmentRecord.forMessages(db, ids: rows.filter { $0.string("kind") == "message" }.compactMap { $0.int("ref_id") })
        let items = try rows.map { row -> Entry in
            let ref = row.int("ref_id") ?? 0
            let kind = row.string("kind") ?? ""
            let message = kind == "message" ? try MessageRecord.load(db, id: ref) : nil
            return Entry(type: kind, at: row.string("at") ?? "",
                         call: kind == "call" ? try CallRecord.load(db, id: ref) : nil,
                         task: kind == "task" ? try TaskRecord.load(db, id: ref) : nil,
                         deal: kind == "deal" ? try DealRecord.load(db, id: ref) : nil,
                         message: message.map { ConversationViews.ThreadMessage(message: $0, attachments: attachments[ref] ?? []) })
        }
        let next = hasMore ? rows.last.map { "\($0.string("at") ?? "")~\($0.int("id") ?? 0)" } : nil
        return Page(items: items, nextBefore: next)
    }

    /// The first page's query (`?1` the contact, `?2` the rows) and a later one's (`?2` and `?3`
    /// the cursor's time and id, `?4` the rows).
    static let firstPageSQL = pageSQL(after: false)
    static let pageBeforeSQL = pageSQL(after: true)

    /// A page's query, after a cursor or not. The calls' side repeats `CallRecord.startSQL` as the calls_timeline
    /// index has it; `start <= time` gives SQLite the range the row value alone does not.
    private static func pageSQL(after: Bool) -> String {
        let start = CallRecord.startSQL
        return """
            SELECT id, \(start) AS at, 'call' AS kind, id AS ref_id FROM calls
            WHERE contact_id = ?1\(after ? " AND \(start) <= ?2 AND (\(start), id) < (?2, ?3)" : "")
            UNION ALL
            SELECT id, at, kind, ref_id FROM timeline WHERE contact_id = ?1\(after ? " AND (at, id) < (?2, ?3)" : "")
            ORDER BY at DESC, id DESC LIMIT \(after ? "?4" : "?2")
            """
    }
}

/// What a timeline entry points at. The entry's id is derived from it, so one row per
/// referenced record needs no index beyond the table's own rowid.
enum TimelineKind: String, Sendable {
    case call, task, deal, message

    /// The kind in the top bits, the referenced row's id below: unique per (kind, ref), and
    /// at one instant a task sorts after the call that filed it, a deal or a message after both
    /// (the page is ordered by `at`, then id).
    func entryId(_ ref: Int) -> Int {
        let rank: Int
        switch self {
        case .call: rank = 0
        case .task: rank = 1
        case .deal: rank = 2
        case .message: rank = 3
        }
        return rank << 56 | ref
    }
}
