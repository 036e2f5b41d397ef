import Foundation
import Store

/// A message's media file as the API lists it: what it is, whether it is downloaded yet, and its link.
struct AttachmentRecord: Encodable, Sendable {
    let messageId: Int
    let mediaId: String
    let channelId: Int
    let direction: String
    /// The message type (image, audio, video, document, sticker…).
    let type: String
    let mimeType: String?
    let filename: String?
    /// pending, stored or failed.
    let state: String
    let size: Int?
    let attempts: Int
    let error: String?
    let sentAt: String
    /// `GET` this for the bytes, once `state` is `stored`.
    let link: String

    /// The columns `init(row:)` reads: `wa_media f` joined with `wa_messages m`.
    static let columns = """
        f.message_id, f.media_id, f.mime_type, f.filename, f.state, f.bytes, f.attempts, f.error,
        m.channel_id, m.direction, m.type, m.sent_at
        """

    init(row: Row) {
        messageId = row.int("message_id") ?? 0
        mediaId = row.string("media_id") ?? ""
        channelId = row.int("channel_id") ?? 0
        direction = row.string("direction") ?? ""
        type = row.string("type") ?? ""
        mimeType = row.string("mime_type")
        filename = row.string("filename")
        state = row.string("state") ?? ""
        size = row.int("bytes")
        attempts = row.int("attempts") ?? 0
        error = row.string("error")
        sentAt = row.string("sent_at") ?? ""
        link = Self.link(messageId: messageId, mediaId: mediaId)
    }

    static func link(messageId: Int, mediaId: String) -> String {
        "/api/v1/messages/\(messageId)/media/\(mediaId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? mediaId)"
    }

    /// The attachments of some messages, keyed by message id, in media order.
    static func forMessages(_ db: Database, ids: [Int]) throws -> [Int: [AttachmentRecord]] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let rows = try db.query("""
            SELECT \(columns) FROM wa_media f JOIN wa_messages m ON m.id = f.message_id WHERE f.message_id IN (\(marks)) ORDER BY f.id
            """, arguments: ids)
        return Dictionary(grouping: rows.map(AttachmentRecord.init(row:)), by: \.messageId)
    }
}
