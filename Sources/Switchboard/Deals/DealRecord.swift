import Store

/// A deal as the API shows it.
struct DealRecord: Encodable, Sendable {
    let id: Int
    let contactId: Int
    let title: String
    let pipeline: String
    let stage: String
    let state: String
    let callId: Int?
    let createdAt: String
    let updatedAt: String

    init(row: Row) {
        id = row.int("id") ?? 0
        contactId = row.int("contact_id") ?? 0
        title = row.string("title") ?? ""
        pipeline = row.string("pipeline") ?? ""
        stage = row.string("stage") ?? ""
        state = row.string("state") ?? "open"
        callId = row.int("call_id")
        createdAt = row.string("created_at") ?? ""
        updatedAt = row.string("updated_at") ?? ""
    }

    static func load(_ db: Database, id: Int) throws -> DealRecord? {
        try db.queryOne("SELECT * FROM deals WHERE id = ?", id).map(DealRecord.init(row:))
    }
}
