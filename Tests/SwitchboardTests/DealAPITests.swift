import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Deals move along their pipeline, close and reopen over the API; before, a deal could
/// only be opened, so no client ever had all their deals closed.
final class DealAPITests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    private func contactWithDeal(owner: Int? = nil) throws -> (contact: Int, deal: Int) {
        var body: [String: Any] = ["name": "Olga", "phones": ["+40722000111"]]
        if let owner { body["ownerAgentId"] = owner }
        let contact = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: body).json["id"] as? Int)
        let deal = try XCTUnwrap(try t.api("POST", "/api/v1/contacts/\(contact)/deals", body: ["title": "Kitchen"]).json["id"] as? Int)
        return (contact, deal)
    }

    func testADealMovesAlongItsPipelineClosesAndRebuildKeepsIt() throws {
        let (contact, deal) = try contactWithDeal()
        let moved = try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["stage": "offer", "title": "Kitchen and hall"])
        XCTAssertEqual(moved.status, 200, moved.text)
        XCTAssertEqual(moved.json["stage"] as? String, "offer")
        XCTAssertEqual(moved.json["title"] as? String, "Kitchen and hall")
        XCTAssertEqual(moved.json["state"] as? String, "open")
        let closed = try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["state": "closed"])
        XCTAssertEqual(closed.json["state"] as? String, "closed", closed.text)
        XCTAssertEqual(closed.json["stage"] as? String, "offer", "what the patch leaves out stays")
        let listed = try t.api("GET", "/api/v1/contacts/\(contact)/deals").json["deals"] as? [[String: Any]]
        XCTAssertEqual(listed?.first?["state"] as? String, "closed")

        XCTAssertEqual(try Rebuild.run(store: t.daemon.store) { _, _ in }, try t.count("raw_events"))
        let rebuilt = try t.api("GET", "/api/v1/contacts/\(contact)/deals").json["deals"] as? [[String: Any]]
        XCTAssertEqual(rebuilt?.first?["state"] as? String, "closed")
        XCTAssertEqual(rebuilt?.first?["stage"] as? String, "offer")
    }

    func testBadPatchesAndOtherPeoplesDealsAreRefusedAndNothingIsStored() throws {
        let (contact, deal) = try contactWithDeal()
        let stored = try t.count("raw_events")
        let wrongState = try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["state": "won"])
        XCTAssertEqual(wrongState.status, 422, wrongState.text)
        XCTAssertTrue(wrongState.text.contains("open or closed"), wrongState.text)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["stag": "offer"]).status, 422)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["stage": 3]).status, 422)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: [:]).status, 422, "nothing to change")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["title": ""]).status, 422)
        let other = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ion"]).json["id"] as? Int)
        let beforeOthers = try t.count("raw_events")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(other)/deals/\(deal)", body: ["state": "closed"]).status, 404,
                       "a deal is changed through its own contact")
        let quality = try t.addAgent("Quinn", role: .qualityControl)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", key: quality.key, body: ["state": "closed"]).status, 403)
        let manager = try t.addAgent("Mara", role: .manager)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", key: manager.key, body: ["state": "closed"]).status, 404,
                       "a manager does not learn of another's client")
        XCTAssertEqual(beforeOthers, stored + 1, "only Ion was stored meanwhile")
        XCTAssertEqual(try t.count("raw_events"), beforeOthers)
        XCTAssertEqual(try t.count("deals", "state = 'open' AND stage = 'new'"), 1)
    }

    /// Closing a deal that is closed already changes nothing: its time (which orders the client's
    /// deals, and which a WhatsApp message's deal is picked by) and its client's time stay.
    func testAPatchThatChangesNothingLeavesTheTimesAlone() throws {
        let (contact, deal) = try contactWithDeal()
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["state": "closed"]).status, 200)
        let old = "2000-01-01T00:00:00.000Z"
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE deals SET updated_at = ?", old)
            try db.execute("UPDATE contacts SET updated_at = ?", old)
        }
        let again = try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["state": "closed", "stage": "new"])
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(again.json["updatedAt"] as? String, old)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contact)").json["updatedAt"] as? String, old)
        let moved = try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["state": "closed", "stage": "lost"])
        XCTAssertNotEqual(moved.json["updatedAt"] as? String, old, "a real change still dates the deal")
        XCTAssertNotEqual(try t.api("GET", "/api/v1/contacts/\(contact)").json["updatedAt"] as? String, old)
    }

    /// A deal touched by a WhatsApp message dated later keeps that time: a PATCH set it back,
    /// which changed which open deal the client's next message went to.
    func testAChangeNeverMovesTheDealsTimeBack() throws {
        let (contact, deal) = try contactWithDeal()
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE deals SET updated_at = '2099-01-01T00:00:00.000Z'") }
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)/deals/\(deal)", body: ["stage": "offer"]).json["updatedAt"] as? String,
                       "2099-01-01T00:00:00.000Z")
    }
}
