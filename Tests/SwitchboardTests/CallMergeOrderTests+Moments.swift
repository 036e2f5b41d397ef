import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Differences a property test found between arrival orders of one call's moments (random
/// scenarios, each delivered in several orders): tags that differ between moments, an answer
/// naming no agent, and an answer that arrives after an earlier end.
extension CallMergeOrderTests {
    /// What every order must agree on: the call's agent, tags and start, its timeline entry, the
    /// contact's owner and UTM field.
    private func outcome(of callId: String) throws -> String {
        try t.daemon.store.read { db in
            let call = try XCTUnwrap(try db.queryOne("SELECT * FROM calls WHERE provider_call_id = ?", callId).map(CallRecord.init(row:)))
            let at = try db.scalar("SELECT at FROM (\(Timeline.allEntriesSQL)) WHERE kind = 'call' AND ref_id = ?", call.id).string ?? "-"
            let contact = try db.queryOne("SELECT owner_agent_id, fields FROM contacts WHERE id = ?", call.contactId ?? 0)
            return "agent \(call.agentId.map(String.init) ?? "-") sip \(call.sipLogin ?? "-") utm \(call.utm.sorted { $0.key < $1.key }) "
                + "start \(call.startedAt) timeline \(at) owner \(contact?.int("owner_agent_id").map(String.init) ?? "-") "
                + "fields \(contact?.string("fields") ?? "-")"
        }
    }

    /// Runs `moments` in each order on its own call and client; the outcomes must all be one.
    private func assertSameInEveryOrder(_ moments: [(String, [String: Any])], orders: [[Int]], prefix: String,
                                        file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var outcomes: [String] = []
        for (index, order) in orders.enumerated() {
            let callId = "\(prefix)-\(index)"
            for position in order {
                var fields = moments[position].1
                fields["callId"] = callId
                if fields["clientNumber"] != nil { fields["clientNumber"] = "+4072203\(prefix.count)\(String(format: "%03d", index))" }
                XCTAssertEqual(try t.call(moments[position].0, secret: secret, fields).status, 200, file: file, line: line)
            }
            outcomes.append(try outcome(of: callId))
        }
        XCTAssertEqual(Set(outcomes).count, 1, "\(outcomes)", file: file, line: line)
        return outcomes[0]
    }

