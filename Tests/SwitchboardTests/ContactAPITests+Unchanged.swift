import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// Saving a contact as it was (a contact card's form sent back unchanged) moved its time, and so
/// its place at the top of the contact list, which is sorted by it.
extension ContactAPITests {
    private static let longAgo = "2020-01-01T00:00:00.000Z"

    /// Sets the contact's time to long ago, so that any move of it shows whatever the clock did.
    private func age(_ id: Int) throws {
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE contacts SET updated_at = ? WHERE id = ?", Self.longAgo, id) }
    }

    private func updatedAt(_ id: Int) throws -> String? {
        try t.api("GET", "/api/v1/contacts/\(id)").json["updatedAt"] as? String
    }

    func testSavingAContactAsItWasLeavesItsTimeAndItsPlaceInTheList() throws {
        let manager = try t.addAgent("Mara", role: .manager)
        let older = try createContact("Ana Pop", owner: manager.id, phones: ["+40722000001", "+40722000002"])
        let patched = try t.api("PATCH", "/api/v1/contacts/\(older)", body: ["fields": ["city": "Iași"]])
        XCTAssertEqual(patched.status, 200, patched.text)
        _ = try createContact("Ion Rusu", owner: nil)
        try age(older)

        // Every member as it is, the numbers in another order: 200, the contact as it was.
        let unchanged = try t.api("PATCH", "/api/v1/contacts/\(older)", body: [
            "name": "Ana Pop", "phones": ["+40722000002", "+40722000001"], "fields": ["city": "Iași"], "ownerAgentId": manager.id,
        ])
        XCTAssertEqual(unchanged.status, 200, unchanged.text)
        XCTAssertEqual(unchanged.json["updatedAt"] as? String, Self.longAgo)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(older)", body: ["fields": ["country": ""]]).status, 200,
                       "emptying a field that is not there changes nothing either")
        XCTAssertEqual(try updatedAt(older), Self.longAgo)
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts")), ["Ion Rusu", "Ana Pop"])

        // Each real change moves it again.
        for change: [String: Any] in [["name": "Ana Popescu"], ["phones": ["+40722000001"]], ["fields": ["city": "Cluj"]],
                                      ["ownerAgentId": NSNull()]] {
            try age(older)
            let changed = try t.api("PATCH", "/api/v1/contacts/\(older)", body: change)
            XCTAssertEqual(changed.status, 200, changed.text)
            XCTAssertNotEqual(changed.json["updatedAt"] as? String, Self.longAgo, "\(change)")
        }
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts")), ["Ana Popescu", "Ion Rusu"])
    }

    /// An owner set by hand stays put when the client's calls come from another agent, so
    /// setting by hand the owner the calls gave is a change of its own.
    func testPinningTheOwnerTheCallsGaveIsAChange() throws {
        let manager = try t.addAgent("Mara", role: .manager, sip: ["mara"])
        let secret = try t.addIntegration().secret
        XCTAssertEqual(try t.call("answered", secret: secret, ["callId": "c-1", "clientNumber": "+40722000003", "sipLogin": "mara",
                                                              "occurredAt": "2026-12-01T10:00:00Z"]).status, 200)
        let id = try XCTUnwrap(try t.daemon.store.read { db in
            try db.scalar("SELECT id FROM contacts WHERE owner_agent_id = ? AND owner_from_calls = 1", manager.id).int
        })
        try age(id)
        let pinned = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": manager.id])
        XCTAssertEqual(pinned.status, 200, pinned.text)
        XCTAssertNotEqual(pinned.json["updatedAt"] as? String, Self.longAgo)
    }

    /// `rebuild` makes the same times: unchanged patches from now on leave them, and ones received
    /// before this rule moved them, as they did live.
    func testRebuildKeepsTheTimesLiveMade() throws {
        let id = try createContact("Ana Pop", owner: nil)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["name": "Ana Pop"]).status, 200)
        let live = try updatedAt(id)
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try updatedAt(id), live)

        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE rule_epochs SET since = '2999-01-01T00:00:00.000Z' WHERE name = 'unchanged-contacts'")
        }
        try age(id)
        let before = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["name": "Ana Pop"])
        XCTAssertNotEqual(before.json["updatedAt"] as? String, Self.longAgo, "before the rule an unchanged patch moved the time")
        let moved = try updatedAt(id)
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try updatedAt(id), moved)
    }
}
