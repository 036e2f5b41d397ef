import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// Who hears what on `/api/v1/events`, and for how long.
final class LiveStreamTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration().secret
    }

    override func tearDown() { t.stop() }

    /// `agents remove` runs in another process; at its next heartbeat the daemon finds the
    /// agent gone and ends their open streams (the key already opens no new one).
    func testARemovedAgentsOpenStreamEndsAtTheNextCheck() throws {
        let gone = try t.addAgent("Gone", role: .supervisor)
        let stays = try t.addAgent("Stays", role: .supervisor)
        let goneStream = try t.openEvents(key: gone.key)
        let staysStream = try t.openEvents(key: stays.key)
        XCTAssertNotNil(try t.daemon.agents.remove(id: gone.id, handOverTo: nil))
        t.daemon.hub.recheckAgents()   // what each heartbeat does
        XCTAssertTrue(goneStream.waitForClose(), "the removed agent's stream is ended")
        try t.call("ringing", secret: secret, ["callId": "after", "clientNumber": "+40722000901"])
        XCTAssertEqual(try staysStream.nextEvent(named: "call.ringing")["type"] as? String, "call.ringing")
    }

    /// A removed agent's id is never given to the next agent (who would otherwise inherit their
    /// clients, tasks and, until the next heartbeat, their open stream).
    func testARemovedAgentsIdIsNeverGivenAgain() throws {
        let bob = try t.addAgent("Bob", role: .manager)
        XCTAssertNotNil(try t.daemon.agents.remove(id: bob.id, handOverTo: nil))
        let carol = try t.addAgent("Carol", role: .supervisor)
        XCTAssertNotEqual(carol.id, bob.id)
    }

    /// Opens the supervisor's stream, sending `Last-Event-ID` when given, and reads past `hello`.
    private func openStream(lastEventId: String? = nil) throws -> RawConnection {
        let connection = try RawConnection(port: t.port)
        var head = "GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(t.supervisorKey)\r\n"
        if let lastEventId { head += "Last-Event-ID: \(lastEventId)\r\n" }
        try connection.send(head + "\r\n")
        _ = try connection.read(until: "event: hello")
        _ = try connection.read(until: "\n\n")
        return connection
    }

    /// The next event's id, name and data text.
    private func nextEvent(_ stream: RawConnection) throws -> (id: String?, event: String, data: String) {
        let block = try stream.read(until: "\n\n")
        var id: String?, event = "", data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        return (id, event, data)
    }

    /// A stream that reconnects with Last-Event-ID gets what it missed, in order, then the live
    /// events; one whose id is no longer kept (or from before a restart) is told to reload.
    func testAReconnectingStreamGetsWhatItMissedOrIsToldToReload() throws {
        let first = try openStream()
        try t.call("ringing", secret: secret, ["callId": "seen", "clientNumber": "+40722000911"])
        let seen = try nextEvent(first)
        XCTAssertEqual(seen.event, "call.ringing")
        let lastId = try XCTUnwrap(seen.id)
        shutdown(first.fd, Int32(SHUT_RDWR))   // the client goes away
        for callId in ["missed-1", "missed-2"] {
            try t.call("ringing", secret: secret, ["callId": callId, "clientNumber": "+40722000912"])
        }
        let resumed = try openStream(lastEventId: lastId)
        try t.call("ringing", secret: secret, ["callId": "live", "clientNumber": "+40722000913"])
        var got: [String] = []
        for _ in 0..<3 {
            let event = try nextEvent(resumed)
            XCTAssertEqual(event.event, "call.ringing")
            for callId in ["missed-1", "missed-2", "live"] where event.data.contains("\"providerCallId\":\"\(callId)\"") { got.append(callId) }
        }
        XCTAssertEqual(got, ["missed-1", "missed-2", "live"], "what it missed, once each and in order, then live")
        let stale = try openStream(lastEventId: "1")
        XCTAssertEqual(try nextEvent(stale).event, "reset")
    }

    /// A missed-call task that goes to a fixed assignee is announced to them and to everyone who
    /// sees the client; when a callback closes it, its assignee hears which tasks closed.
    func testTaskEventsReachTheAssigneeAndTheClientsViewers() throws {
        let owner = try t.addAgent("Mara", role: .manager, sip: ["mara"])
        let assignee = try t.addAgent("Ion", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask.assigneeAgentId = assignee.id
        let s = try t.addIntegration(settings: settings).secret
        let assigneeStream = try t.openEvents(key: assignee.key)
        let supervisorStream = try t.openEvents(key: t.supervisorKey)
        try t.call("ringing", secret: s, ["callId": "c1", "clientNumber": "+40722000902", "agentId": owner.id,
                                          "occurredAt": "2026-11-24T09:00:00Z"])
        try t.call("missed", secret: s, ["callId": "c2", "clientNumber": "+40722000902", "occurredAt": "2026-11-24T10:00:00Z"])
        let created = try supervisorStream.nextEvent(named: "task.created")
        let taskId = try XCTUnwrap(created["id"] as? Int)
        XCTAssertEqual(try assigneeStream.nextEvent(named: "task.created")["id"] as? Int, taskId)
        try t.call("answered", secret: s, ["callId": "c3", "direction": "outbound", "clientNumber": "+40722000902",
                                           "agentId": owner.id, "occurredAt": "2026-11-24T10:30:00Z"])
        let closed = try assigneeStream.nextEvent(named: "tasks.closed")
        XCTAssertEqual(closed["taskIds"] as? [Int], [taskId])
        XCTAssertEqual((try supervisorStream.nextEvent(named: "tasks.closed"))["taskIds"] as? [Int], [taskId])
    }
}