    /// Two moments of one call with different tags: the last delivered won. The earliest moment's
    /// tag is the call's (at the same instant the smaller value), as its contact field in any mode.
    func testTagsThatDifferBetweenMomentsAreTheEarliestMoments() throws {
        _ = try t.api("PATCH", "/api/v1/integrations/1", body: ["settings": ["utm": ["fields": ["utm_source": "Source"], "mode": "last-touch"]]])
        let moments: [(String, [String: Any])] = [
            ("ringing", ["clientNumber": "x", "occurredAt": "2026-11-23T10:00:00Z", "utm_source": "google", "utm_medium": "cpc"]),
            ("answered", ["occurredAt": "2026-11-23T10:00:20Z", "utm_source": "bing", "utm_campaign": "spring"]),
        ]
        let outcome = try assertSameInEveryOrder(moments, orders: [[0, 1], [1, 0]], prefix: "tags")
        XCTAssertTrue(outcome.contains(#"(key: "utm_campaign", value: "spring"), (key: "utm_medium", value: "cpc"), (key: "utm_source", value: "google")"#),
                      outcome)
        XCTAssertTrue(outcome.contains(#""Source":"google""#), outcome)
    }

    /// First touch: a contact field the call holds follows the call's tag when an earlier moment,
    /// delivered later, replaces it (the call's start unchanged): the contact kept the tag the
    /// call no longer had.
    func testAFirstTouchFieldFollowsItsCallsTag() throws {
        _ = try t.api("PATCH", "/api/v1/integrations/1", body: ["settings": ["utm": ["fields": ["utm_source": "Source"], "mode": "first-touch"]]])
        let moments: [(String, [String: Any])] = [
            ("missed", ["clientNumber": "x", "occurredAt": "2026-11-23T10:00:00Z"]),
            ("answered", ["occurredAt": "2026-11-23T10:00:10Z", "utm_source": "google"]),
            ("ended", ["occurredAt": "2026-11-23T10:01:00Z", "utm_source": "bing"]),
        ]
        let outcome = try assertSameInEveryOrder(moments, orders: [[0, 1, 2], [0, 2, 1], [2, 1, 0]], prefix: "first")
        XCTAssertTrue(outcome.contains(#""Source":"google""#), outcome)
    }

    /// A callback known first by its talk time reached the client at its end; its answer, stamped
    /// later than that end (two clocks), came after: the missed call's task stayed closed at the
    /// end in one arrival order and at the answer in another. It is the answer's, in any order.
    func testATaskClosedByACallbackIsClosedAtItsAnswerInAnyOrder() throws {
        var closings: [String] = []
        for (index, order) in [[1, 2, 0], [0, 1, 2], [2, 1, 0]].enumerated() {
            let number = "+4072204100\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("answered", "cb-\(index)", ["occurredAt": "2026-11-23T10:34:08Z"]),
                ("ended", "cb-\(index)", ["clientNumber": number, "occurredAt": "2026-11-23T10:31:12Z", "talkTime": 165]),
                ("missed", "m-\(index)", ["clientNumber": number, "occurredAt": "2026-11-23T10:12:06Z"]),
            ]
            for position in order {
                var fields = moments[position].2
                fields["callId"] = moments[position].1
                XCTAssertEqual(try t.call(moments[position].0, secret: secret, fields).status, 200)
            }
            closings.append(try t.daemon.store.read { db in
                try db.scalar("""
                    SELECT state || ' ' || closed_at FROM tasks WHERE call_id = (SELECT id FROM calls WHERE provider_call_id = ?)
                    """, "m-\(index)").string
            } ?? "-")
        }
        XCTAssertEqual(closings, Array(repeating: "done 2026-11-23T10:34:08.000Z", count: 3))
    }

    /// A callback known first by its talk time, answered later than that first end: the tasks it
    /// closed go to the first call that reached the client after each was missed, now. Re-dating
    /// them to the answer kept one that another call, in between, reached first.
    func testTasksACallbackClosedByItsTalkGoToTheFirstReachWhenItsAnswerComesLater() throws {
        func at(_ seconds: Int) -> String { String(format: "2026-11-23T10:%02d:%02dZ", seconds / 60, seconds % 60) }
        func story(_ number: String, _ moments: [(String, String, Int, Int?)]) throws -> [String] {
            for (kind, callId, time, talk) in moments {
                var fields: [String: Any] = ["callId": "\(callId)-\(number.suffix(2))", "clientNumber": number, "occurredAt": at(time)]
                if let talk { fields["talkTime"] = talk }
                XCTAssertEqual(try t.call(kind, secret: secret, fields).status, 200)
            }
            return try t.daemon.store.read { db in
                try db.query("""
                    SELECT m.provider_call_id AS missed, c.provider_call_id AS closer, t.closed_at FROM tasks t
                    JOIN calls m ON m.id = t.call_id LEFT JOIN calls c ON c.id = t.closed_by_call_id
                    WHERE m.client_number = ? ORDER BY m.provider_call_id
                    """, number).map { "\($0.string("missed") ?? "") by \($0.string("closer") ?? "-") at \($0.string("closed_at") ?? "-")" }
            }
        }
        // Z answered at 130 reached both A (missed 100) and B (missed 120) first; Y at 140 came after.
        let first = try story("+40722050001", [("missed", "A", 100, nil), ("ended", "Z", 110, 60), ("missed", "B", 120, nil),
                                               ("ended", "Y", 140, 60), ("answered", "Z", 130, nil)])
        XCTAssertEqual(first, ["A-01 by Z-01 at 2026-11-23T10:02:10.000Z", "B-01 by Z-01 at 2026-11-23T10:02:10.000Z"])
        // Z's answer at 220 comes after W's end at 210: A (missed 100) was reached by W first, then
        // X (ended 150) turns out to have reached it earlier still.
        let second = try story("+40722050002", [("missed", "A", 100, nil), ("ended", "Z", 200, 60), ("ended", "W", 210, 60),
                                                ("missed", "B", 205, nil), ("answered", "Z", 220, nil), ("ended", "X", 150, 60)])
        XCTAssertEqual(second, ["A-02 by X-02 at 2026-11-23T10:02:30.000Z", "B-02 by W-02 at 2026-11-23T10:03:30.000Z"])
    }

    /// An answer naming no agent: the ringing's agent is the call's whichever order; an end
    /// naming another agent delivered before the ringing took the call.
    func testAnAnswerNamingNoAgentLeavesTheCallTheAgentItsEarliestMomentNamed() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        let moments: [(String, [String: Any])] = [
            ("ringing", ["clientNumber": "x", "occurredAt": "2026-11-23T10:00:00Z", "agentId": ana.id]),
            ("answered", ["occurredAt": "2026-11-23T10:00:20Z"]),
            ("ended", ["occurredAt": "2026-11-23T10:03:20Z", "agentId": bob.id, "talkTime": 150]),
        ]
        let outcome = try assertSameInEveryOrder(moments, orders: [[0, 1, 2], [1, 2, 0], [2, 1, 0], [1, 0, 2]], prefix: "agent")
        XCTAssertTrue(outcome.hasPrefix("agent \(ana.id) "), outcome)
        XCTAssertTrue(outcome.contains("owner \(ana.id) "), outcome)
    }

    /// An end reported earlier than the answer (clocks of two systems): the call's start was its
    /// earliest moment until the answer came, then the answer; the timeline entry only moved
    /// earlier, so it stayed where the first delivery put it. The start is the earliest moment.
    func testAnAnswerAfterAnEarlierEndGivesTheSameStartAndTimeline() throws {
        let moments: [(String, [String: Any])] = [
            ("missed", ["clientNumber": "x", "occurredAt": "2026-11-23T10:00:10Z"]),
            ("answered", ["occurredAt": "2026-11-23T10:00:20Z"]),
        ]
        let outcome = try assertSameInEveryOrder(moments, orders: [[0, 1], [1, 0]], prefix: "start")
        XCTAssertTrue(outcome.contains("start 2026-11-23T10:00:10.000Z timeline 2026-11-23T10:00:10.000Z"), outcome)
    }
}
