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
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_campaign": "Campaign"]
        let utm = try t.addIntegration(settings: settings).secret
        let moments: [(String, String, [String: Any])] = [
            ("ringing", "c1", ["occurredAt": "2026-11-23T10:01:00Z", "utm_campaign": "fb2"]),
            ("ringing", "c3", ["occurredAt": "2026-11-23T10:01:00Z", "utm_campaign": "tt1"]),
        ]
        for (suffix, order) in [[0, 1], [1, 0]].enumerated() {
            var numbered = moments
            for i in numbered.indices { numbered[i].2["clientNumber"] = "+4072003000\(suffix)" }
            try deliver(numbered, order: order, suffix: suffix, secret: utm)
        }
        let campaigns = try t.daemon.store.read { db in
            try db.query("SELECT json_extract(fields, '$.Campaign') AS c FROM contacts ORDER BY id").compactMap { $0.string("c") }
        }
        XCTAssertEqual(campaigns, ["fb2", "fb2"], "c1 sorts before c3")
    }
}

extension CallMergeOrderTests {
    /// In last touch, of two calls that start at the same instant the greater provider call id
    /// counts as last, as when the field is recomputed, in any order (it went by arrival).
    func testLastTouchTiesAtTheSameInstantGoByProviderCallId() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_medium": "Medium"]
        settings.utm.mode = .lastTouch
        let utm = try t.addIntegration(settings: settings).secret
        let moments: [(String, String, [String: Any])] = [
            ("ringing", "c0", ["occurredAt": "2026-11-23T10:00:00Z", "utm_medium": "fb1"]),
            ("ringing", "c2", ["occurredAt": "2026-11-23T10:00:00Z", "utm_medium": "fb2"]),
        ]
        for (suffix, order) in [[0, 1], [1, 0]].enumerated() {
            var numbered = moments
            for i in numbered.indices { numbered[i].2["clientNumber"] = "+4072009200\(suffix)" }
            try deliver(numbered, order: order, suffix: suffix, secret: utm)
        }
        let media = try t.daemon.store.read { db in
            try db.query("SELECT json_extract(fields, '$.Medium') AS m FROM contacts ORDER BY id").compactMap { $0.string("m") }
        }
        XCTAssertEqual(media, ["fb2", "fb2"], "c2 sorts after c0")
    }
}
