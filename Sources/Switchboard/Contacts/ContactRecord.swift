import Store

/// A contact as the API shows it.
struct ContactRecord: Encodable, Sendable {
    let id: Int
    let name: String
    let phones: [String]
    let ownerAgentId: Int?
    let fields: [String: String]
    let createdAt: String
    let updatedAt: String

    static func load(_ db: Database, id: Int) throws -> ContactRecord? {
        guard let row = try db.queryOne("SELECT * FROM contacts WHERE id = ?", id) else { return nil }
        let phones = try db.query("SELECT phone FROM contact_phones WHERE contact_id = ? ORDER BY phone", id).compactMap { $0.string("phone") }
        return ContactRecord(id: id, name: row.string("name") ?? "", phones: phones, ownerAgentId: row.int("owner_agent_id"),
                             fields: JSONText.decodeDictionary(row.string("fields")),
                             createdAt: row.string("created_at") ?? "", updatedAt: row.string("updated_at") ?? "")
    }
}
