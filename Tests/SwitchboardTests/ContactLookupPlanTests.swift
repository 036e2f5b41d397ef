import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Lookups made for every request of their kind go down an index instead of reading every
/// contact: with tens of thousands of clients a full read took the writer (routing) or a
/// manager's contact list that much longer each time. SQLite's own plan says which it does.
final class ContactLookupPlanTests: XCTestCase {
    func testAManagersContactsAndTheNextNewClientsOwnerAreFoundThroughTheOwnerIndex() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let mia = try t.addAgent("Mia", role: .manager)
        let plans = try t.daemon.store.read { db -> [String] in
            guard let agent = try db.queryOne("SELECT * FROM agents WHERE id = ?", mia.id).map(Agent.init(row:)) else { return [] }
            let (byOwner, arguments) = ContactRoutes.searchQuery(phone: nil, name: nil, visibleTo: agent, limit: 50)
            let (byOwnerAndName, nameArguments) = ContactRoutes.searchQuery(phone: nil, name: "Ion", visibleTo: agent, limit: 50)
            return try [(byOwner, arguments), (byOwnerAndName, nameArguments), (Projector.newClientOwnerQuery, [])].map { sql, arguments in
                try db.query("EXPLAIN QUERY PLAN " + sql, arguments: arguments).compactMap { $0.string("detail") }.joined(separator: "; ")
            }
        }
        XCTAssertEqual(plans.count, 3)
        for plan in plans {
            XCTAssertTrue(plan.contains("INDEX contacts_owner"), plan)
            XCTAssertFalse(plan.contains("SCAN c"), plan)
        }
    }
}

extension ContactLookupPlanTests {
    /// A client whose PBX sends only after-call reports has every call unanswered: finding the
    /// first such call to reach a missed client read them all and sorted them, so each webhook of
    /// a client with 100k calls took ~200 ms on the single writer (found by loading one contact).
    func testTheFirstCallToReachAClientIsFoundThroughAnIndex() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let plan = try t.daemon.store.read { db in
            try db.query("EXPLAIN QUERY PLAN " + Projector.firstTalkedReachSQL, 1, "2026-11-23T10:00:00.000Z")
                .compactMap { $0.string("detail") }.joined(separator: "; ")
        }
        XCTAssertTrue(plan.contains("INDEX calls_talked_unanswered"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }
}
