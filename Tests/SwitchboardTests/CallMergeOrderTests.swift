import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// A call is the merge of its moments, whatever order they arrive in: the same call,
/// contact, owner and task come out of every order, and what the answer says matches it.
final class CallMergeOrderTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        var settings = IntegrationSettings()
        settings.missedCallTask.deadlineMinutes = 30
        secret = try t.addIntegration(settings: settings).secret
    }

    override func tearDown() { t.stop() }

    /// Posts `moments` for `callId` in the given order; each is (kind, fields).
    private func deliver(_ callId: String, _ moments: [(String, [String: Any])], order: [Int]) throws {
        for index in order {
            var fields = moments[index].1
            fields["callId"] = callId
            let response = try t.call(moments[index].0, secret: secret, fields)
            XCTAssertEqual(response.status, 200, response.text)
        }
    }

    /// The call's stored shape, its task (deadline, state) and its contact's owner.
    private func shape(_ callId: String) throws -> String {
        try t.daemon.store.read { db in
            let call = try db.queryOne("""
                SELECT direction, client_number, our_number, agent_id, ringing_at, answered_at, ended_at, missed_at,
                       end_reason, created_at, contact_id FROM calls WHERE provider_call_id = ?
                """, callId)
            let callKey = try db.scalar("SELECT id FROM calls WHERE provider_call_id = ?", callId).int ?? 0
            let tasks = try db.query("SELECT deadline, state, created_at FROM tasks WHERE call_id = ?", callKey).map { "\($0.values)" }
            let owner = try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = (SELECT contact_id FROM calls WHERE id = ?)", callKey)
            let timeline = try db.query("SELECT at, kind FROM (\(Timeline.allEntriesSQL)) WHERE contact_id = (SELECT contact_id FROM calls WHERE id = ?) ORDER BY id",
                                        callKey).map { "\($0.values)" }
            return "call \(call?.values.dropLast() ?? []) tasks \(tasks) owner \(owner) timeline \(timeline)"
        }
    }

    func testAMomentCarryingOnlyTheCallIdIsStoredOnTheCallersContactNotFlagged() throws {
        let ringing = try t.call("ringing", secret: secret, ["callId": "c1", "clientNumber": "+40722123456"])
        let contactId = try XCTUnwrap((ringing.json["events"] as? [[String: Any]])?.first?["contactId"] as? Int)
        let answered = try t.call("answered", secret: secret, ["callId": "c1"])
        let event = try XCTUnwrap((answered.json["events"] as? [[String: Any]])?.first)
        XCTAssertEqual(event["status"] as? String, "stored", answered.text)
        XCTAssertEqual(event["contactId"] as? Int, contactId)
        XCTAssertNil(event["flag"])
        XCTAssertEqual(try t.count("raw_events", "outcome = 'flagged'"), 0)
        // A moment without a number for a call that has none is still flagged.
        let lone = try t.call("answered", secret: secret, ["callId": "c2"])
        XCTAssertEqual((lone.json["events"] as? [[String: Any]])?.first?["status"] as? String, "flagged")
    }

    func testAStatedOutboundDirectionWinsOverTheAssumedOneAndWithdrawsItsTask() throws {
        let moments: [(String, [String: Any])] = [
            ("ringing", ["direction": "outbound", "clientNumber": "0744000111", "occurredAt": "2026-11-24T12:00:00Z"]),
            ("missed", ["clientNumber": "0744000111", "occurredAt": "2026-11-24T12:00:30Z"]),
        ]
        try deliver("ob-natural", moments, order: [0, 1])
        try deliver("ob-reversed", moments, order: [1, 0])
        XCTAssertEqual(try shape("ob-natural"), try shape("ob-reversed"))
        XCTAssertEqual(try t.count("calls", "direction = 'outbound'"), 2)
        XCTAssertEqual(try t.count("tasks"), 0, "an outbound call nobody answered files no task, in either order")
        XCTAssertEqual(try t.count("timeline", "kind = 'task'"), 0)
    }

    func testTheLatestEndReasonEarliestMissedTimeAndEarliestDeadlineWinInAnyOrder() throws {
        let moments: [(String, [String: Any])] = [
            ("missed", ["clientNumber": "+40722000111", "endReason": "no-answer", "occurredAt": "2026-11-24T14:00:30Z"]),
            ("missed", ["clientNumber": "+40722000111", "endReason": "busy", "occurredAt": "2026-11-24T14:00:31Z"]),
        ]
        try deliver("er-natural", moments, order: [0, 1])
        try deliver("er-reversed", moments, order: [1, 0])
        XCTAssertEqual(try shape("er-natural"), try shape("er-reversed"))
        let call = try t.daemon.store.read { db in
            try db.queryOne("SELECT missed_at, end_reason FROM calls WHERE provider_call_id = 'er-reversed'")
        }
        XCTAssertEqual(call?.string("missed_at"), "2026-11-24T14:00:30.000Z")
        XCTAssertEqual(call?.string("end_reason"), "busy", "the reason of the latest moment")
        XCTAssertEqual(try t.count("tasks", "deadline = '2026-11-24T14:30:30.000Z'"), 2, "due from the earliest missed moment")
    }

    /// An unanswered call reported ended twice at different times (two legs, a corrected
    /// redelivery), or ended earlier than its missed report: its task is due from the earliest
    /// of those moments whichever arrives first, and its timeline entry sits there.
    func testAMissedCallsTaskIsDatedByItsEarliestUnansweredEndInAnyOrder() throws {
        // Each order's call has its own client, so the timelines compared are each call's own.
        func moments(_ first: (String, String), _ second: (String, String), number: String) -> [(String, [String: Any])] {
            [(first.0, ["clientNumber": number, "occurredAt": first.1]), (second.0, ["clientNumber": number, "occurredAt": second.1])]
        }
        let twoEnds = (("ended", "2026-11-24T13:00:10Z"), ("ended", "2026-11-24T13:00:40Z"))
        try deliver("ends-natural", moments(twoEnds.0, twoEnds.1, number: "+40722000501"), order: [0, 1])
        try deliver("ends-reversed", moments(twoEnds.0, twoEnds.1, number: "+40722000502"), order: [1, 0])
        // The same call, task and timeline but for the client's number.
        func anonymised(_ callId: String) throws -> String {
            let number = try t.daemon.store.read { db in
                try db.scalar("SELECT client_number FROM calls WHERE provider_call_id = ?", callId).string ?? ""
            }
            return try shape(callId).replacingOccurrences(of: number, with: "N")
        }
        XCTAssertEqual(try anonymised("ends-natural"), try anonymised("ends-reversed"))
        let endThenMissed = (("ended", "2026-11-24T13:10:10Z"), ("missed", "2026-11-24T13:10:40Z"))
        try deliver("em-natural", moments(endThenMissed.0, endThenMissed.1, number: "+40722000503"), order: [0, 1])
        try deliver("em-reversed", moments(endThenMissed.0, endThenMissed.1, number: "+40722000504"), order: [1, 0])
        XCTAssertEqual(try anonymised("em-natural"), try anonymised("em-reversed"))
        for (callId, due, at) in [("ends-reversed", "2026-11-24T13:30:10.000Z", "2026-11-24T13:00:10.000Z"),
                                  ("em-reversed", "2026-11-24T13:40:10.000Z", "2026-11-24T13:10:10.000Z")] {
            let task = try t.daemon.store.read { db in
                try db.queryOne("""
                    SELECT t.deadline, t.created_at, l.at FROM tasks t JOIN timeline l ON l.kind = 'task' AND l.ref_id = t.id
                    WHERE t.call_id = (SELECT id FROM calls WHERE provider_call_id = ?)
                    """, callId)
            }
            XCTAssertEqual(task?.string("deadline"), due, callId)
            XCTAssertEqual(task?.string("created_at"), at, callId)
            XCTAssertEqual(task?.string("at"), at, "the task's timeline entry, \(callId)")
        }
    }

    /// A callback answered between a missed call's two end reports reached the client after the
    /// first: the task is done, closed by the callback, also when the earlier end comes last.
    func testAnAnswerAfterTheEarliestEndClosesTheTaskWhicheverEndArrivesLast() throws {
        var tasks: [String] = []
        for (index, order) in [[0, 1, 2], [1, 2, 0]].enumerated() {
            let number = "+4072200051\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("ended", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:20:10Z"]),
                ("ended", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:20:40Z"]),
                ("answered", "B", ["direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:20:20Z"]),
            ]
            try deliver(moments, order: order, suffix: index)
            tasks.append(try taskOf("A", suffix: index))
        }
        XCTAssertEqual(tasks, Array(repeating: "2026-11-24T13:20:10.000Z 2026-11-24T13:50:10.000Z done 2026-11-24T13:20:20.000Z B", count: 2))
    }

    /// Posts `moments` (kind, call, fields) in the given order, each call id suffixed with
    /// `-suffix`, so several orders of one story can be stored side by side.
    func deliver(_ moments: [(String, String, [String: Any])], order: [Int], suffix: Int, secret: String? = nil) throws {
        for index in order {
            var fields = moments[index].2
            fields["callId"] = "\(moments[index].1)-\(suffix)"
            XCTAssertEqual(try t.call(moments[index].0, secret: secret ?? self.secret, fields).status, 200)
        }
    }

    /// `taskOf` for the call `call-suffix`, with the suffix taken off the closing call's id.
    func taskOf(_ call: String, suffix: Int) throws -> String {
        let task = try taskOf("\(call)-\(suffix)")
        return task.hasSuffix("-\(suffix)") ? String(task.dropLast("-\(suffix)".count)) : task
    }

    /// The `Source` field (where these tests map utm_source) of the contact with `number`.
    func sourceField(of number: String) throws -> String? {
        try t.daemon.store.read { db in
            try db.scalar("""
                SELECT json_extract(fields, '$.Source') FROM contacts WHERE id = (SELECT contact_id FROM contact_phones WHERE phone = ?)
                """, number).string
        }
    }

    /// A missed-call task: its date, state, closing time and the call that closed it.
    func taskOf(_ callId: String) throws -> String {
        try t.daemon.store.read { db in
            let task = try db.queryOne("""
                SELECT t.created_at, t.deadline, t.state, t.closed_at,
                       (SELECT provider_call_id FROM calls WHERE id = t.closed_by_call_id) AS closer
                FROM tasks t WHERE t.call_id = (SELECT id FROM calls WHERE provider_call_id = ?)
                """, callId)
            return ["created_at", "deadline", "state", "closed_at", "closer"].map { task?.string($0) ?? "-" }.joined(separator: " ")
        }
    }

    /// End reports that carry only the call id and arrive before the ringing that names the
    /// client still date the task: the call keeps its earliest end (`first_ended_at`).
    func testEndReportsThatArriveBeforeTheNumberStillDateTheTask() throws {
        for (label, order, number) in [("oldest", [0, 1, 2], "+40722000601"), ("newest", [2, 1, 0], "+40722000602")] {
            let moments: [(String, [String: Any])] = [
                ("ringing", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:00Z"]),
                ("ended", ["occurredAt": "2026-11-24T13:00:10Z"]),
                ("ended", ["occurredAt": "2026-11-24T13:00:40Z"]),
            ]
            try deliver("ids-\(label)", moments, order: order)
        }
        XCTAssertEqual(try taskOf("ids-oldest"), "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z open - -")
        XCTAssertEqual(try taskOf("ids-newest"), try taskOf("ids-oldest"))
    }

    /// A missed call's task is closed by the first callback answered after its earliest end,
    /// whichever callback or end report is delivered first.
    func testATaskMovedEarlierIsClosedByTheFirstCallbackAfterItsNewDate() throws {
        var tasks: [String] = []
        // The later callback C delivered before B, with the task already dated (third order) or
        // moved earlier only after both (second order).
        for (index, order) in [[0, 1, 2, 3], [1, 3, 2, 0], [0, 3, 2, 1]].enumerated() {
            let number = "+4072200062\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("ended", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"]),
                ("ended", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:40Z"]),
                ("answered", "B", ["direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z"]),
                ("answered", "C", ["direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:00:50Z"]),
            ]
            try deliver(moments, order: order, suffix: index)
            tasks.append(try taskOf("A", suffix: index))
        }
        XCTAssertEqual(tasks, Array(repeating: "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z done 2026-11-24T13:00:20.000Z B", count: 3))
    }

    /// First touch: the tags of a call whose start moves earlier (an earlier end report without
    /// tags comes last) are weighed at that earlier start, as in arrival order.
    func testUTMOfACallWhoseStartMovesEarlierCountsFromTheEarlierStart() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        let s = try t.addIntegration(settings: settings).secret
        var sources: [String?] = []
        for (index, order) in [[0, 1, 2], [1, 2, 0]].enumerated() {
            let number = "+4072200063\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("ended", "U-A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"]),
                ("ended", "U-A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:40Z", "utm_source": "a"]),
                ("ringing", "U-B", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z", "utm_source": "b"]),
            ]
            try deliver(moments, order: order, suffix: index, secret: s)
            sources.append(try sourceField(of: number))
        }
        XCTAssertEqual(sources, ["a", "a"], "call A began at 13:00:10, before B")
    }

    /// Last touch: the call holding a field starts earlier than it seemed (its ringing comes
    /// last): the field goes to the call that really is the latest, as in arrival order.
    func testLastTouchGoesToTheLatestCallWhenTheHoldersStartMovesEarlier() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        settings.utm.mode = .lastTouch
        let s = try t.addIntegration(settings: settings).secret
        var sources: [String?] = []
        for (index, order) in [[2, 0, 1], [0, 1, 2], [1, 0, 2]].enumerated() {
            let number = "+4072200091\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("answered", "B", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z", "utm_source": "b"]),
                ("ringing", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z", "utm_source": "a"]),
                ("ringing", "B", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:05Z"]),
            ]
            try deliver(moments, order: order, suffix: index, secret: s)
            sources.append(try sourceField(of: number))
        }
        XCTAssertEqual(sources, ["a", "a", "a"], "call B began at 13:00:05, before A")
    }

    /// A call's tags reach its client's contact also when the moment that carried them had no
    /// number and the one that named the client carried no tags.
    func testTagsOnAMomentWithoutTheNumberReachTheContactNamedLater() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        let s = try t.addIntegration(settings: settings).secret
        var sources: [String?] = []
        for (index, order) in [[0, 1], [1, 0]].enumerated() {
            let number = "+4072200093\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("ringing", "N", ["occurredAt": "2026-11-24T13:00:00Z", "utm_source": "ads"]),
                ("answered", "N", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"]),
            ]
            try deliver(moments, order: order, suffix: index, secret: s)
            sources.append(try sourceField(of: number))
        }
        XCTAssertEqual(sources, ["ads", "ads"])
    }

    /// Callbacks answered at the same instant: the same one closes the task in any order; and a
    /// callback whose talk time came before its answer moves its own closing to the answer.
    func testTiedCallbacksAndACallbacksOwnLaterAnswerCloseTheTaskTheSameWayInAnyOrder() throws {
        var tasks: [String] = []
        for (index, order) in [[0, 1, 2], [0, 2, 1]].enumerated() {
            let number = "+4072200094\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("missed", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"]),
                ("answered", "B", ["direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z"]),
                ("answered", "C", ["direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z"]),
            ]
            try deliver(moments, order: order, suffix: index)
            tasks.append(try taskOf("A", suffix: index))
        }
        for (index, order) in [[0, 1, 2], [0, 2, 1]].enumerated() {
            let number = "+4072200095\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("missed", "A", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:10Z"]),
                ("answered", "T", ["direction": "outbound", "clientNumber": number, "occurredAt": "2026-11-24T13:00:20Z"]),
                ("ended", "T", ["clientNumber": number, "talkTime": 25, "occurredAt": "2026-11-24T13:00:50Z"]),
            ]
            try deliver(moments, order: order, suffix: 10 + index)
            tasks.append(try taskOf("A", suffix: 10 + index))
        }
        let closedBy = { (call: String) in "2026-11-24T13:00:10.000Z 2026-11-24T13:30:10.000Z done 2026-11-24T13:00:20.000Z \(call)" }
        XCTAssertEqual(tasks, [closedBy("B"), closedBy("B"), closedBy("T"), closedBy("T")])
    }

    /// A task an agent completed keeps its title when a later delivery names our line.
    func testATaskAnAgentCompletedKeepsItsTitle() throws {
        var settings = IntegrationSettings()
        settings.missedCallTask.title = "Call back on {{call.ourNumber}}"
        let s = try t.addIntegration(settings: settings).secret
        let missed = try t.call("missed", secret: s, ["callId": "done-1", "clientNumber": "+40722000960", "occurredAt": "2026-11-24T13:00:30Z"])
        let taskId = try XCTUnwrap((missed.json["events"] as? [[String: Any]])?.first?["taskId"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/complete").status, 200)
        try t.call("ringing", secret: s, ["callId": "done-1", "clientNumber": "+40722000960", "ourNumber": "021 312 3456",
                                          "occurredAt": "2026-11-24T13:00:00Z"])
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks/\(taskId)").json["title"] as? String, "Call back on ")
    }

    /// The task title's placeholders are filled from all the call knows, also what a later
    /// delivery brought (only the ringing names our line here).
    func testATaskTitleIsFilledFromWhatTheCallLearnsLater() throws {
        var settings = IntegrationSettings()
        settings.missedCallTask.title = "Call back {{contact.phone}} on {{call.ourNumber}}"
        let s = try t.addIntegration(settings: settings).secret
        var titles: [String?] = []
        for (index, order) in [[0, 1], [1, 0]].enumerated() {
            let number = "+4072200092\(index)"
            let moments: [(String, [String: Any])] = [
                ("ringing", ["clientNumber": number, "ourNumber": "021 312 3456", "occurredAt": "2026-11-24T13:00:00Z"]),
                ("missed", ["clientNumber": number, "occurredAt": "2026-11-24T13:00:30Z"]),
            ]
            for i in order {
                var fields = moments[i].1
                fields["callId"] = "T-\(index)"
                XCTAssertEqual(try t.call(moments[i].0, secret: s, fields).status, 200)
            }
            titles.append(try t.daemon.store.read { db in
                try db.scalar("SELECT title FROM tasks WHERE call_id = (SELECT id FROM calls WHERE provider_call_id = ?)", "T-\(index)").string
            })
        }
        XCTAssertEqual(titles, ["Call back +40722000920 on +40213123456", "Call back +40722000921 on +40213123456"])
    }

    func testTheContactACallCreatedBelongsToTheAgentWhoAnsweredInAnyOrder() throws {
        let bob = try t.addAgent("Bob", role: .manager)
        let ana = try t.addAgent("Ana", role: .manager)
        for (callId, number, order) in [("own-natural", "+40722000201", [0, 1]), ("own-reversed", "+40722000202", [1, 0])] {
            let moments: [(String, [String: Any])] = [
                ("ringing", ["clientNumber": number, "agentId": bob.id, "occurredAt": "2026-11-24T15:00:00Z"]),
                ("answered", ["clientNumber": number, "agentId": ana.id, "occurredAt": "2026-11-24T15:00:05Z"]),
            ]
            try deliver(callId, moments, order: order)
            let owner = try t.daemon.store.read { db in
                try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = (SELECT contact_id FROM calls WHERE provider_call_id = ?)",
                              callId).int
            }
            XCTAssertEqual(owner, ana.id, callId)
        }
    }

    /// A missed call nobody took, then an agent's callback: the client belongs to that agent
    /// and was created at the missed call, whichever arrives first; an owner set by hand stays.
    func testAContactFollowsItsEarliestCallsInAnyOrderUntilItsOwnerIsSetByHand() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        var owners: [Int?] = []
        for (index, order) in [[0, 1, 2], [2, 1, 0], [1, 2, 0]].enumerated() {
            let number = "+4072200060\(index)"
            let moments: [(String, String, [String: Any])] = [
                ("missed", "m-\(index)", ["clientNumber": number, "occurredAt": "2026-11-24T09:00:00Z"]),
                ("answered", "cb-\(index)", ["direction": "outbound", "clientNumber": number, "agentId": ana.id,
                                              "occurredAt": "2026-11-24T09:10:00Z"]),
                ("answered", "later-\(index)", ["clientNumber": number, "agentId": bob.id, "occurredAt": "2026-11-24T11:00:00Z"]),
            ]
            for i in order {
                var fields = moments[i].2
                fields["callId"] = moments[i].1
                XCTAssertEqual(try t.call(moments[i].0, secret: secret, fields).status, 200)
            }
            let contact = try t.daemon.store.read { db in
                try db.queryOne("SELECT owner_agent_id, created_at, updated_at FROM contacts WHERE id = (SELECT contact_id FROM contact_phones WHERE phone = ?)", number)
            }
            owners.append(contact?.int("owner_agent_id"))
            XCTAssertEqual(contact?.string("created_at"), "2026-11-24T09:00:00.000Z", "order \(order)")
            XCTAssertEqual(contact?.string("updated_at"), "2026-11-24T11:00:00.000Z", "order \(order)")
        }
        XCTAssertEqual(owners, [ana.id, ana.id, ana.id], "the agent of the earliest call that had one")
        // Set by hand: later calls, however early, leave it.
        let contactId = try XCTUnwrap(try t.daemon.store.read { db in
            try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = '+40722000600'").int
        })
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", body: ["ownerAgentId": bob.id]).status, 200)
        try t.call("answered", secret: secret, ["callId": "early", "clientNumber": "+40722000600", "agentId": ana.id,
                                                "occurredAt": "2026-11-20T08:00:00Z"])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contactId)").json["ownerAgentId"] as? Int, bob.id)
    }

    /// A call's own task that another call closed goes too when the call turns out answered:
    /// in arrival order it was never filed.
    func testATaskAnotherCallClosedIsWithdrawnWhenItsOwnCallTurnsOutAnswered() throws {
        let moments: [(String, String, [String: Any])] = [
            ("ended", "A", ["clientNumber": "+40722000701", "occurredAt": "2026-11-24T10:05:00Z"]),
            ("answered", "B", ["clientNumber": "+40722000701", "occurredAt": "2026-11-24T10:06:00Z"]),
            ("answered", "A", ["clientNumber": "+40722000701", "occurredAt": "2026-11-24T10:04:00Z"]),
        ]
        for (index, order) in [[0, 1, 2], [0, 2, 1], [2, 0, 1]].enumerated() {
            for i in order {
                var fields = moments[i].2
                fields["callId"] = "\(moments[i].1)-\(index)"
                fields["clientNumber"] = "+4072200070\(index)"
                XCTAssertEqual(try t.call(moments[i].0, secret: secret, fields).status, 200)
            }
        }
        XCTAssertEqual(try t.count("tasks"), 0, "call A was answered: no order leaves a task for it")
        XCTAssertEqual(try t.count("timeline", "kind = 'task'"), 0)
    }

    /// First touch keeps the earliest call's tags and last touch the latest's, whichever call is
    /// delivered first; a field set by hand is left by first touch.
    func testUTMFirstAndLastTouchGoByCallTimeNotByArrival() throws {
        for mode in [UTMSettings.Mode.firstTouch, .lastTouch] {
            var settings = IntegrationSettings()
            settings.utm.fields = ["utm_source": "Source"]
            settings.utm.mode = mode
            let added = try t.addIntegration(settings: settings)
            let s = added.secret
            // One mode per field: the next mode's integration comes after this one is removed.
            defer { _ = try? t.daemon.integrations.remove(id: added.integration.id) }
            for (index, order) in [[0, 1], [1, 0]].enumerated() {
                let number = "+40722000\(mode == .firstTouch ? 8 : 9)0\(index)"
                let calls: [[String: Any]] = [
                    ["callId": "early-\(mode)-\(index)", "occurredAt": "2026-11-20T10:00:00Z", "utm_source": "newsletter"],
                    ["callId": "late-\(mode)-\(index)", "occurredAt": "2026-11-26T10:00:00Z", "utm_source": "bing"],
                ]
                for i in order {
                    var fields = calls[i]
                    fields["clientNumber"] = number
                    XCTAssertEqual(try t.call("ringing", secret: s, fields).status, 200)
                }
                let source = try sourceField(of: number)
                XCTAssertEqual(source, mode == .firstTouch ? "newsletter" : "bing", "\(mode) order \(order)")
            }
        }
        // By hand, then an older call: first touch leaves the hand-set value.
        let id = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = '+40722000800'").int })
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["fields": ["Source": "referral"]]).status, 200)
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        let s = try t.addIntegration(settings: settings).secret
        try t.call("ringing", secret: s, ["callId": "oldest", "clientNumber": "+40722000800", "occurredAt": "2026-11-01T10:00:00Z",
                                          "utm_source": "print"])
        XCTAssertEqual((try t.api("GET", "/api/v1/contacts/\(id)").json["fields"] as? [String: String])?["Source"], "referral")
    }

    func testAnEndedCallWithTalkTimeClosesTheClientsMissedCallTask() throws {
        try t.call("missed", secret: secret, ["callId": "tt-1", "clientNumber": "+40722000301", "occurredAt": "2026-11-24T16:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "tt-cb", "direction": "outbound", "clientNumber": "+40722000301",
                                               "occurredAt": "2026-11-24T16:10:00Z"])
        try t.call("ended", secret: secret, ["callId": "tt-cb", "talkTime": 110, "duration": 120, "occurredAt": "2026-11-24T16:12:00Z"])
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["state"] as? String, "done")
        let closer = try t.daemon.store.read { db in try db.scalar("SELECT id FROM calls WHERE provider_call_id = 'tt-cb'").int }
        XCTAssertEqual(task["closedByCallId"] as? Int, closer)
    }

    func testManagersGetNoLiveUpdatesAboutClientsTheyCannotSee() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        let bobStream = try t.openEvents(key: bob.key)
        let supervisorStream = try t.openEvents(key: t.supervisorKey)
        // Ana's client misses a call, then Ana calls back: the task closes.
        try t.call("ringing", secret: secret, ["callId": "a-1", "clientNumber": "+40722000401", "agentId": ana.id,
                                               "occurredAt": "2026-11-24T17:00:00Z"])
        try t.call("missed", secret: secret, ["callId": "a-2", "clientNumber": "+40722000401", "occurredAt": "2026-11-24T17:05:00Z"])
        try t.call("answered", secret: secret, ["callId": "a-3", "direction": "outbound", "clientNumber": "+40722000401",
                                                "agentId": ana.id, "occurredAt": "2026-11-24T17:10:00Z"])
        // An unowned client rings nobody in particular.
        try t.call("ringing", secret: secret, ["callId": "u-1", "clientNumber": "+40722000402", "occurredAt": "2026-11-24T17:11:00Z"])
        XCTAssertEqual(try supervisorStream.nextEvent(named: "tasks.closed")["closedByCallId"] as? Int, 3)
        _ = try supervisorStream.nextEvent(named: "call.ringing")   // u-1, after everything else
        // Bob's stream: a marker event meant for him, after everything above; nothing before it.
        try t.call("ringing", secret: secret, ["callId": "b-1", "clientNumber": "+40722000403", "agentId": bob.id])
        let text = try bobStream.read(until: "b-1")
        XCTAssertFalse(text.contains("tasks.closed"), text)
        XCTAssertFalse(text.contains("+40722000401"), text)
        XCTAssertFalse(text.contains("+40722000402"), text)
    }
}
