import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Migration 042: a contact lists its own numbers, and the index of numbers by contact goes.
final class ContactPhonesMigrationTests: XCTestCase {
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
}
