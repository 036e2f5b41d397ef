import Foundation
import Store

/// A saved reply with merge fields, offered on a contact card or on a deal card (`module`).
///
/// Configuration, not a projection: plain rows changed in place, no domain events.
struct CannedAnswer: Encodable, Sendable {
    /// Where the answer is offered; fixed once created.
    enum Module: String, Sendable, Encodable, CaseIterable { case contact, deal }

    let id: Int
    let name: String
    let text: String
    let module: Module
    let createdBy: Int?
    let createdAt: String
    let updatedAt: String

    init(row: Row) {
        id = row.int("id") ?? 0
        name = row.string("name") ?? ""
        text = row.string("text") ?? ""
        module = Module(rawValue: row.string("module") ?? "") ?? .contact
        createdBy = row.int("created_by")
        createdAt = row.string("created_at") ?? ""
        updatedAt = row.string("updated_at") ?? ""
    }

    static func load(_ db: Database, id: Int) throws -> CannedAnswer? {
        try db.queryOne("SELECT * FROM canned_answers WHERE id = ?", id).map(CannedAnswer.init(row:))
    }
}
