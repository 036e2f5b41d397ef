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
        return ContactRecord(id: id, name: row.string("name") ?? "", phones: ContactPhones.list(row.string("phones")), ownerAgentId: row.int("owner_agent_id"),
                             fields: JSONText.decodeDictionary(row.string("fields")),
                             createdAt: row.string("created_at") ?? "", updatedAt: row.string("updated_at") ?? "")
    }
}
