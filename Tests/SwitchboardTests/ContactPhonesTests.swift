import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// A contact lists its own numbers (`contacts.phones`, migration 042) while `contact_phones` finds
/// the contact of a number: every way numbers come and go keeps the two in agreement.
final class ContactPhonesTests: XCTestCase {
    func testContactsStoredBeforeKeepTheirNumbersAndStayFoundByThem() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("switchboard.db")
        do {
            let db = try legacyDatabase(at: path, before: "042_contact_phones_column")
            for (id, name) in [(1, "Ana"), (2, "Ion"), (3, "Nobody's number")] {
                try db.execute("INSERT INTO contacts(id, name, created_at, updated_at) VALUES (?, ?, '2026-11-20T08:00:00.000Z', '2026-11-20T08:00:00.000Z')",
                               id, name)
            }
            for (phone, contact) in [("+40744000009", 1), ("+40722123456", 1), ("+40733000001", 2)] {
                try db.execute("INSERT INTO contact_phones(phone, contact_id) VALUES (?, ?)", phone, contact)
            }
        }
        let store = try Store(path: path, migrations: Schema.migrations)
        let (phones, indexes) = try store.read { db in
            (try [1, 2, 3].map { try ContactRecord.load(db, id: $0)?.phones ?? ["missing"] },
             try db.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'contact_phones'").compactMap { $0.string("name") })
        }
        XCTAssertEqual(phones, [["+40722123456", "+40744000009"], ["+40733000001"], []])
        XCTAssertEqual(indexes, [], "only the table's own key by number")
        store.close()

        // The daemon on that database finds the contact by each number and keeps edits in both places.
        let t = try TestDaemon { $0.database = path }
        defer { t.stop() }
        let secret = try t.addIntegration(region: "RO").secret
        let ringing = try t.call("ringing", secret: secret, ["callId": "m1", "clientNumber": "0722123456"])
        XCTAssertEqual((ringing.json["events"] as? [[String: Any]])?.first?["contactId"] as? Int, 1)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/1", body: ["phones": ["+40744000009"]]).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/1").json["phones"] as? [String], ["+40744000009"])
        let next = try t.call("ringing", secret: secret, ["callId": "m2", "clientNumber": "0722123456"])
        XCTAssertNotEqual((next.json["events"] as? [[String: Any]])?.first?["contactId"] as? Int, 1, "the number left the contact")
    }

    // MARK: - Agreement

    private var t: TestDaemon!
    private var secret = ""
    private let appSecret = "meta-app-secret"

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration(region: "RO").secret
    }

    override func tearDown() { t.stop() }

    private func mismatches() throws -> [String] {
        try t.daemon.store.read { db in
            var out: [String] = []
            for row in try db.query("SELECT id, phones FROM contacts ORDER BY id") {
                let id = row.int("id") ?? 0
                let col = row.string("phones") ?? ""
                let table = try db.query("SELECT phone FROM contact_phones WHERE contact_id = ? ORDER BY phone", id).compactMap { $0.string("phone") }
                if ContactPhones.list(col) != table || col != ContactPhones.column(table) { out.append("contact \(id): column '\(col)' table \(table)") }
            }
            let orphans = try db.query("SELECT phone, contact_id FROM contact_phones WHERE contact_id NOT IN (SELECT id FROM contacts)")
            out += orphans.map { "orphan \($0.values)" }
            return out
        }
    }

    private func state() throws -> [String] {
        try t.daemon.store.read { db in
            try db.query("SELECT * FROM contacts ORDER BY id").map(\.values.description)
                + db.query("SELECT * FROM contact_phones ORDER BY phone").map(\.values.description)
                + db.query("SELECT * FROM timeline ORDER BY id").map(\.values.description)
                + db.query("SELECT * FROM calls ORDER BY id").map(\.values.description)
        }
    }

    private func addChannel() throws {
        _ = try t.daemon.channels.add(.init(name: "ro-sales", phoneNumberId: "106540352242922", displayNumber: "+40 312 345 678", region: "RO",
                                            appSecret: appSecret, verifyToken: "verify-me", accessToken: "EAAG", settings: .init()),
                                      baseURL: "http://x")
    }
    private func delivery(messages: [[String: Any]], contacts: [[String: Any]] = [["profile": ["name": "Ioana Pop"], "wa_id": "40722123456"]]) -> String {
        let value: [String: Any] = ["messaging_product": "whatsapp",
                                    "metadata": ["display_phone_number": "40312345678", "phone_number_id": "106540352242922"],
                                    "contacts": contacts, "messages": messages, "statuses": []]
        let root: [String: Any] = ["object": "whatsapp_business_account",
                                   "entry": [["id": "102290129340398", "changes": [["value": value, "field": "messages"]]]]]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }
    @discardableResult
    private func post(_ body: String) throws -> RawResponse {
        let sign = "sha256=" + Crypto.hmacSHA256(key: Array(appSecret.utf8), data: Array(body.utf8)).hexString
        let response = try t.send("POST", "/webhooks/whatsapp/ro-sales", headers: [("X-Hub-Signature-256", sign), ("Content-Type", "application/json")], body: body)
        XCTAssertEqual(response.status, 200, response.text)
        return response
    }

    /// API create and edits (two spellings of one number, a taken number refused, a freed one
    /// taken), calls, WhatsApp number changes (to a free number, another contact's, a stranger's,
    /// their own), then a rebuild, which must leave the same rows.
    func testEveryWayNumbersComeAndGoKeepsTheContactsListAndLookupInAgreement() throws {
        let a = try t.api("POST", "/api/v1/contacts", body: ["name": "A", "phones": ["+40722000001", "0722 000 001", "0722000002"], "region": "RO"])
        XCTAssertEqual(try mismatches(), [])
        XCTAssertEqual(a.status, 201, a.text)
        let b = try t.api("POST", "/api/v1/contacts", body: ["name": "B", "phones": ["+40722000003"]])
        let aId = a.json["id"] as? Int ?? 0, bId = b.json["id"] as? Int ?? 0
        // One number kept, one added in two spellings, one dropped.
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(aId)", body: ["phones": ["+40722000002", "+40722000004", "0722000004"], "region": "RO"]).status, 200)
        XCTAssertEqual(try mismatches(), [])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(aId)").json["phones"] as? [String], ["+40722000002", "+40722000004"])
        let moved = try t.api("PATCH", "/api/v1/contacts/\(aId)", body: ["phones": ["+40722000003"]])
        XCTAssertEqual(moved.status, 409)
        XCTAssertEqual(try mismatches(), [])
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(bId)", body: ["phones": [String]()]).status, 200)
        XCTAssertEqual(try mismatches(), [])
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(aId)", body: ["phones": ["+40722000003", "+40722000002"]]).status, 200, "a freed number is free")
        XCTAssertEqual(try mismatches(), [])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(bId)").json["phones"] as? [String], [])
        // calls
        try t.call("ringing", secret: secret, ["callId": "c1", "clientNumber": "+40722000009", "occurredAt": "2026-11-20T09:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "c2", "clientNumber": "garbage", "occurredAt": "2026-11-20T09:00:00Z"])
        XCTAssertEqual(try mismatches(), [])
        // whatsapp
        try addChannel()
        try post(delivery(messages: [["from": "40722123456", "id": "w1", "timestamp": "1795428000", "type": "text", "text": ["body": "hi"]]]))
        XCTAssertEqual(try mismatches(), [])
        let changed: [String: Any] = ["from": "40722123456", "id": "wamid.sys", "timestamp": "1795428100", "type": "system",
                                      "system": ["body": "User changed number", "new_wa_id": "40744000111", "type": "user_changed_number"]]
        try post(delivery(messages: [changed]))
        XCTAssertEqual(try mismatches(), [])
        // change to another contact's number
        let changed2: [String: Any] = ["from": "40744000111", "id": "wamid.sys2", "timestamp": "1795428200", "type": "system",
                                      "system": ["body": "User changed number", "new_wa_id": "40722000009", "type": "user_changed_number"]]
        try post(delivery(messages: [changed2], contacts: [["profile": ["name": "Ioana Pop"], "wa_id": "40744000111"]]))
        XCTAssertEqual(try mismatches(), [])
        // new number for a stranger in the same message
        let changed3: [String: Any] = ["from": "40755000001", "id": "wamid.sys3", "timestamp": "1795428300", "type": "system",
                                      "system": ["body": "User changed number", "new_wa_id": "40755000002", "type": "user_changed_number"]]
        try post(delivery(messages: [changed3], contacts: [["profile": ["name": "X"], "wa_id": "40755000001"]]))
        XCTAssertEqual(try mismatches(), [])
        let changed4: [String: Any] = ["from": "40755000002", "id": "wamid.sys4", "timestamp": "1795428400", "type": "system",
                                      "system": ["body": "User changed number", "new_wa_id": "40755000002", "type": "user_changed_number"]]
        try post(delivery(messages: [changed4], contacts: [["profile": ["name": "X"], "wa_id": "40755000002"]]))
        XCTAssertEqual(try mismatches(), [])
        let live = try state()
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try mismatches(), [])
        let rebuilt = try state()
        XCTAssertEqual(live.count, rebuilt.count)
        for (x, y) in zip(live, rebuilt) where x != y { XCTFail("rebuild differs:\n\(x)\n\(y)") }
    }
}
