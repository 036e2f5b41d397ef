import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Order-freedom where several calls meet: UTM touches across calls and integrations, a value
/// set by hand, and which callback reached a missed client first.
extension CallMergeOrderTests {
    private func lastTouchIntegration() throws -> String {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        settings.utm.mode = .lastTouch
        return try t.addIntegration(settings: settings).secret
    }

    /// Two integrations writing utm_source to the same field in last touch: the latest call of
    /// either wins, also when the holder's start moves earlier last.
    func testLastTouchWeighsTheCallsOfEveryIntegrationWritingTheField() throws {
        let (first, second) = (try lastTouchIntegration(), try lastTouchIntegration())
        var sources: [String?] = []
        for (index, order) in [[0, 1, 2], [2, 0, 1]].enumerated() {
            let number = "+4072201010\(index)"
            let moments: [(String, String, String, [String: Any])] = [
                ("answered", "A", first, ["clientNumber": number, "occurredAt": "2026-11-24T13:00:30Z", "utm_source": "a"]),
                ("ringing", "B", second, ["clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z", "utm_source": "b"]),
                ("ringing", "A", first, ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"]),
            ]
            for i in order {
                var fields = moments[i].3
                fields["callId"] = "\(moments[i].1)-\(index)"
                XCTAssertEqual(try t.call(moments[i].0, secret: moments[i].2, fields).status, 200)
            }
            sources.append(try sourceField(of: number))
        }
        XCTAssertEqual(sources, ["b", "b"], "B (13:00:20) is the latest call")
    }

    /// A blank tag is no tag, and tags are trimmed: in last touch `"utm_source": "  "` replaced
    /// the real source with spaces, and `" google "` was stored as sent.
    func testBlankTagsAreNoTagsAndTagsAreTrimmed() throws {
        let secret = try lastTouchIntegration()
        let number = "+40722010400"
        try t.call("ringing", secret: secret, ["callId": "T1", "clientNumber": number, "occurredAt": "2026-11-24T13:00:00Z",
                                               "utm_source": " google "])
        XCTAssertEqual(try sourceField(of: number), "google")
        try t.call("ringing", secret: secret, ["callId": "T2", "clientNumber": number, "occurredAt": "2026-11-24T13:10:00Z",
                                               "utm_source": "  ", "utm": ["source": "\t"]])
        XCTAssertEqual(try sourceField(of: number), "google", "a later call with a blank tag leaves it")
        let later = try t.daemon.store.read { db in try db.scalar("SELECT utm FROM calls WHERE provider_call_id = 'T2'").string }
        XCTAssertEqual(later, "{}")
        // A blank top-level tag does not hide the nested one.
        try t.call("ringing", secret: secret, ["callId": "T3", "clientNumber": number, "occurredAt": "2026-11-24T13:20:00Z",
                                               "utm_source": " ", "utm": ["source": "bing"]])
        XCTAssertEqual(try sourceField(of: number), "bing")
    }

    /// A value set by hand counts from when it was set: in last touch a later moment of an older
    /// call does not bring that call's tag back over it, in any order.
    func testLastTouchKeepsAHandSetValueFromCallsThatStartedBeforeIt() throws {
        let secret = try lastTouchIntegration()
        var sources: [String?] = []
        for (index, order) in [[0, 1], [1, 0]].enumerated() {
            let number = "+4072201020\(index)"
            try t.call("ringing", secret: secret, ["callId": "B-\(index)", "clientNumber": number, "occurredAt": "2026-11-24T13:00:50Z",
                                                   "utm_source": "b"])
            let contact = try XCTUnwrap(try t.daemon.store.read { db in
                try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", number).int
            })
            XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["fields": ["Source": "referral"]]).status, 200)
            let moments: [(String, String, [String: Any])] = [
                ("answered", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:30Z", "utm_source": "a"]),
                ("ended", "B", ["clientNumber": number, "occurredAt": "2026-11-24T13:05:00Z"]),
            ]
            try deliver(moments, order: order, suffix: index, secret: secret)
            sources.append(try sourceField(of: number))
        }
        XCTAssertEqual(sources, ["referral", "referral"])
    }