extension LiveStreamTests {
    /// `hello` carries an id (the last event published), so a stream that drops before its first
    /// event resumes from there: what happened meanwhile is sent, not lost without a `reset`.
    func testAStreamDroppedBeforeItsFirstEventResumesFromHello() throws {
        let connection = try RawConnection(port: t.port)
        try connection.send("GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(t.supervisorKey)\r\n\r\n")
        let hello = try connection.read(until: "event: hello") + (try connection.read(until: "\n\n"))
        let idLine = try XCTUnwrap(hello.components(separatedBy: .newlines).first { $0.hasPrefix("id: ") }, hello)
        shutdown(connection.fd, Int32(SHUT_RDWR))
        try t.call("ringing", secret: secret, ["callId": "while-away", "clientNumber": "+40722000913"])
        let resumed = try openStream(lastEventId: String(idLine.dropFirst(4)))
        let missed = try nextEvent(resumed)
        XCTAssertEqual(missed.event, "call.ringing")
        XCTAssertTrue(missed.data.contains("while-away"), missed.data)
    }
}

extension LiveStreamTests {
    /// One ringing pops one screen: a redelivery without an event id (other bytes) does not pop it
    /// again, a ringing that arrives after the answer pops nothing, and a second ringing that
    /// names another agent (the call handed on) pops that agent's screen.
    func testRingingPopsEachAgentsScreenOnce() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let supervisor = try openStream()
        let bobs = try t.openEvents(key: bob.key)
        try t.call("ringing", secret: secret, ["callId": "r1", "clientNumber": "+40722000921", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:00Z"])
        try t.call("ringing", secret: secret, ["occurredAt": "2026-01-01T10:00:00Z", "sipLogin": "ana", "clientNumber": "+40722000921", "callId": "r1"])
        try t.call("answered", secret: secret, ["callId": "r2", "clientNumber": "+40722000922", "occurredAt": "2026-01-01T10:01:00Z"])
        try t.call("ringing", secret: secret, ["callId": "r2", "clientNumber": "+40722000922", "occurredAt": "2026-01-01T10:00:30Z"])
        try t.call("ringing", secret: secret, ["callId": "r1", "clientNumber": "+40722000921", "sipLogin": "bob", "occurredAt": "2026-01-01T10:00:20Z"])
        try t.call("ended", secret: secret, ["callId": "marker", "clientNumber": "+40722000923"])
        let seen = try supervisor.read(until: "marker")
        XCTAssertEqual(seen.components(separatedBy: "event: call.ringing").count - 1, 2, "r1 for Ana, r1 for Bob: \(seen)")
        let bobSaw = try bobs.nextEvent(named: "call.ringing")
        XCTAssertEqual((bobSaw["agent"] as? [String: Any])?["id"] as? Int, bob.id)
        XCTAssertEqual((bobSaw["call"] as? [String: Any])?["providerCallId"] as? String, "r1")
        _ = ana
    }
}

extension LiveStreamTests {
    /// Twilio reports a <Dial> leg's answer and end, then its parent's: the screens heard
    /// call.answered and call.ended twice. A moment that changes nothing an agent sees is not told
    /// again; an answer after a missed end still is (the call was answered after all).
    func testAnAnswerAndEndAreToldOnce() throws {
        _ = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let supervisor = try openStream()
        for (kind, at) in [("answered", "10:00:05"), ("ended", "10:02:00"), ("answered", "10:00:06"), ("ended", "10:02:10")] {
            try t.call(kind, secret: secret, ["callId": "tw1", "clientNumber": "+40722000951", "sipLogin": "ana",
                                              "occurredAt": "2026-01-01T\(at)Z"])
        }
        // Missed twice, then answered after all, then its real end: the end after the answer is told.
        for (kind, at) in [("missed", "11:00:30"), ("missed", "11:00:40"), ("answered", "11:00:45"), ("ended", "11:05:00")] {
            try t.call(kind, secret: secret, ["callId": "tw2", "clientNumber": "+40722000952", "occurredAt": "2026-01-01T\(at)Z"])
        }
        // Missed, then an end with talk time: answered after all, and told so.
        try t.call("missed", secret: secret, ["callId": "tw3", "clientNumber": "+40722000954", "occurredAt": "2026-01-01T12:00:30Z"])
        try t.call("ended", secret: secret, ["callId": "tw3", "occurredAt": "2026-01-01T12:03:00Z", "talkTime": 120])
        try t.call("ended", secret: secret, ["callId": "marker", "clientNumber": "+40722000953"])
        let seen = try supervisor.read(until: "marker")
        func told(_ event: String, _ call: String) -> Int {
            seen.components(separatedBy: "\n\n").filter { $0.contains("event: \(event)\n") && $0.contains("\"providerCallId\":\"\(call)\"") }.count
        }
        XCTAssertEqual([told("call.answered", "tw1"), told("call.ended", "tw1")], [1, 1], seen)
        XCTAssertEqual([told("call.missed", "tw2"), told("call.answered", "tw2"), told("call.ended", "tw2")], [1, 1, 1], seen)
        XCTAssertEqual([told("call.missed", "tw3"), told("call.ended", "tw3")], [1, 1], seen)
    }

