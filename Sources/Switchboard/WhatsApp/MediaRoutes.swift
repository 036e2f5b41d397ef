import Foundation
import HTTPServer
import Store

/// Downloaded WhatsApp media for agents allowed to see the conversation:
/// `GET /api/v1/messages/{id}/media/{mediaId}` (the bytes) and
/// `GET /api/v1/contacts/{id}/attachments` (a conversation's files, apart from its messages).
///
/// Role rules as for reading contacts (`readableContact`): a manager sees only their own
/// clients' files (and, receiving new clients, an unclaimed unsorted client's), and a client
/// they may not read answers 404 rather than 403, so its existence does not leak.
enum MediaRoutes {
    static func register(on router: inout Router, _ context: RouteContext, media: MediaFetcher) {
        router.get("/api/v1/messages/:id/media/:mediaId", context.api { request, agent in
            let messageId = try APIBody.id(request)
            let mediaId = request.parameters["mediaId"] ?? ""
            let (message, row) = try context.store.read { db -> (MessageRecord?, Row?) in
                (try MessageRecord.load(db, id: messageId),
                 try db.queryOne("SELECT * FROM wa_media WHERE message_id = ? AND media_id = ?", messageId, mediaId))
            }
            guard let message else { throw DomainError.notFound("no message \(messageId)") }
            try requireVisible(message, to: agent, context)
            guard let row else { throw DomainError.notFound("message \(messageId) has no media \(mediaId)") }
            switch row.string("state") {
            case "stored":
                break
            case "failed":
                throw HTTPError(404, code: "media_failed", "the file could not be downloaded: \(row.string("error") ?? "unknown error")")
            default:
                throw HTTPError(404, code: "media_pending", "the file is not downloaded yet (\(row.int("attempts") ?? 0) attempts so far)")
            }
            guard let path = row.string("path"), let data = FileManager.default.contents(atPath: media.absolutePath(path)) else {
                throw HTTPError(404, code: "media_missing", "the file is recorded as stored but is not in the data directory")
            }
            var headers: [(name: String, value: String)] = [
                ("Content-Type", row.string("mime_type") ?? "application/octet-stream"),
                // Provider-supplied types are not trusted to be rendered as anything else (no sniffing into HTML).
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "private, max-age=86400"),
            ]
            if let filename = row.string("filename") {
                let safe = String(filename.map { $0 == "\"" || $0 == "\\" || $0.isNewline ? "_" : $0 })
                headers.append(("Content-Disposition", "attachment; filename=\"\(safe)\""))
            }
            return HTTPResponse(status: 200, headers: headers, body: [UInt8](data))
        })

        router.get("/api/v1/contacts/:id/attachments", context.api { request, agent in
            let contactId = try APIBody.id(request)
            _ = try context.readableContact(contactId, for: agent)
            let query = request.queryParameters
            let channelId = try query["channelId"].map { text -> Int in
                guard let id = Int(text) else { throw DomainError.invalid("channelId must be a number") }
                return id
            }
            let attachments = try context.store.read { db in
                try db.query("""
                    SELECT \(AttachmentRecord.columns) FROM wa_media f JOIN wa_messages m ON m.id = f.message_id
                    WHERE m.contact_id = ? AND (? IS NULL OR m.channel_id = ?) ORDER BY m.sent_at DESC, m.id DESC, f.id
                    """, contactId, channelId, channelId).map(AttachmentRecord.init(row:))
            }
            return .json(["attachments": attachments])
        })
    }

    /// A message is visible with its contact; one with no contact (skipped from a stranger) to non-managers only.
    static func requireVisible(_ message: MessageRecord, to agent: Agent, _ context: RouteContext) throws {
        if let contactId = message.contactId {
            // Refused as a message that does not exist: the answer names no contact.
            do { _ = try context.readableContact(contactId, for: agent) } catch DomainError.notFound {
                throw DomainError.notFound("no message \(message.id)")
            }
        } else if !agent.canSee(contactOwner: nil) {
            throw DomainError.notFound("no message \(message.id)")
        }
    }
}