    /// Last touch: a call that replaced a value set by hand, then turns out to have started
    /// before the edit, gives the hand-set value back, as if its ringing had come first.
    func testLastTouchGivesAHandSetValueBackWhenItsReplacerStartedBeforeIt() throws {
        let secret = try lastTouchIntegration()
        let stamp = { (minutes: Double) in Timestamp.format(Date(timeIntervalSinceNow: minutes * 60)) }
        var sources: [String?] = []
        for (index, order) in [[0, 1], [1, 0]].enumerated() {
            let number = "+4072201030\(index)"
            try t.call("ringing", secret: secret, ["callId": "old-\(index)", "clientNumber": number, "occurredAt": stamp(-60),
                                                   "utm_source": "old"])
            let contact = try XCTUnwrap(try t.daemon.store.read { db in
                try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", number).int
            })
            XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["fields": ["Source": "referral"]]).status, 200)
            let moments: [(String, String, [String: Any])] = [
                ("ringing", "X", ["clientNumber": number, "occurredAt": stamp(-10), "utm_source": "x"]),
                ("answered", "X", ["clientNumber": number, "occurredAt": stamp(2), "utm_source": "x"]),
            ]
            try deliver(moments, order: order, suffix: index, secret: secret)
            sources.append(try sourceField(of: number))
        }
        XCTAssertEqual(sources, ["referral", "referral"], "call X began before the edit")
    }

    /// The value last set by hand is kept apart from the field names: a field literally named
    /// "hand:Source" is just another field.
    func testAFieldNamedLikeTheHandCopyIsJustAField() throws {
        let secret = try lastTouchIntegration()
        let stamp = { (minutes: Double) in Timestamp.format(Date(timeIntervalSinceNow: minutes * 60)) }
        let number = "+40722010500"
        try t.call("ringing", secret: secret, ["callId": "first", "clientNumber": number, "occurredAt": stamp(-60), "utm_source": "old"])
        let contact = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", number).int })
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["fields": ["Source": "referral"]]).status, 200)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["fields": ["hand:Source": "note"]]).status, 200)
        try t.call("answered", secret: secret, ["callId": "X", "clientNumber": number, "occurredAt": stamp(2), "utm_source": "x"])
        try t.call("ringing", secret: secret, ["callId": "X", "clientNumber": number, "occurredAt": stamp(-10), "utm_source": "x"])
        let fields = try t.api("GET", "/api/v1/contacts/\(contact)").json["fields"] as? [String: String]
        XCTAssertEqual(fields, ["Source": "referral", "hand:Source": "note"])
    }

    /// Fields given when a contact is created by hand count from then too: a call that started
    /// earlier does not overwrite them in last touch.
    func testLastTouchKeepsFieldsGivenWhenTheContactWasCreated() throws {
        let secret = try lastTouchIntegration()
        let created = try t.api("POST", "/api/v1/contacts", body: ["name": "Ion", "phones": ["+40722010400"], "fields": ["Source": "referral"]])
        XCTAssertEqual(created.status, 201, created.text)
        try t.call("ringing", secret: secret, ["callId": "earlier", "clientNumber": "+40722010400", "occurredAt": "2026-11-24T13:00:00Z",
                                               "utm_source": "ads"])
        XCTAssertEqual(try sourceField(of: "+40722010400"), "referral")
    }

    /// A task reopened because its closer turns out answered before the miss goes, when it
    /// follows the client's owner, to the owner now, and the former owner hears nothing of it.
    func testAReopenedTaskFollowsTheClientsOwnerNow() throws {
        let ann = try t.addAgent("Ann", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        let secret = try t.addIntegration(region: "RO").secret
        let number = "+40722093000"
        try t.call("missed", secret: secret, ["callId": "M", "clientNumber": number, "agentId": ann.id, "occurredAt": "2026-11-24T13:00:20Z"])
        try t.call("ended", secret: secret, ["callId": "E", "direction": "outbound", "clientNumber": number, "talkTime": 40,
                                             "occurredAt": "2026-11-24T13:00:50Z"])
        let contact = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = ?", number).int })
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["ownerAgentId": bob.id]).status, 200)
        let annEvents = try t.openEvents(key: ann.key)
        let bobEvents = try t.openEvents(key: bob.key)
        try t.call("answered", secret: secret, ["callId": "E", "direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"])
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks?contact=\(contact)").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["state"] as? String, "open")
        XCTAssertEqual(task["assigneeAgentId"] as? Int, bob.id)
        try t.call("ringing", secret: secret, ["callId": "marker", "clientNumber": "+40722093001", "agentId": ann.id])
        let text = try annEvents.read(until: "marker")
        XCTAssertFalse(text.contains("task.reopened"), text)
        XCTAssertTrue(text.contains("event: task.unassigned"), "the done task she had went to Bob: \(text)")
        // Bob hears of it once, as reopened.
        try t.call("ringing", secret: secret, ["callId": "marker-bob", "clientNumber": "+40722093002", "agentId": bob.id])
        let bobText = try bobEvents.read(until: "marker-bob")
        XCTAssertTrue(bobText.contains("event: task.reopened"), bobText)
        XCTAssertFalse(bobText.contains("event: task.assigned"), bobText)
    }

    /// Callbacks known only by their talk time reach the client at their first end, and count
    /// against answered ones by time; a callback whose answer turns out to come before the missed
    /// call closes nothing, in any order.
    func testTalkTimeCallbacksAndEarlierAnswersCloseTasksTheSameWayInAnyOrder() throws {
        var tasks: [String] = []
        let stories: [(orders: [[Int]], moments: (String) -> [(String, String, [String: Any])])] = [
            ([[0, 1, 2], [0, 2, 1]], { n in [  // C ended twice, with talk time
                ("missed", "M", ["clientNumber": n, "occurredAt": "2026-11-24T13:00:10Z"]),
                ("ended", "C", ["direction": "outbound", "clientNumber": n, "talkTime": 20, "occurredAt": "2026-11-24T13:00:30Z"]),
                ("ended", "C", ["direction": "outbound", "clientNumber": n, "talkTime": 20, "occurredAt": "2026-11-24T13:00:50Z"]),
            ] }),
            ([[0, 1, 2], [2, 1, 0]], { n in [  // talk-time C before answered D
                ("missed", "M", ["clientNumber": n, "occurredAt": "2026-11-24T13:00:10Z"]),
                ("ended", "C", ["direction": "outbound", "clientNumber": n, "talkTime": 5, "occurredAt": "2026-11-24T13:00:30Z"]),
                ("answered", "D", ["direction": "outbound", "clientNumber": n, "occurredAt": "2026-11-24T13:00:40Z"]),
            ] }),
            ([[0, 1, 2], [0, 2, 1]], { n in [  // E answered before the missed call, its talk time after
                ("missed", "M", ["clientNumber": n, "occurredAt": "2026-11-24T13:00:20Z"]),
                ("ended", "E", ["direction": "outbound", "clientNumber": n, "talkTime": 40, "occurredAt": "2026-11-24T13:00:50Z"]),
                ("answered", "E", ["direction": "outbound", "clientNumber": n, "occurredAt": "2026-11-24T13:00:10Z"]),
            ] }),
        ]
        var suffix = 20
        for story in stories {
            for order in story.orders {
                suffix += 1
                try deliver(story.moments("+407220104\(suffix)"), order: order, suffix: suffix)
                tasks.append(try taskOf("M", suffix: suffix))
            }
        }
        XCTAssertEqual(tasks, [
            "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z done 2026-11-24T13:00:30.000Z C",
            "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z done 2026-11-24T13:00:30.000Z C",
            "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z done 2026-11-24T13:00:30.000Z C",
            "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z done 2026-11-24T13:00:30.000Z C",
            "2026-11-24T13:00:20.000Z 2026-11-24T13:30:20.000Z open - -",
            "2026-11-24T13:00:20.000Z 2026-11-24T13:30:20.000Z open - -",
        ])
    }
}

