import Foundation
import Switchboard
import TestSupport
import XCTest

final class CallWebhookTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration(region: "RO").secret
    }

    override func tearDown() { t.stop() }

    func testUnknownCallerCreatesContactAndScreenPopSaysNewClient() throws {
        let agent = try t.addAgent("Ana", role: .manager, sip: ["ana-sip"])
        let events = try t.openEvents(key: agent.key)
        let response = try t.call("ringing", secret: secret, ["callId": "c1", "clientNumber": "0722 123 456", "sipLogin": "ana-sip",
                                                               "occurredAt": "2026-11-23T12:00:00+02:00"])
        XCTAssertEqual(response.status, 200, response.text)
        let pop = try events.nextEvent(named: "call.ringing")
        let contact = try XCTUnwrap(pop["contact"] as? [String: Any])
        XCTAssertEqual(contact["isNew"] as? Bool, true)
        XCTAssertEqual(contact["phones"] as? [String], ["+40722123456"])
        let id = try XCTUnwrap(contact["id"] as? Int)
        XCTAssertEqual((contact["links"] as? [String: String])?["createDeal"], "/api/v1/contacts/\(id)/deals")
        XCTAssertEqual((pop["agent"] as? [String: Any])?["name"] as? String, "Ana")
        XCTAssertEqual((pop["call"] as? [String: Any])?["ringingAt"] as? String, "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(try t.count("contacts"), 1)
        // The agent who took the call owns the new client, so the manager can open the card.
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)", key: agent.key).status, 200)
    }

    /// A call naming a SIP login no agent has is stored (the provider must not retry it), and the
    /// answer says why it has no agent; it was silent, and its missed-call task sat unassigned.
    func testACallNamingAnUnknownSIPLoginIsStoredWithAWarning() throws {
        let missed = try t.call("missed", secret: secret, ["callId": "c9", "clientNumber": "0722 123 456", "sipLogin": "ana-sip",
                                                            "occurredAt": "2026-11-23T12:00:00+02:00"])
        XCTAssertEqual(missed.status, 200, missed.text)
        let item = try XCTUnwrap((missed.json["events"] as? [[String: Any]])?.first)
        XCTAssertEqual(item["status"] as? String, "stored")
        let warning = try XCTUnwrap(item["warning"] as? String, missed.text)
        XCTAssertEqual(warning, #"sipLogin "ana-sip" names no agent: the call has no agent (give an agent the login: agents add --sip ana-sip)"#)
        XCTAssertEqual(try t.count("calls", "sip_login = 'ana-sip' AND agent_id IS NULL"), 1)
        XCTAssertEqual(try t.count("tasks", "assignee_agent_id IS NULL"), 1)
        let unknownId = try t.call("ringing", secret: secret, ["callId": "c10", "clientNumber": "0722 123 456", "agentId": 999])
        let unknownItem = try XCTUnwrap((unknownId.json["events"] as? [[String: Any]])?.first)
        XCTAssertEqual(unknownItem["warning"] as? String, "agentId 999 names no agent: the call has no agent")

        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana-sip"])
        // A queue's login on the answer of a call Ana's ringing named: the call keeps Ana, and says so.
        try t.call("ringing", secret: secret, ["callId": "c13", "clientNumber": "0722 123 456", "sipLogin": "ana-sip"])
        let queue = try t.call("answered", secret: secret, ["callId": "c13", "sipLogin": "queue-7"])
        XCTAssertEqual((queue.json["events"] as? [[String: Any]])?.first?["warning"] as? String,
                       #"sipLogin "queue-7" names no agent: the call keeps the agent an earlier moment named (give an agent the login: agents add --sip queue-7)"#)
        XCTAssertEqual(try t.count("calls", "provider_call_id = 'c13' AND agent_id = \(ana.id)"), 1)
        let both = try t.call("ringing", secret: secret, ["callId": "c14", "clientNumber": "0722 123 456", "agentId": 999, "sipLogin": "ana-sip"])
        XCTAssertEqual((both.json["events"] as? [[String: Any]])?.first?["warning"] as? String,
                       #"agentId 999 names no agent (sipLogin "ana-sip" named the agent)"#)
        let known = try t.call("ringing", secret: secret, ["callId": "c11", "clientNumber": "0722 123 456", "sipLogin": "ana-sip"])
        XCTAssertNil((known.json["events"] as? [[String: Any]])?.first?["warning"], known.text)
        let plain = try t.call("ringing", secret: secret, ["callId": "c12", "clientNumber": "0722 123 456"])
        XCTAssertNil((plain.json["events"] as? [[String: Any]])?.first?["warning"], "a call that names no agent is no surprise")
    }

    func testKnownCallerScreenPopShowsNameAndOpenDeals() throws {
        let created = try t.api("POST", "/api/v1/contacts", body: ["name": "Maria Ionescu", "phones": ["+40722000111"]])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["title": "Kitchen"]).status, 201)
        let events = try t.openEvents(key: t.supervisorKey)
        try t.call("ringing", secret: secret, ["callId": "k1", "clientNumber": "0722 000 111"])
        let contact = try XCTUnwrap(try events.nextEvent(named: "call.ringing")["contact"] as? [String: Any])
        XCTAssertEqual(contact["isNew"] as? Bool, false)
        XCTAssertEqual(contact["name"] as? String, "Maria Ionescu")
        XCTAssertEqual((contact["openDeals"] as? [[String: Any]])?.first?["title"] as? String, "Kitchen")
        XCTAssertEqual(try t.count("contacts"), 1)
    }

    /// Updates committed while earlier ones are still being sent leave together; every
    /// subscriber must still get each event once, ids in order, and each call's ringing
    /// before its answered (posted one after the other).
    func testScreenPopsPublishedUnderConcurrentLoadReachEverySubscriberOnceAndInOrder() throws {
        try assertScreenPopsReachEveryStreamOnceAndInOrder(streams: 2)
    }

    /// Above `EventHub.streamsDrainedOnSyncer` open streams, webhook updates are drained on the
    /// publishing queue instead of the WAL syncer: the same guarantees hold.
    func testScreenPopsReachManySubscribersOnceAndInOrder() throws {
        try assertScreenPopsReachEveryStreamOnceAndInOrder(streams: 10)
    }

    private func assertScreenPopsReachEveryStreamOnceAndInOrder(streams count: Int) throws {
        let streams = try (0..<count).map { _ in try self.t.openEvents(key: self.t.supervisorKey) }
        let statuses = ConcurrentResults()
        let (t, secret) = (self.t!, self.secret)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for n in 0..<5 {
                let fields: [String: Any] = ["callId": "load-\(worker)-\(n)", "clientNumber": "+4072210\(worker)\(n)00"]
                statuses.add((try? t.call("ringing", secret: secret, fields).status) ?? 0)
                statuses.add((try? t.call("answered", secret: secret, fields).status) ?? 0)
            }
        }
        XCTAssertEqual(statuses.all, Array(repeating: 200, count: 80))
        for stream in streams {
            var seen: [(id: Int, kind: String, call: String)] = []
            while seen.count < 80 {
                for block in try stream.read(until: "\n\n").components(separatedBy: "\n\n") where block.contains("event: call.") {
                    let lines = block.split(separator: "\n")
                    let id = try XCTUnwrap(lines.first { $0.hasPrefix("id: ") }.flatMap { Int($0.dropFirst(4)) })
                    let kind = try XCTUnwrap(lines.first { $0.hasPrefix("event: ") }).dropFirst(7)
                    let data = try XCTUnwrap(lines.first { $0.hasPrefix("data: ") }).dropFirst(6)
                    let pop = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                    let call = try XCTUnwrap((pop["call"] as? [String: Any])?["providerCallId"] as? String)
                    seen.append((id, String(kind), call))
                }
            }
            XCTAssertEqual(seen.count, 80)
            XCTAssertEqual(seen.map(\.id), seen.map(\.id).sorted(), "event ids in order")
            XCTAssertEqual(Set(seen.map(\.id)).count, 80, "no event twice")
            for worker in 0..<8 {
                for n in 0..<5 {
                    let kinds = seen.filter { $0.call == "load-\(worker)-\(n)" }.map(\.kind)
                    XCTAssertEqual(kinds, ["call.ringing", "call.answered"], "load-\(worker)-\(n)")
                }
            }
        }
    }

    func testDuplicateRingingWebhookChangesNothing() throws {
        let fields: [String: Any] = ["callId": "dup", "clientNumber": "+40722123456"]
        XCTAssertEqual(try t.call("ringing", secret: secret, fields).json["status"] as? String, "stored")
        let again = try t.call("ringing", secret: secret, fields)
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.json["status"] as? String, "duplicate")
        XCTAssertEqual(try t.count("raw_events"), 1)
        XCTAssertEqual(try t.count("calls"), 1)
        let contacts = try XCTUnwrap(t.api("GET", "/api/v1/contacts").json["contacts"] as? [[String: Any]])
        XCTAssertEqual(contacts.count, 1)
        let timeline = try t.api("GET", "/api/v1/contacts/\(contacts[0]["id"] as? Int ?? 0)/timeline").json["items"] as? [[String: Any]]
        XCTAssertEqual(timeline?.map { $0["type"] as? String }, ["call"])
    }

    func testSameEventOnManyConnectionsAtOnceMakesOneRecord() throws {
        let statuses = ConcurrentResults()
        let (t, secret) = (self.t!, self.secret)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let fields: [String: Any] = ["callId": "race", "clientNumber": "+40722123456", "eventId": "evt-1"]
            statuses.add((try? t.call("answered", secret: secret, fields).status) ?? 0)
        }
        XCTAssertEqual(statuses.all, Array(repeating: 200, count: 16))
        XCTAssertEqual(try t.count("raw_events"), 1)
        XCTAssertEqual(try t.count("calls"), 1)
    }

    func testConcurrentCallsFromOneUnknownNumberMakeExactlyOneContact() throws {
        let (t, secret) = (self.t!, self.secret)
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            _ = try? t.call("ringing", secret: secret, ["callId": "cc-\(i)", "clientNumber": "0722 555 666"])
        }
        XCTAssertEqual(try t.count("calls"), 24)
        XCTAssertEqual(try t.count("contacts"), 1)
        XCTAssertEqual(try t.count("calls", "contact_id = (SELECT id FROM contacts)"), 24)
    }

    func testAnyOrderOfEventsGivesTheSameCall() throws {
        let moments: [(String, [String: Any])] = [
            ("ringing", ["occurredAt": "2026-11-23T10:00:00Z"]),
            ("answered", ["occurredAt": "2026-11-23T10:00:05Z", "agentId": t.supervisorId]),
            ("ended", ["occurredAt": "2026-11-23T10:03:05Z", "duration": 185, "talkTime": 180, "recordingUrl": "https://rec/1.mp3"]),
        ]
        var shapes: [String] = []
        for (index, order) in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]].enumerated() {
            for i in order {
                var fields = moments[i].1
                fields["callId"] = "order-\(index)"
                fields["clientNumber"] = "+40722123456"
                XCTAssertEqual(try t.call(moments[i].0, secret: secret, fields).status, 200)
            }
            let call = try t.daemon.store.read { db in
                try db.queryOne("SELECT direction, ringing_at, answered_at, ended_at, duration, talk_time, recording_url, agent_id FROM calls WHERE provider_call_id = ?", "order-\(index)")
            }
            shapes.append("\(call?.values ?? [])")
        }
        XCTAssertEqual(Set(shapes).count, 1, shapes.joined(separator: "\n"))
        XCTAssertTrue(shapes[0].contains("2026-11-23T10:03:05.000Z"))
    }

    func testMissedTwiceFilesOneTaskForTheConfiguredBoardAndTitle() throws {
        var settings = IntegrationSettings()
        settings.missedCallTask.board = "Callbacks"
        settings.missedCallTask.title = "Call back {{contact.name}}"
        settings.missedCallTask.deadlineMinutes = 30
        let s = try t.addIntegration(settings: settings).secret
        let fields: [String: Any] = ["callId": "m1", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:00Z"]
        try t.call("missed", secret: s, fields)
        var again = fields
        again["endReason"] = "no-answer"  // a different body: not a byte-for-byte duplicate
        try t.call("missed", secret: s, again)
        let tasks = try t.api("GET", "/api/v1/tasks?state=open").json["tasks"] as? [[String: Any]] ?? []
        XCTAssertEqual(tasks.count, 1)
        XCTAssertEqual(tasks.first?["board"] as? String, "Callbacks")
        XCTAssertEqual(tasks.first?["title"] as? String, "Call back +40722123456")
        XCTAssertEqual(tasks.first?["deadline"] as? String, "2026-11-23T10:30:00.000Z")
    }

    func testMissedCallTaskClosesWhenClientIsCalledBack() throws {
        try t.call("missed", secret: secret, ["callId": "in-1", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:00Z"])
        XCTAssertEqual(try t.count("tasks", "state = 'open'"), 1)
        try t.call("answered", secret: secret, ["callId": "out-1", "direction": "outbound", "clientNumber": "0722123456",
                                                "occurredAt": "2026-11-23T10:20:00Z"])
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["state"] as? String, "done")
        let closer = try t.daemon.store.read { db in try db.scalar("SELECT id FROM calls WHERE provider_call_id = 'out-1'").int }
        XCTAssertEqual(task["closedByCallId"] as? Int, closer)
    }

    func testCallbackDeliveredBeforeTheMissedCallStillClosesItsTask() throws {
        try t.call("answered", secret: secret, ["callId": "out-2", "direction": "outbound", "clientNumber": "+40722123456",
                                                "occurredAt": "2026-11-23T10:20:00Z"])
        try t.call("missed", secret: secret, ["callId": "in-2", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:00Z"])
        XCTAssertEqual(try t.count("tasks"), 1)
        XCTAssertEqual(try t.count("tasks", "state = 'done' AND closed_by_call_id IS NOT NULL"), 1)
    }

    /// A call reported missed and then answered was answered: the task its missed report
    /// filed is withdrawn, so both arrival orders leave the same tasks (none) and timeline.
    func testAnsweredAfterMissedForTheSameCallWithdrawsItsTaskAsIfInOrder() throws {
        let stream = try t.openEvents(key: t.supervisorKey)
        try t.call("missed", secret: secret, ["callId": "flip", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:30Z"])
        XCTAssertEqual(try t.count("tasks", "state = 'open'"), 1)
        try t.call("answered", secret: secret, ["callId": "flip", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:10Z"])
        XCTAssertEqual(try t.count("tasks"), 0)
        XCTAssertEqual(try t.count("timeline", "kind = 'task'"), 0)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/1").json["outcome"] as? String, "answered")
        XCTAssertEqual(try stream.nextEvent(named: "task.withdrawn")["callId"] as? Int, 1)
        // The natural order files none.
        try t.call("answered", secret: secret, ["callId": "flop", "clientNumber": "+40722123457", "occurredAt": "2026-11-23T10:00:10Z"])
        try t.call("missed", secret: secret, ["callId": "flop", "clientNumber": "+40722123457", "occurredAt": "2026-11-23T10:00:30Z"])
        XCTAssertEqual(try t.count("tasks"), 0)
    }

    /// Numbers that do not fit a count (nan, infinities, beyond 2^53) are refused with 422
    /// instead of trapping in an integer conversion, and the daemon keeps serving.
    func testAbsurdNumbersAreRefusedAndTheDaemonKeepsServing() throws {
        for body in [#"{"callId":"n1","duration":"nan"}"#, #"{"callId":"n2","duration":1e300}"#, #"{"callId":"n3","talkTime":"-1e999"}"#,
                     #"{"callId":"n4","duration":-9223372036854775808}"#] {
            let response = try t.send("POST", "/webhooks/calls/ended", headers: [("Authorization", "Bearer \(secret)"),
                                                                                 ("Content-Type", "application/json")], body: body)
            XCTAssertEqual(response.status, 422, body)
            XCTAssertEqual(response.errorCode, "invalid_field", body)
        }
        XCTAssertEqual(try t.call("ended", secret: secret, ["callId": "n5", "duration": 60]).status, 200)
        XCTAssertEqual(try t.count("raw_events"), 1)
    }

    /// libphonenumber's parse is quadratic in the length: a huge "number" must not hold the
    /// daemon (200,000 digits took minutes); it is stored flagged at once and the daemon serves.
    func testAHugeClientNumberIsFlaggedAtOnceAndHoldsNothingUp() throws {
        let huge = String(repeating: "4", count: 200_000)
        let response = try t.call("ringing", secret: secret, ["callId": "huge", "clientNumber": huge])
        XCTAssertEqual(response.status, 200)
        let event = try XCTUnwrap((response.json["events"] as? [[String: Any]])?.first)
        XCTAssertEqual(event["status"] as? String, "flagged")
        XCTAssertTrue((event["flag"] as? String ?? "").contains("longer than any phone number"), "\(event)")
        XCTAssertLessThan((event["flag"] as? String ?? "").count, 200, "the flag does not repeat the input")
        XCTAssertEqual(try t.count("contacts"), 0)
        XCTAssertEqual(try t.send("GET", "/healthz").status, 200)
    }

    func testAMissedCallTaskForARemovedAssigneeGoesToTheClientsOwner() throws {
        let gone = try t.addAgent("Gone", role: .manager)
        let owner = try t.addAgent("Olga", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask.assigneeAgentId = gone.id
        let s = try t.addIntegration(settings: settings).secret
        XCTAssertNotNil(try t.daemon.agents.remove(id: gone.id, handOverTo: nil))
        try t.call("missed", secret: s, ["callId": "rm-1", "clientNumber": "+40722123459", "agentId": owner.id])
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["assigneeAgentId"] as? Int, owner.id, "not an agent who no longer exists")
    }

    /// A withdrawn task's id is never given to another task: an agent completing the stale card
    /// gets 404, not another client's task completed.
    func testAWithdrawnTasksIdIsNeverReused() throws {
        try t.call("missed", secret: secret, ["callId": "w1", "clientNumber": "+40722000951", "occurredAt": "2026-11-23T10:00:30Z"])
        let withdrawn = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first?["id"] as? Int)
        try t.call("answered", secret: secret, ["callId": "w1", "clientNumber": "+40722000951", "occurredAt": "2026-11-23T10:00:10Z"])
        XCTAssertEqual(try t.count("tasks"), 0)
        try t.call("missed", secret: secret, ["callId": "w2", "clientNumber": "+40722000952", "occurredAt": "2026-11-23T11:00:00Z"])
        let next = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first?["id"] as? Int)
        XCTAssertNotEqual(next, withdrawn)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(withdrawn)/complete").status, 404)
        XCTAssertEqual(try t.count("tasks", "state = 'open'"), 1, "the other client's task is still open")
    }

    func testATaskAnAgentCompletedStaysWhenItsCallTurnsOutAnswered() throws {
        try t.call("missed", secret: secret, ["callId": "flap", "clientNumber": "+40722123458", "occurredAt": "2026-11-23T10:00:30Z"])
        let taskId = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first?["id"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/complete").status, 200)
        try t.call("answered", secret: secret, ["callId": "flap", "clientNumber": "+40722123458", "occurredAt": "2026-11-23T10:00:10Z"])
        XCTAssertEqual(try t.count("tasks", "state = 'done'"), 1, "what an agent did is not undone")
    }

    func testUTMTagsFillOnlyTheMappedEmptyFields() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source", "utm_campaign": "Campaign", "utm_medium": "Medium"]
        settings.utm.write = ["utm_source", "utm_campaign"]
        let s = try t.addIntegration(settings: settings).secret
        try t.call("ringing", secret: s, ["callId": "u1", "clientNumber": "+40722123456", "utm_source": "google",
                                          "utm_medium": "cpc", "utm_campaign": "winter", "utm_term": "sofa"])
        try t.call("ringing", secret: s, ["callId": "u2", "clientNumber": "+40722123456", "utm_source": "facebook"])
        let contact = try t.api("GET", "/api/v1/contacts/1").json
        XCTAssertEqual(contact["fields"] as? [String: String], ["Source": "google", "Campaign": "winter"])
    }

    func testLastTouchOverwritesUTMFields() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        settings.utm.mode = .lastTouch
        let s = try t.addIntegration(settings: settings).secret
        try t.call("ringing", secret: s, ["callId": "l1", "clientNumber": "+40722123456", "utm_source": "google"])
        try t.call("ringing", secret: s, ["callId": "l2", "clientNumber": "+40722123456", "utm_source": "facebook"])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/1").json["fields"] as? [String: String], ["Source": "facebook"])
    }

    func testUnparseableNumberStoresAFlaggedCallAndNoContact() throws {
        let response = try t.call("ringing", secret: secret, ["callId": "bad-number", "clientNumber": "anonymous"])
        XCTAssertEqual(response.status, 200)
        let item = (response.json["events"] as? [[String: Any]])?.first
        XCTAssertEqual(item?["status"] as? String, "flagged")
        XCTAssertTrue((item?["flag"] as? String ?? "").contains("anonymous"))
        XCTAssertEqual(try t.count("calls", "flag IS NOT NULL AND contact_id IS NULL"), 1)
        XCTAssertEqual(try t.count("contacts"), 0)
        XCTAssertEqual(try t.count("raw_events", "outcome = 'flagged'"), 1)
    }

    /// Our own line is stored in E.164 too, in the integration's region, so one line reads the
    /// same whichever provider or format reported it (a `+` number the bundled data does not
    /// know loses only its spacing); anything that is not a plain number (an extension, a SIP
    /// address, a number with an extension) is kept as given.
    func testOurNumberIsStoredInE164WhenItIsAPhoneNumber() throws {
        let lines = [("021 312 3456", "+40213123456"), ("+40213123456", "+40213123456"), ("+44 7700 900123", "+447700900123"),
                     ("021\u{00A0}312\u{00A0}3456", "+40213123456"), ("021/312 3456", "+40213123456"), ("(021) 312-3456", "+40213123456"),
                     ("tel:+40213123456", "+40213123456"), ("+0 000 0000", "+0 000 0000"), ("+40 21 312 3456 / 7", "+40 21 312 3456 / 7"),
                     ("101", "101"), ("+40213123456 ext. 12", "+40213123456 ext. 12"), ("sip:+40213123456@pbx", "sip:+40213123456@pbx")]
        for (index, line) in lines.enumerated() {
            XCTAssertEqual(try t.call("ringing", secret: secret, ["callId": "line-\(index)", "clientNumber": "+40722123456", "ourNumber": line.0]).status, 200)
        }
        let stored = try t.daemon.store.read { db in
            try db.query("SELECT our_number FROM calls ORDER BY id").compactMap { $0.string("our_number") }
        }
        XCTAssertEqual(stored, lines.map(\.1), "a number with an extension, a SIP address or an extension alone is kept as given")
    }

    func testTheBearerSchemeIsCaseInsensitiveAndRequired() throws {
        let body = #"{"callId": "auth-1", "clientNumber": "+40722123456"}"#
        let lower = try t.send("POST", "/webhooks/calls/ringing", headers: [("Authorization", "bearer \(secret)")], body: body)
        XCTAssertEqual(lower.status, 200, "RFC 7235: the scheme is case-insensitive")
        for header in ["Basic \(secret)", "Bearer", "Bearer ", "\(secret)", "Bearerx \(secret)"] {
            let refused = try t.send("POST", "/webhooks/calls/ringing", headers: [("Authorization", header)],
                                     body: #"{"callId": "auth-2", "clientNumber": "+40722123456"}"#)
            XCTAssertEqual(refused.status, 401, header)
        }
        XCTAssertEqual(try t.count("calls"), 1)
    }

    func testBadInputIsRefusedAndNothingIsStored() throws {
        func post(_ path: String, _ body: String, secret: String? = nil, type: String = "application/json") throws -> RawResponse {
            try t.send("POST", path, headers: [("Authorization", "Bearer \(secret ?? self.secret)"), ("Content-Type", type)], body: body)
        }
        let malformed = try post("/webhooks/calls/ringing", #"{"callId": "x", "#)
        XCTAssertEqual(malformed.status, 400)
        XCTAssertEqual(malformed.errorCode, "invalid_json")
        let missing = try post("/webhooks/calls/ringing", #"{"clientNumber": "+40722123456"}"#)
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(missing.errorCode, "missing_field")
        let badTime = try post("/webhooks/calls/ringing", #"{"callId": "x", "occurredAt": "yesterday"}"#)
        XCTAssertEqual(badTime.status, 422)
        let unknownKind = try post("/webhooks/calls/transferred", #"{"callId": "x"}"#)
        XCTAssertEqual(unknownKind.status, 422)
        XCTAssertEqual(unknownKind.errorCode, "unknown_event_kind")
        let wrongSecret = try post("/webhooks/calls/ringing", #"{"callId": "x"}"#, secret: "whs_" + String(repeating: "0", count: 48))
        XCTAssertEqual(wrongSecret.status, 401)
        let noSecret = try t.send("POST", "/webhooks/calls/ringing", body: #"{"callId": "x"}"#)
        XCTAssertEqual(noSecret.status, 401)
        let form = try post("/webhooks/calls/ringing", "callId=x", type: "application/x-www-form-urlencoded")
        XCTAssertEqual(form.status, 415)
        XCTAssertEqual(form.errorMessage, "expected application/json, got application/x-www-form-urlencoded")
        for type in ["text/plain", "application/jso", "application/j-son"] {
            XCTAssertEqual(try post("/webhooks/calls/ringing", #"{"callId": "x"}"#, type: type).status, 415, type)
        }
        let deep = try post("/webhooks/calls/ringing", String(repeating: "[", count: 100) + String(repeating: "]", count: 100))
        XCTAssertEqual(deep.status, 400)
        let huge = try post("/webhooks/calls/ringing", #"{"callId": ""# + String(repeating: "x", count: 9 * 1024 * 1024) + #""}"#)
        XCTAssertEqual(huge.status, 413)
        XCTAssertEqual(try t.count("raw_events"), 0)
        XCTAssertEqual(try t.count("calls"), 0)
        XCTAssertEqual(try t.count("contacts"), 0)
    }

    /// Redeliveries are recognised by these keys, also across upgrades: their format must not drift.
    func testIdempotencyKeysKeepTheirFormat() throws {
        let body = #"{"callId": "key-1", "clientNumber": "+40722123456"}"#
        XCTAssertEqual(try t.send("POST", "/webhooks/calls/ringing", headers: [("Authorization", "Bearer \(secret)")], body: body).status, 200)
        let hash = String(Crypto.sha256(Array(body.utf8)).hexString.prefix(32))
        XCTAssertEqual(try t.count("raw_events", "idempotency_key = '1:c:key-1:ringing:\(hash)'"), 1)
        let withId = #"{"callId": "key-2", "eventId": "ev-9", "clientNumber": "+40722123456"}"#
        XCTAssertEqual(try t.send("POST", "/webhooks/calls/ended", headers: [("Authorization", "Bearer \(secret)")], body: withId).status, 200)
        XCTAssertEqual(try t.count("raw_events", "idempotency_key = '1:e:ev-9'"), 1)
        XCTAssertEqual(try t.count("raw_events"), 2)
    }

    func testNativeWebhookMediaTypesAndPathSpellings() throws {
        for (n, type) in ["Application/JSON; charset=utf-8", "application/vnd.api+json", "APPLICATION/JJSON", "text/json"].enumerated() {
            let answer = try t.send("POST", "/webhooks/calls/ringing",
                                    headers: [("Authorization", "Bearer \(secret)"), ("Content-Type", type)],
                                    body: #"{"callId": "type-\#(n)", "clientNumber": "+40722123456"}"#)
            XCTAssertEqual(answer.status, 200, type)
        }
        XCTAssertEqual(try t.count("calls"), 4)
        let unknownKind = try t.send("POST", "/webhooks/calls/Ringing", headers: [("Authorization", "Bearer \(secret)")],
                                     body: #"{"callId": "type-x"}"#)
        XCTAssertEqual(unknownKind.status, 422, "kinds are lower-case, as documented")
        let getRinging = try t.send("GET", "/webhooks/calls/ringing", headers: [("Authorization", "Bearer \(secret)")])
        XCTAssertEqual(getRinging.status, 405)
        // Other spellings of a kind's path are the same webhook (they reach the pattern, not the exact path).
        for (n, path) in ["/webhooks/calls/ringing/", "/webhooks/calls/%72inging"].enumerated() {
            let answer = try t.send("POST", path, headers: [("Authorization", "Bearer \(secret)"), ("Content-Type", "application/json")],
                                    body: #"{"callId": "spelled-\#(n)", "clientNumber": "+40722123456"}"#)
            XCTAssertEqual(answer.status, 200, path)
        }
        XCTAssertEqual(try t.count("calls", "provider_call_id LIKE 'spelled-%'"), 2)
        let unauthenticated = try t.send("POST", "/webhooks/calls/transferred", body: #"{"callId": "x"}"#)
        XCTAssertEqual(unauthenticated.status, 401, "an unknown kind is refused only after authentication")
    }
}

/// Collects values from concurrent closures.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ value: Int) { lock.withLock { values.append(value) } }
    var all: [Int] { lock.withLock { values } }
}

extension CallWebhookTests {
    func testBusyInboundCallAlsoFilesATask() throws {
        try t.call("ended", secret: secret, ["callId": "busy-1", "clientNumber": "+40722123456", "endReason": "busy"])
        XCTAssertEqual(try t.count("tasks", "state = 'open' AND kind = 'missed_call'"), 1)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/1").json["outcome"] as? String, "busy")
    }

    func testEndedWithTalkTimeBeforeAnsweredFilesNoTask() throws {
        try t.call("ended", secret: secret, ["callId": "talk-1", "clientNumber": "+40722123456", "talkTime": 42, "duration": 50])
        XCTAssertEqual(try t.count("tasks"), 0)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/1").json["outcome"] as? String, "answered")
    }

    /// Some bridges report seconds with fractions: 0.4 s of talk truncated to 0 made the call a
    /// missed one with a call-back task. Fractions are rounded up.
    func testFractionalSecondsAreRoundedUp() throws {
        let stored = try t.call("ended", secret: secret, ["callId": "frac-1", "clientNumber": "+40722123456", "talkTime": 0.4,
                                                          "duration": 12.2])
        XCTAssertEqual(stored.status, 200, stored.text)
        XCTAssertEqual(try t.count("tasks"), 0)
        let call = try t.api("GET", "/api/v1/calls/1").json
        XCTAssertEqual(call["outcome"] as? String, "answered")
        XCTAssertEqual(call["talkTime"] as? Int, 1)
        XCTAssertEqual(call["duration"] as? Int, 13)
        // An id is no number of seconds: a fraction is refused, not rounded to another agent.
        let agent = try t.call("ringing", secret: secret, ["callId": "frac-2", "clientNumber": "+40722123456", "agentId": 1.2])
        XCTAssertEqual(agent.status, 422, agent.text)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/1", body: ["ownerAgentId": 1.1]).status, 422)
    }
}
