import Foundation
import Store

/// A WhatsApp message as the API and the timeline show it.
struct MessageRecord: Encodable, Sendable {
    let id: Int
    let channelId: Int
    let wamid: String?
    let direction: String
    let contactId: Int?
    let dealId: Int?
    let type: String
    let text: String?
    let status: String
    let errorCode: Int?
    let errorMessage: String?
    let skippedReason: String?
    let agentId: Int?
    let sentAt: String
    let details: String?
    let referral: String?

    init(row: Row) {
        id = row.int("id") ?? 0
        channelId = row.int("channel_id") ?? 0
        wamid = row.string("wamid")
        direction = row.string("direction") ?? ""
        contactId = row.int("contact_id")
        dealId = row.int("deal_id")
        type = row.string("type") ?? ""
        text = row.string("text")
        status = row.string("status") ?? ""
        errorCode = row.int("error_code")
        errorMessage = row.string("error_message")
        skippedReason = row.string("skipped_reason")
        agentId = row.int("agent_id")
        sentAt = row.string("sent_at") ?? ""
        let payload = JSONText.decodeDictionary(row.string("payload"))
        details = payload["details"]
        referral = payload["referral"]
    }

    static func load(_ db: Database, id: Int) throws -> MessageRecord? {
        try db.queryOne("SELECT * FROM wa_messages WHERE id = ?", id).map(MessageRecord.init(row:))
    }
}
