import Foundation
import Switchboard
import TestSupport
import XCTest

extension ProviderWebhookTests {
    /// The webhook token in samples/aircall/*.json.
    static let aircallToken = "45e2c9f0a1b84d7c9e3f6a5b2d1c0e9f"

    func postAircall(_ secret: String, _ body: String) throws -> RawResponse {
        try t.send("POST", "/webhooks/aircall/\(secret)", headers: [("Content-Type", "application/json")], body: body)
    }

    func testAircallSampleCallsBecomeAnAnsweredCallAMissedCallAndItsClosedTask() throws {
        let agent = try t.addAgent("Ana", role: .manager, sip: ["ana@example.com"])
        let secret = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        let responses = try replaySamples("aircall", secret: secret)
        XCTAssertNotNil((responses["07-call2-ended.json"]?.json["events"] as? [[String: Any]])?.first?["taskId"] as? Int)
        try assertSampleStory(answered: "1234567", missed: "1234568", callback: "1234570", missedReason: "agents_did_not_answer")
        let first = try call("1234567")
        XCTAssertEqual(first["agentId"] as? Int, agent.id, "matched by the Aircall user's email")
        XCTAssertEqual(first["answeredAt"] as? String, "2026-11-23T10:00:10.000Z")
        XCTAssertEqual(first["talkTime"] as? Int, 190)
        XCTAssertEqual(first["ourNumber"] as? String, "+40312345678", "Aircall spells it \"+40 31 234 5678\"")
        XCTAssertNotNil(first["recordingUrl"] as? String)
        try assertReplayChangesNothing("aircall", secret: secret)
    }

    func testAircallRingGroupRingingEachAgentInOneSecondIsOneDeliveryPerAgent() throws {
        let secret = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        func ringing(_ user: Int, _ email: String) -> String {
            #"{"resource": "call", "event": "call.ringing_on_agent", "timestamp": 1795428001, "token": "\#(Self.aircallToken)", "data": {"id": 777, "direction": "inbound", "raw_digits": "+40 722 123 456", "started_at": 1795428000, "user": {"id": \#(user), "email": "\#(email)"}}}"#
        }
        let statuses = try [ringing(1, "ana@example.com"), ringing(2, "bob@example.com"), ringing(2, "bob@example.com")].map {
            try postAircall(secret, $0).json["status"] as? String
        }
        XCTAssertEqual(statuses, ["stored", "stored", "duplicate"], "Bob's ringing is his own delivery; its redelivery is a duplicate")
        XCTAssertEqual(try t.count("raw_events"), 2)
        XCTAssertEqual(try t.count("calls"), 1)
    }

    func testAircallTokenMustMatch() throws {
        let secret = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        let body = try sample("aircall", "01-call1-created.json")
        assertRefused(try postAircall(secret, body.replacingOccurrences(of: Self.aircallToken, with: "0000c9f0a1b84d7c9e3f6a5b2d1c0e9f")), 401, "bad_signature")
        assertRefused(try postAircall(secret, body.replacingOccurrences(of: #""token": "\#(Self.aircallToken)","#, with: "")), 401)
        let unconfigured = try t.addIntegration(.aircall, providerSecret: "").secret
        let refused = try postAircall(unconfigured, body)
        XCTAssertEqual(refused.status, 401)
        XCTAssertTrue(refused.text.contains("Aircall webhook token must be configured"), refused.text)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
        XCTAssertEqual(try postAircall(secret, body).status, 200)
    }

    func testAircallBadBodiesAreRefusedAndOtherEventsIgnored() throws {
        let secret = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        assertRefused(try postAircall(secret, #"{"event": "call.created", "token": "#), 400, "invalid_json")
        assertRefused(try t.send("POST", "/webhooks/aircall/\(secret)", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                              body: "event=call.created"), 415)
        assertRefused(try postAircall(secret, #"{"token": "\#(Self.aircallToken)", "data": {"id": 1}}"#), 422)
        assertRefused(try postAircall(secret, #"{"resource": "call", "event": "call.created", "timestamp": 1795428000, "token": "\#(Self.aircallToken)", "data": {"direction": "inbound"}}"#), 422, "missing_field")
        assertRefused(try postAircall(secret, #"{"resource": "call", "event": "call.answered", "timestamp": 1795428000, "token": "\#(Self.aircallToken)"}"#), 422)
        // Aircall sends every subscribed resource to the one URL and disables webhooks that keep
        // failing: events that are not call moments are acknowledged, not stored.
        for event in ["user.opened", "contact.created", "call.tagged", "call.hungup"] {
            let other = try postAircall(secret, #"{"resource": "\#(event.split(separator: ".")[0])", "event": "\#(event)", "timestamp": 1795428000, "token": "\#(Self.aircallToken)", "data": {"id": 42}}"#)
            XCTAssertEqual(other.status, 200)
            XCTAssertEqual(other.json["status"] as? String, "ignored")
        }
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }
}

extension ProviderWebhookTests {
    /// A voicemail is what a sales team calls a missed client back about: Aircall's
    /// `call.voicemail_left` was ignored and `data.voicemail` dropped, so the missed call showed no
    /// recording. And Aircall writes the user's email as they typed it: `Ana@Example.com` found
    /// no agent with the login `ana@example.com`, so the call reached nobody's screen.
    func testAircallVoicemailIsTheMissedCallsRecordingAndEmailsMatchInAnyCase() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana@example.com"])
        let secret = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        func event(_ name: String, _ timestamp: Int, voicemail: String?) -> String {
            let voicemailJSON = voicemail.map { "\"\($0)\"" } ?? "null"
            return #"{"resource": "call", "event": "\#(name)", "timestamp": \#(timestamp), "token": "\#(Self.aircallToken)", "data": {"id": 1002, "direction": "inbound", "status": "done", "raw_digits": "+40 722 100 200", "started_at": 1795428000, "answered_at": null, "ended_at": 1795428030, "missed_call_reason": "agents_did_not_answer", "recording": null, "voicemail": \#(voicemailJSON), "user": {"id": 7, "email": "Ana@Example.com"}}}"#
        }
        let url = "https://voicemails.aircall.io/calls/1002/voicemail.mp3"
        // The voicemail is left after the end: call.ended without it, then call.voicemail_left.
        let ended = try postAircall(secret, event("call.ended", 1795428031, voicemail: nil))
        XCTAssertEqual(ended.status, 200, ended.text)
        XCTAssertNil((ended.json["events"] as? [[String: Any]])?.first?["warning"], ended.text)
        let left = try postAircall(secret, event("call.voicemail_left", 1795428060, voicemail: url))
        XCTAssertEqual(left.json["status"] as? String, "stored", left.text)
        let missed = try call("1002")
        XCTAssertEqual(missed["outcome"] as? String, "missed")
        XCTAssertEqual(missed["recordingUrl"] as? String, url)
        XCTAssertEqual(missed["agentId"] as? Int, ana.id, "Ana@Example.com is ana@example.com")
        XCTAssertEqual(try missedCallTasks().count, 1, "one missed call, one task")
        XCTAssertEqual(try postAircall(secret, event("call.voicemail_left", 1795428060, voicemail: url)).json["status"] as? String,
                       "duplicate")
    }
}