    /// A transfer: Ana answers, then Bob, to whom she handed the call, answers too. Bob's screen
    /// hears it (a second answer is told again when it names another agent).
    func testTheAgentATransferredCallReachesHearsItsAnswer() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let bobs = try t.openEvents(key: bob.key)
        try t.call("ringing", secret: secret, ["callId": "tr1", "clientNumber": "+40722000961", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:00Z"])
        try t.call("answered", secret: secret, ["callId": "tr1", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:05Z"])
        try t.call("ringing", secret: secret, ["callId": "tr1", "sipLogin": "bob", "occurredAt": "2026-01-01T10:01:00Z"])
        try t.call("answered", secret: secret, ["callId": "tr1", "sipLogin": "bob", "occurredAt": "2026-01-01T10:01:05Z"])
        let answered = try bobs.nextEvent(named: "call.answered")
        XCTAssertEqual((answered["call"] as? [String: Any])?["providerCallId"] as? String, "tr1")
        _ = ana
    }

    /// The agent whose screen popped hears when another agent answers the call (the update went
    /// only to the answering agent and the client's viewers, so the first screen kept ringing).
    func testTheAgentACallRangHearsThatAnotherAnswered() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        _ = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let anas = try t.openEvents(key: ana.key)
        try t.call("ringing", secret: secret, ["callId": "h1", "clientNumber": "+40722000931", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:00Z"])
        XCTAssertEqual(((try anas.nextEvent(named: "call.ringing"))["call"] as? [String: Any])?["providerCallId"] as? String, "h1")
        try t.call("answered", secret: secret, ["callId": "h1", "sipLogin": "bob", "occurredAt": "2026-01-01T10:00:05Z"])
        let answered = try anas.nextEvent(named: "call.answered")
        XCTAssertEqual((answered["call"] as? [String: Any])?["providerCallId"] as? String, "h1")
    }
}

extension LiveStreamTests {
    /// A call handed on (rings Ana, then Bob, who answers) keeps every screen it rang informed to
    /// the end: Ana's pop learns it was answered, then that it ended. Before, her screen heard
    /// nothing after the hand-on (the answer went to the call's agent of the moment, Bob) and kept
    /// ringing; an agent whose call another answered never heard that it ended.
    func testEveryAgentACallRangHearsItsAnswerAndEnd() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let anas = try t.openEvents(key: ana.key)
        let bobs = try t.openEvents(key: bob.key)
        try t.call("ringing", secret: secret, ["callId": "g1", "clientNumber": "+40722000941", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "g1", "clientNumber": "+40722000941", "sipLogin": "bob", "occurredAt": "2026-01-01T10:00:10Z"])
        try t.call("answered", secret: secret, ["callId": "g1", "sipLogin": "bob", "occurredAt": "2026-01-01T10:00:15Z"])
        try t.call("ended", secret: secret, ["callId": "g1", "occurredAt": "2026-01-01T10:03:00Z", "talkTime": 165])
        for (name, stream) in [("Ana", anas), ("Bob", bobs)] {
            let answered = try stream.nextEvent(named: "call.answered")
            XCTAssertEqual((answered["agent"] as? [String: Any])?["name"] as? String, "Bob", name)
            let ended = try stream.nextEvent(named: "call.ended")
            XCTAssertEqual((ended["call"] as? [String: Any])?["providerCallId"] as? String, "g1", name)
        }
        // A missed call that rang both reaches both as missed; a ringing of another agent is no pop for the first.
        try t.call("ringing", secret: secret, ["callId": "g2", "clientNumber": "+40722000942", "sipLogin": "bob", "occurredAt": "2026-01-01T11:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "g2", "clientNumber": "+40722000942", "sipLogin": "ana", "occurredAt": "2026-01-01T11:00:10Z"])
        try t.call("missed", secret: secret, ["callId": "g2", "occurredAt": "2026-01-01T11:00:40Z"])
        for (name, stream) in [("Ana", anas), ("Bob", bobs)] {
            let missed = try stream.nextEvent(named: "call.missed")
            XCTAssertEqual((missed["call"] as? [String: Any])?["providerCallId"] as? String, "g2", name)
        }
        XCTAssertEqual(try t.count("calls", "agents_named = ',\(bob.id),\(ana.id),'"), 1, "g2 named Bob, then Ana")
        XCTAssertEqual(try Rebuild.run(store: t.daemon.store) { _, _ in }, try t.count("raw_events"))
        XCTAssertEqual(try t.count("calls", "agents_named = ',\(bob.id),\(ana.id),'"), 1, "rebuild names the same agents")
    }
}

extension LiveStreamTests {
    /// A ring group: the call rings Ana, then Bob (Twilio sends `initiated` and `ringing` for each
    /// leg), and Ana answers. Bob's screen pops once and hears the answer. It popped twice (only
    /// a repeat for the call's first agent was recognised) and never heard the answer.
    func testARingGroupPopsEachScreenOnceAndTellsTheOthersWhoAnswered() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let bobs = try t.openEvents(key: bob.key)
        let number = "+40722000951"
        try t.call("ringing", secret: secret, ["callId": "s1", "clientNumber": number, "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "s1", "clientNumber": number, "sipLogin": "bob", "occurredAt": "2026-01-01T10:00:01Z"])
        try t.call("ringing", secret: secret, ["callId": "s1", "clientNumber": number, "sipLogin": "bob", "occurredAt": "2026-01-01T10:00:02Z"])
        try t.call("answered", secret: secret, ["callId": "s1", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:05Z"])
        try t.call("ringing", secret: secret, ["callId": "marker", "clientNumber": "+40722000952", "sipLogin": "bob"])
        let seen = try bobs.read(until: #""providerCallId":"marker""#)
        let blocks = seen.components(separatedBy: "\n\n").filter { $0.contains(#""providerCallId":"s1""#) }
        XCTAssertEqual(blocks.filter { $0.contains("event: call.ringing\n") }.count, 1, seen)
        let answered = try XCTUnwrap(blocks.first { $0.contains("event: call.answered\n") }, seen)
        XCTAssertTrue(answered.contains(#""name":"Ana""#), answered)
        _ = ana
    }
}

extension LiveStreamTests {
    /// A stream resumed with Last-Event-ID that drops again right after `hello` loses nothing when
    /// it resumes from the last id it saw: `hello` carried the newest id, ahead of the missed
    /// updates sent after it, so the second resume skipped them.
    func testAResumedStreamThatDropsAfterHelloStillGetsWhatItMissed() throws {
        let first = try openStream()
        try t.call("ringing", secret: secret, ["callId": "seen", "clientNumber": "+40722000961"])
        let lastId = try XCTUnwrap(try nextEvent(first).id)
        shutdown(first.fd, Int32(SHUT_RDWR))
        for callId in ["gap-1", "gap-2"] { try t.call("ringing", secret: secret, ["callId": callId, "clientNumber": "+40722000962"]) }

        let again = try RawConnection(port: t.port)
        try again.send("GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(t.supervisorKey)\r\nLast-Event-ID: \(lastId)\r\n\r\n")
        let hello = try again.read(until: "event: hello\n")
        // (The HTTP head's CRLFs are single Characters, so the id is found by its prefix, not by lines.)
        let helloId = try XCTUnwrap(hello.range(of: "id: ").map { String(hello[$0.upperBound...].prefix { $0.isNumber }) }, hello)
        shutdown(again.fd, Int32(SHUT_RDWR))   // gone before the missed updates were read

        let third = try openStream(lastEventId: helloId)
        var got: [String] = []
        for _ in 0..<2 {
            let event = try nextEvent(third)
            for callId in ["gap-1", "gap-2"] where event.data.contains("\"providerCallId\":\"\(callId)\"") { got.append(callId) }
        }
        XCTAssertEqual(got, ["gap-1", "gap-2"])
    }
}

extension LiveStreamTests {
    /// An end nobody answered is `call.missed` on the stream whichever moment reported it: Twilio
    /// reports an unanswered inbound call as a completed parent leg (`ended`), and those went out
    /// as `call.ended`, so a screen waiting for `call.missed` never heard of them. A `missed` that
    /// a later-stored answer outranks is `call.ended`.
    func testAnEndNobodyAnsweredIsToldAsMissed() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let anas = try t.openEvents(key: ana.key)
        try t.call("ringing", secret: secret, ["callId": "m1", "clientNumber": "+40722000971", "sipLogin": "ana", "occurredAt": "2026-01-01T10:00:00Z"])
        try t.call("ended", secret: secret, ["callId": "m1", "occurredAt": "2026-01-01T10:00:30Z"])
        let missed = try anas.nextEvent(named: "call.missed")
        XCTAssertEqual((missed["call"] as? [String: Any])?["providerCallId"] as? String, "m1")
        XCTAssertEqual((missed["call"] as? [String: Any])?["outcome"] as? String, "missed")

        try t.call("ringing", secret: secret, ["callId": "m2", "clientNumber": "+40722000972", "sipLogin": "ana", "occurredAt": "2026-01-01T11:00:00Z"])
        try t.call("answered", secret: secret, ["callId": "m2", "sipLogin": "ana", "occurredAt": "2026-01-01T11:00:05Z"])
        try t.call("missed", secret: secret, ["callId": "m2", "occurredAt": "2026-01-01T11:00:30Z"])
        let ended = try anas.nextEvent(named: "call.ended")
        XCTAssertEqual((ended["call"] as? [String: Any])?["providerCallId"] as? String, "m2")
        XCTAssertEqual((ended["call"] as? [String: Any])?["outcome"] as? String, "answered")
    }
}

extension LiveStreamTests {
    /// A manager resuming after updates meant only for others gets none of them, then the newest
    /// id on its own, so its next resume starts there: it kept its old id, and once those updates
    /// were no longer kept a later reconnect was told to reload for nothing.
    func testAResumedStreamMovesOnPastUpdatesForOthers() throws {
        let mara = try t.addAgent("Mara", role: .manager, sip: ["mara"])
        _ = try t.addAgent("Ion", role: .manager, sip: ["ion"])
        let first = try t.openEvents(key: mara.key)
        try t.call("ringing", secret: secret, ["callId": "own", "clientNumber": "+40722000981", "sipLogin": "mara"])
        let block = try first.read(until: "event: call.ringing\n")
        let lastId = try XCTUnwrap(block.range(of: "id: ", options: .backwards).map { String(block[$0.upperBound...].prefix { $0.isNumber }) })
        shutdown(first.fd, Int32(SHUT_RDWR))
        for n in 2...4 { try t.call("ringing", secret: secret, ["callId": "ion-\(n)", "clientNumber": "+4072200098\(n)", "sipLogin": "ion"]) }

        let resumed = try RawConnection(port: t.port)
        try resumed.send("GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(mara.key)\r\nLast-Event-ID: \(lastId)\r\n\r\n")
        _ = try resumed.read(until: "event: hello\n")
        _ = try resumed.read(until: "\n\n")
        let next = try resumed.read(until: "\n\n")
        XCTAssertFalse(next.contains("event:"), "nothing of Ion's reaches Mara: \(next)")
        let movedTo = try XCTUnwrap(UInt64(next.replacingOccurrences(of: "id: ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)), next)
        XCTAssertEqual(movedTo, try XCTUnwrap(UInt64(lastId)) + 3, "the three updates for Ion are behind it")
    }
}

extension LiveStreamTests {
    /// A call rings a manager who does not own the client: their pop has the card but no links
    /// (each answered 404 for them); the owner's and supervisors' pops keep them.
    func testAManagerRungForAnotherManagersClientGetsNoLinksTheyCannotOpen() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let sam = try t.addAgent("Sam", role: .supervisor)
        try t.call("ringing", secret: secret, ["callId": "o1", "clientNumber": "+40722000941", "sipLogin": "bob"])
        let (anas, bobs, sams) = (try t.openEvents(key: ana.key), try t.openEvents(key: bob.key), try t.openEvents(key: sam.key))
        try t.call("ringing", secret: secret, ["callId": "o2", "clientNumber": "+40722000941", "sipLogin": "ana"])
        let anaCard = try XCTUnwrap(try anas.nextEvent(named: "call.ringing")["contact"] as? [String: Any])
        XCTAssertEqual(anaCard["ownerAgentId"] as? Int, bob.id)
        XCTAssertEqual(anaCard["name"] as? String, "+40722000941", "the card itself is shown")
        XCTAssertNil(anaCard["links"], "\(anaCard)")
        let contactId = try XCTUnwrap(anaCard["id"] as? Int)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contactId)", key: ana.key).status, 404, "what the links would have led to")
        for stream in [bobs, sams] {
            let card = try XCTUnwrap(try stream.nextEvent(named: "call.ringing")["contact"] as? [String: Any])
            XCTAssertEqual((card["links"] as? [String: String])?["createDeal"], "/api/v1/contacts/\(contactId)/deals")
        }
        // Ana hears the call's end too, still without links.
        try t.call("missed", secret: secret, ["callId": "o2", "clientNumber": "+40722000941"])
        XCTAssertNil((try anas.nextEvent(named: "call.missed")["contact"] as? [String: Any])?["links"])
    }
}
