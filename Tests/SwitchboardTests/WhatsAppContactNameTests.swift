import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// A contact a call made is named after its number; the client's WhatsApp profile names it
/// once they write, unless someone has named it by hand.
final class WhatsAppContactNameTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration(region: "RO").secret
        try t.addMetaChannel()
    }

    override func tearDown() { t.stop() }

    /// The contact with `phone`, as the API lists it.
    func contact(_ phone: String = "+40722123456") throws -> [String: Any] {
        let query = phone.replacingOccurrences(of: "+", with: "%2B")
        return try XCTUnwrap((try t.api("GET", "/api/v1/contacts?phone=\(query)").json["contacts"] as? [[String: Any]])?.first)
    }

    func ring(from number: String = "0722123456") throws {
        let response = try t.call("ringing", secret: secret, ["callId": "c-\(UUID().uuidString)", "clientNumber": number,
                                                              "occurredAt": "2026-12-01T10:00:00Z"])
        XCTAssertEqual(response.status, 200, response.text)
    }

    func testACallersContactTakesTheProfileNameOfTheirFirstWhatsAppMessage() throws {
        try ring()
        XCTAssertEqual(try contact()["name"] as? String, "+40722123456")
        XCTAssertEqual(try t.postMeta([metaText("wamid.n1", "Bună ziua")], name: "  Ioana Pop ").status, 200)
        let named = try contact()
        XCTAssertEqual(named["name"] as? String, "Ioana Pop")
        let found = try t.api("GET", "/api/v1/contacts?q=Ioana").json["contacts"] as? [[String: Any]] ?? []
        XCTAssertEqual(found.map { $0["id"] as? Int }, [named["id"] as? Int], "found by the name, still one contact")
        // A later message under another profile name does not rename a contact that has a name.
        XCTAssertEqual(try t.postMeta([metaText("wamid.n2", "Revin")], name: "Ioana P.").status, 200)
        XCTAssertEqual(try contact()["name"] as? String, "Ioana Pop")
    }

    func testANameGivenByHandStays() throws {
        try ring()
        let id = try contact()["id"] as? Int ?? 0
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["name": "Ioana (showroom)"]).status, 200)
        XCTAssertEqual(try t.postMeta([metaText("wamid.h1", "Bună ziua")], name: "Ioana Pop").status, 200)
        XCTAssertEqual(try contact()["name"] as? String, "Ioana (showroom)")
    }

    func testABlankProfileNameNamesNobody() throws {
        XCTAssertEqual(try t.postMeta([metaText("wamid.b1", "Bună ziua")], name: " \n\u{00A0}").status, 200)
        XCTAssertEqual(try contact()["name"] as? String, "+40722123456", "a new contact is named after its number")
        try ring()
        XCTAssertEqual(try t.postMeta([metaText("wamid.b2", "Alo?")], name: "Ioana Pop").status, 200)
        XCTAssertEqual(try contact()["name"] as? String, "Ioana Pop")
    }

    func testRebuildNamesTheContactAlike() throws {
        try ring()
        try t.postMeta([metaText("wamid.r1", "Bună ziua")], name: "Ioana Pop")
        let before = try t.value("SELECT group_concat(id || ':' || name, '|') FROM contacts").string
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.value("SELECT group_concat(id || ':' || name, '|') FROM contacts").string, before)
        XCTAssertEqual(try contact()["name"] as? String, "Ioana Pop")
    }
    /// Messages received before this rule keep the names they gave, live and in `rebuild`: a
    /// rebuild renamed such contacts, and their deals and tasks with them.
    func testMessagesFromBeforeTheRuleKeepTheNamesTheyGave() throws {
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE rule_epochs SET since = '2999-01-01T00:00:00.000Z' WHERE name = 'profile-names'")
        }
        try ring()
        XCTAssertEqual(try t.postMeta([metaText("wamid.e1", "Bună ziua")], name: "Ioana Pop").status, 200)
        XCTAssertEqual(try contact()["name"] as? String, "+40722123456")
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try contact()["name"] as? String, "+40722123456", "rebuild keeps the name the message left")
    }
}
