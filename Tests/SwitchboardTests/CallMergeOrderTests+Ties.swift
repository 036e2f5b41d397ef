import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// Order-freedom found by fuzzing two arrival orders of the same moments (December 6): a
/// contact's creation time, the call's agent, and UTM touches at the same instant.
extension CallMergeOrderTests {
    /// The contact of a call with two end reports is created at the earliest of them, whichever
    /// comes first (the one without a number first gave the later end).
    func testAContactIsCreatedAtItsCallsEarliestEndInAnyOrder() throws {
        let moments: [(String, String, [String: Any])] = [
            ("ended", "e", ["occurredAt": "2026-11-23T10:06:15Z"]),
            ("ended", "e", ["occurredAt": "2026-11-23T10:06:35Z", "clientNumber": "+40720062001"]),
        ]
        for (suffix, order) in [[0, 1], [1, 0]].enumerated() {
            var numbered = moments
            numbered[1].2["clientNumber"] = "+4072006200\(suffix + 1)"
            try deliver(numbered, order: order, suffix: suffix)
        }
        let created = try t.daemon.store.read { db in
            try db.query("SELECT created_at FROM contacts ORDER BY id").compactMap { $0.string("created_at") }
        }
        XCTAssertEqual(created, ["2026-11-23T10:06:15.000Z", "2026-11-23T10:06:15.000Z"])
    }

    /// The call's agent (and so the client's owner and a task that follows the owner) is the
    /// agent of its earliest answer, else of its earliest moment naming one, whatever arrives
    /// first; it went by arrival.
    func testTheCallsAgentIsTheEarliestAnswersElseTheEarliestNamedInAnyOrder() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let answers: [(String, String, [String: Any])] = [
            ("ringing", "x", ["occurredAt": "2026-11-23T10:00:00Z", "clientNumber": "+40721111111"]),
            ("answered", "x", ["occurredAt": "2026-11-23T10:00:05Z", "sipLogin": "ana"]),
            ("answered", "x", ["occurredAt": "2026-11-23T10:00:40Z", "sipLogin": "bob"]),
        ]
        let named: [(String, String, [String: Any])] = [
            ("ringing", "y", ["occurredAt": "2026-11-23T10:00:00Z", "clientNumber": "+40722222222", "sipLogin": "ana"]),
            ("missed", "y", ["occurredAt": "2026-11-23T10:00:30Z", "sipLogin": "bob"]),
        ]
        for (suffix, orders) in [([0, 1, 2], [0, 1]), ([0, 2, 1], [1, 0]), ([2, 1, 0], [1, 0])].enumerated() {
            var numberedAnswers = answers, numberedNamed = named
            numberedAnswers[0].2["clientNumber"] = "+4072111111\(suffix)"
            numberedNamed[0].2["clientNumber"] = "+4072222222\(suffix)"
            try deliver(numberedAnswers, order: orders.0, suffix: suffix)
            try deliver(numberedNamed, order: orders.1, suffix: suffix)
        }
        let agents = try t.daemon.store.read { db in
            try db.query("SELECT provider_call_id, agent_id FROM calls ORDER BY provider_call_id").map {
                "\($0.string("provider_call_id") ?? ""):\($0.int("agent_id") ?? 0)"
            }
        }
        XCTAssertEqual(agents, ["x-0:\(ana.id)", "x-1:\(ana.id)", "x-2:\(ana.id)", "y-0:\(ana.id)", "y-1:\(ana.id)", "y-2:\(ana.id)"])
        XCTAssertEqual(try t.count("tasks", "assignee_agent_id = \(bob.id)"), 0, "the missed call's task follows Ana, the owner")
    }

    /// Two calls that start at the same instant: in first touch the smaller provider call id's
    /// tags count as first, whatever order they arrive in (it went by arrival).
    func testFirstTouchTiesAtTheSameInstantGoByProviderCallId() throws {
        let campaigns = try fieldAfterBothOrders("utm_campaign", into: "Campaign", mode: .firstTouch,
                                                 calls: [("c1", "fb2"), ("c3", "tt1")], numbers: "+4072003000")
        XCTAssertEqual(campaigns, ["fb2", "fb2"], "c1 sorts before c3")
    }

    /// In last touch, of two calls that start at the same instant the greater provider call id
    /// counts as last, as when the field is recomputed, in any order (it went by arrival).
    func testLastTouchTiesAtTheSameInstantGoByProviderCallId() throws {
        let media = try fieldAfterBothOrders("utm_medium", into: "Medium", mode: .lastTouch,
                                             calls: [("c0", "fb1"), ("c2", "fb2")], numbers: "+4072009200")
        XCTAssertEqual(media, ["fb2", "fb2"], "c2 sorts after c0")
    }

    /// Two ringing calls at the same instant tagged `key` (call id, tag), delivered in both orders
    /// to two clients (`numbers` + 0 and + 1); the field `key` is mapped to, per client.
    private func fieldAfterBothOrders(_ key: String, into field: String, mode: UTMSettings.Mode,
                                      calls: [(String, String)], numbers: String) throws -> [String] {
        var settings = IntegrationSettings()
        settings.utm.fields = [key: field]
        settings.utm.mode = mode
        let utm = try t.addIntegration(settings: settings).secret
        for (suffix, order) in [[0, 1], [1, 0]].enumerated() {
            let moments: [(String, String, [String: Any])] = calls.map { call in
                ("ringing", call.0, ["occurredAt": "2026-11-23T10:00:00Z", key: call.1, "clientNumber": "\(numbers)\(suffix)"])
            }
            try deliver(moments, order: order, suffix: suffix, secret: utm)
        }
        return try t.daemon.store.read { db in
            try db.query("SELECT json_extract(fields, '$.' || ?) AS v FROM contacts ORDER BY id", field).compactMap { $0.string("v") }
        }
    }
}
