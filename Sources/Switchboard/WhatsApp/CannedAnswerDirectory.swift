import Foundation
import Store

/// Creating, finding, changing and removing canned answers.
struct CannedAnswerDirectory: Sendable {
    let store: Store

    /// Longest name and text accepted; a WhatsApp text message holds at most 4,096 characters.
    static let maxNameLength = 200
    static let maxTextLength = 4096

    func create(name: String?, text: String?, module: String?, by agent: Agent) throws -> CannedAnswer {
        let name = try Self.checkedName(name)
        let text = try Self.checkedText(text)
        guard let module else { throw WebhookError.missingField("module") }
        guard let parsed = CannedAnswer.Module(rawValue: module) else { throw WebhookError.invalidField("module", "contact or deal") }
        let now = Timestamp.now()
        return try store.writeAndWait { db -> CannedAnswer in
            try db.execute("INSERT INTO canned_answers(name, text, module, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           name, text, parsed.rawValue, agent.id, now, now)
            guard let created = try CannedAnswer.load(db, id: db.lastInsertRowID) else { throw DomainError.notFound("canned answer vanished") }
            return created
        }
    }

    /// Answers whose name contains `query` (any case), of one module if given, by name.
    func list(query: String?, module: String?) throws -> [CannedAnswer] {
        if let module, CannedAnswer.Module(rawValue: module) == nil { throw WebhookError.invalidField("module", "contact or deal") }
        let pattern = "%" + (query ?? "").replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        return try store.read { db in
            try db.query("""
                SELECT * FROM canned_answers WHERE name LIKE ? ESCAPE '\\' AND (? IS NULL OR module = ?)
                ORDER BY name COLLATE NOCASE, id
                """, pattern, module, module).map(CannedAnswer.init(row:))
        }
    }

    func find(id: Int) throws -> CannedAnswer {
        guard let found = try store.read({ db in try CannedAnswer.load(db, id: id) }) else { throw DomainError.notFound("no canned answer \(id)") }
        return found
    }

    /// Changes the name and text where given; the module cannot change (answers are offered by it).
    func update(id: Int, name: String?, text: String?, module: String?) throws -> CannedAnswer {
        let name = try name.map { try Self.checkedName($0) }
        let text = try text.map { try Self.checkedText($0) }
        let now = Timestamp.now()
        return try store.writeAndWait { db -> CannedAnswer in
            guard let existing = try CannedAnswer.load(db, id: id) else { throw DomainError.notFound("no canned answer \(id)") }
            if let module, module != existing.module.rawValue {
                throw DomainError.unprocessable("module is fixed once a canned answer is created (this one is \(existing.module.rawValue))")
            }
            try db.execute("UPDATE canned_answers SET name = coalesce(?, name), text = coalesce(?, text), updated_at = ? WHERE id = ?",
                           name, text, now, id)
            guard let updated = try CannedAnswer.load(db, id: id) else { throw DomainError.notFound("no canned answer \(id)") }
            return updated
        }
    }

    func remove(id: Int) throws {
        guard try store.writeAndWait({ db in try db.execute("DELETE FROM canned_answers WHERE id = ?", id) > 0 }) else {
            throw DomainError.notFound("no canned answer \(id)")
        }
    }

    private static func checkedName(_ name: String?) throws -> String {
        guard let name = name?.trimmedSpaces, !name.isEmpty else { throw WebhookError.missingField("name") }
        guard name.count <= maxNameLength else { throw WebhookError.invalidField("name", "at most \(maxNameLength) characters") }
        return name
    }

    private static func checkedText(_ text: String?) throws -> String {
        guard let text, !text.trimmedSpaces.isEmpty else { throw WebhookError.missingField("text") }
        guard text.count <= maxTextLength else { throw WebhookError.invalidField("text", "at most \(maxTextLength) characters") }
        try MergeFields.validate(text)
        return text
    }
}
