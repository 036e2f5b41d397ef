import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

extension WazzupSendingTests {
    /// A contact made by an echo lists its number; its timeline of calls, missed-call tasks,
    /// messages and a deal, many at one instant, a call whose start moved earlier and one whose
    /// answer came first, reads the same through cursors of every page size as in one page, and
    /// rebuilds the same.
    func testEveryPageSizeWalksTheSameTimelineAsOnePage() throws {
        XCTAssertEqual(try t.postWazzup(["messages": [wazzupMessage("echo-1", isEcho: true, ago: 100)]], secret: secret).status, 200)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+79161234567'").int)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contact)").json["phones"] as? [String], ["+79161234567"])
        let integ = try t.addIntegration(region: "RU").secret
        // Same instants across kinds.
        let base = Date().addingTimeInterval(-50)
        for i in 0..<6 {
            let at = Timestamp.format(base.addingTimeInterval(Double(i / 2)))
            var m = wazzupMessage("in-\(i)", ago: 0)
            m["dateTime"] = at
            try t.postWazzup(["messages": [m]], secret: secret)
            try t.call("missed", secret: integ, ["callId": "m\(i)", "clientNumber": "+79161234567", "occurredAt": at])
            try t.call("ringing", secret: integ, ["callId": "r\(i)", "clientNumber": "+79161234567", "occurredAt": at])
        }
        // A call whose start moves earlier, and an out-of-order ringing.
        try t.call("ringing", secret: integ, ["callId": "late", "clientNumber": "+79161234567", "occurredAt": Timestamp.format(base.addingTimeInterval(3))])
        try t.call("ended", secret: integ, ["callId": "late", "clientNumber": "+79161234567", "occurredAt": Timestamp.format(base.addingTimeInterval(4)),
                                             "startedAt": Timestamp.format(base.addingTimeInterval(1)), "duration": 3])
        try t.call("answered", secret: integ, ["callId": "ooo", "clientNumber": "+79161234567", "occurredAt": Timestamp.format(base.addingTimeInterval(2.5))])
        try t.call("ringing", secret: integ, ["callId": "ooo", "clientNumber": "+79161234567", "occurredAt": Timestamp.format(base)])
        let deal = try t.api("POST", "/api/v1/contacts/\(contact)/deals", body: ["title": "D"])
        let dealAt = try XCTUnwrap(deal.json["createdAt"] as? String)
        try t.call("missed", secret: integ, ["callId": "atdeal", "clientNumber": "+79161234567", "occurredAt": dealAt])
        try t.call("ringing", secret: integ, ["callId": "bad", "clientNumber": "not a number", "occurredAt": dealAt])
        func key(_ i: [String: Any]) -> String {
            let type = i["type"] as? String ?? ""
            let obj = i[type] as? [String: Any] ?? [:]
            return "\(i["at"] as? String ?? "") \(type) \(obj["id"] as? Int ?? -1) \(obj["providerCallId"] as? String ?? "")"
        }
        let full = try XCTUnwrap(t.api("GET", "/api/v1/contacts/\(contact)/timeline?limit=200").json["items"] as? [[String: Any]]).map(key)
        for limit in 1...5 {
            var paged: [String] = []
            var cursor: String?
            repeat {
                let path = "/api/v1/contacts/\(contact)/timeline?limit=\(limit)" + (cursor.map { "&before=" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! } ?? "")
                let page = try t.api("GET", path).json
                paged += (page["items"] as? [[String: Any]] ?? []).map(key)
                cursor = page["nextBefore"] as? String
            } while cursor != nil
            XCTAssertEqual(paged, full, "limit \(limit)")
        }
        let live = try t.daemon.store.read { db in try db.query("SELECT * FROM (\(Timeline.allEntriesSQL)) ORDER BY contact_id, at, id").map(\.values.description) }
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        let rebuilt = try t.daemon.store.read { db in try db.query("SELECT * FROM (\(Timeline.allEntriesSQL)) ORDER BY contact_id, at, id").map(\.values.description) }
        XCTAssertEqual(live, rebuilt)
    }
}