extension CallMergeOrderTests {
    /// A call that rang one extension and was answered at another names the one that answered,
    /// as its agent does: Zadarma's NOTIFY_INTERNAL for 100 then NOTIFY_ANSWER at 101 showed
    /// Bob as the agent with Ana's login 100. In any order; at the same instant the smaller login.
    func testTheCallsSIPLoginIsTheAnsweringOnesInAnyOrder() throws {
        let bob = try t.addAgent("Bob", role: .manager, sip: ["101"])
        _ = try t.addAgent("Ana", role: .manager, sip: ["100"])
        let moments: [(String, String, [String: Any])] = [
            ("ringing", "S", ["clientNumber": "+40722010300", "occurredAt": "2026-11-24T13:00:00Z", "sipLogin": "100"]),
            ("answered", "S", ["clientNumber": "+40722010300", "occurredAt": "2026-11-24T13:00:09Z", "sipLogin": "101"]),
            ("ringing", "S", ["clientNumber": "+40722010300", "occurredAt": "2026-11-24T13:00:01Z", "sipLogin": "102"]),
            ("ended", "S", ["clientNumber": "+40722010300", "occurredAt": "2026-11-24T13:01:00Z", "sipLogin": "100"]),
        ]
        var seen: [String] = []
        for (suffix, order) in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2]].enumerated() {
            try deliver(moments, order: order, suffix: suffix)
            let call = try t.daemon.store.read { db in try db.queryOne("SELECT agent_id, sip_login FROM calls WHERE provider_call_id = ?", "S-\(suffix)") }
            XCTAssertEqual(call?.int("agent_id"), bob.id)
            seen.append(call?.string("sip_login") ?? "-")
        }
        XCTAssertEqual(seen, ["101", "101", "101"])

        // Nobody answered: the login of the earliest moment that named one, in any order.
        let unanswered: [(String, String, [String: Any])] = [
            ("ringing", "U", ["clientNumber": "+40722010301", "occurredAt": "2026-11-24T13:10:01Z", "sipLogin": "102"]),
            ("ringing", "U", ["clientNumber": "+40722010301", "occurredAt": "2026-11-24T13:10:00Z", "sipLogin": "100"]),
            ("missed", "U", ["clientNumber": "+40722010301", "occurredAt": "2026-11-24T13:10:30Z"]),
        ]
        var logins: [String] = []
        for (suffix, order) in [[0, 1, 2], [1, 0, 2], [2, 0, 1]].enumerated() {
            try deliver(unanswered, order: order, suffix: suffix)
            logins.append(try t.daemon.store.read { db in
                try db.scalar("SELECT sip_login FROM calls WHERE provider_call_id = ?", "U-\(suffix)").string
            } ?? "-")
        }
        XCTAssertEqual(logins, ["100", "100", "100"])

        // Two answers at the same instant: the agent is the smaller agent id, and so is the login
        // (by login alone it was Ana's `amy` beside Bob's agent).
        let zed = try t.addAgent("Zed", role: .manager, sip: ["zed"])
        _ = try t.addAgent("Amy", role: .manager, sip: ["amy"])
        let tie: [(String, String, [String: Any])] = [
            ("answered", "Z", ["clientNumber": "+40722010302", "occurredAt": "2026-11-24T13:20:09Z", "sipLogin": "zed"]),
            ("answered", "Z", ["clientNumber": "+40722010302", "occurredAt": "2026-11-24T13:20:09Z", "sipLogin": "amy"]),
        ]
        for (suffix, order) in [[0, 1], [1, 0]].enumerated() {
            try deliver(tie, order: order, suffix: suffix)
            let call = try t.daemon.store.read { db in try db.queryOne("SELECT agent_id, sip_login FROM calls WHERE provider_call_id = ?", "Z-\(suffix)") }
            XCTAssertEqual(call?.int("agent_id"), zed.id, "\(order)")
            XCTAssertEqual(call?.string("sip_login"), "zed", "\(order)")
        }
    }

    /// Calls stored before migration 033 are ranked from their answer when they had one (a
    /// later-delivered earlier ringing does not take the login from it), a click-to-call first
    /// (the account it dialled from), others from their earliest moment.
    func testMigration033RanksStoredLoginsByTheirAnswer() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let legacy = try legacyDatabase(at: dir.path("old.db"), before: "033_call_agent_and_sip_ranks")
        try legacy.execute("""
            INSERT INTO calls(integration_id, provider_call_id, sip_login, agent_id, answered_at, created_at, updated_at) VALUES
                (1, 'old-answered', '101', NULL, '2026-11-24T13:00:09.000Z', '2026-11-24T13:00:09.000Z', '2026-11-24T13:00:09.000Z'),
                (1, 'c2c:7', 'desk', NULL, NULL, '2026-11-24T12:00:00.000Z', '2026-11-24T12:00:00.000Z'),
                (1, 'old-rung', '102', NULL, NULL, '2026-11-24T13:00:05.000Z', '2026-11-24T13:00:05.000Z')
            """)
        try Migrator.migrate(legacy, Schema.migrations)
        let ranks = try legacy.query("SELECT provider_call_id, sip_rank FROM calls ORDER BY id").map { "\($0.string("provider_call_id") ?? ""): \($0.string("sip_rank") ?? "-")" }
        XCTAssertEqual(ranks, ["old-answered: 02026-11-24T13:00:09.000Z999999999999101", "c2c:7: 0",
                               "old-rung: 12026-11-24T13:00:05.000Z999999999999102"])
    }
}
