import Foundation
import Switchboard
import TestSupport
import XCTest

extension ProviderWebhookTests {
    func testRingostatSampleCallsBecomeAnAnsweredCallAMissedCallAndItsClosedTask() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source", "utm_campaign": "Campaign"]
        let agent = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let secret = try t.addIntegration(.ringostat, settings: settings).secret
        let responses = try replaySamples("ringostat", secret: secret)
        XCTAssertNotNil((responses["05-call2-after.txt"]?.json["events"] as? [[String: Any]])?.first?["taskId"] as? Int)
        try assertSampleStory(answered: "rs-4711-0001", missed: "1795428300.2002", callback: "rs-4711-0003", missedReason: "NO ANSWER")
        let first = try call("rs-4711-0001")
        XCTAssertEqual(first["agentId"] as? Int, agent.id)
        XCTAssertEqual(first["talkTime"] as? Int, 190)
        XCTAssertEqual(first["duration"] as? Int, 200)
        XCTAssertEqual(first["recordingUrl"] as? String, "https://app.ringostat.com/recordings/rs-4711-0001.mp3")
        XCTAssertEqual(first["utm"] as? [String: String], ["utm_source": "google", "utm_medium": "cpc", "utm_campaign": "winter-sale",
                                                           "utm_term": "sofa", "utm_content": "ad-3"])
        let contact = try t.api("GET", "/api/v1/contacts/\(try XCTUnwrap(first["contactId"] as? Int))").json
        XCTAssertEqual(contact["fields"] as? [String: String], ["Source": "google", "Campaign": "winter-sale"])
        // The after-outgoing-call webhook alone makes an answered outbound call: answer = start + (duration − billsec).
        XCTAssertEqual(try call("rs-4711-0003")["answeredAt"] as? String, "2026-11-23T10:20:10.000Z")
        try assertReplayChangesNothing("ringostat", secret: secret)
    }

    func testRingostatSecretMayComeInAHeaderInsteadOfThePath() throws {
        let secret = try t.addIntegration(.ringostat).secret
        let body = #"{"call_id": "rs-h1", "caller": "0722123456", "callee": "0312345678", "calldate": "2026-11-23T12:00:00+02:00"}"#
        let bearer = try t.send("POST", "/webhooks/ringostat/ringing", headers: [("Authorization", "Bearer \(secret)"),
                                                                                 ("Content-Type", "application/json")], body: body)
        XCTAssertEqual(bearer.status, 200, bearer.text)
        XCTAssertEqual(bearer.json["status"] as? String, "stored")
        let custom = try t.send("POST", "/webhooks/ringostat/ringing", headers: [("X-Switchboard-Secret", secret)], body: body)
        XCTAssertEqual(custom.json["status"] as? String, "duplicate", "JSON is recognised without a Content-Type too")
        XCTAssertEqual(try call("rs-h1")["ringingAt"] as? String, "2026-11-23T10:00:00.000Z")

        assertRefused(try t.send("POST", "/webhooks/ringostat/ringing", body: body), 401)
        assertRefused(try t.send("POST", "/webhooks/ringostat/whs_\(String(repeating: "1", count: 48))/ringing", body: body), 401)
        let otherProvider = try t.addIntegration(.native).secret
        XCTAssertEqual(try t.send("POST", "/webhooks/ringostat/\(otherProvider)/ringing", body: body).status, 401)
        XCTAssertEqual(try t.count("raw_events"), 1)
    }

    func testRingostatBadBodiesAreRefusedAndNothingIsStored() throws {
        let secret = try t.addIntegration(.ringostat).secret
        func post(_ kind: String, _ body: String, type: String = "application/json") throws -> RawResponse {
            try t.send("POST", "/webhooks/ringostat/\(secret)/\(kind)", headers: [("Content-Type", type)], body: body)
        }
        assertRefused(try post("ringing", #"{"call_id": "#), 400, "invalid_json")
        assertRefused(try post("ringing", #"{"call_id": "#, type: "text/plain"), 400)
        assertRefused(try post("ringing", #"{"caller": "0722123456"}"#), 422, "missing_field")
        assertRefused(try post("ended", "caller=0722123456&disposition=ANSWERED", type: "application/x-www-form-urlencoded"), 422)
        assertRefused(try post("transferred", #"{"call_id": "rs-1"}"#), 422, "unknown_event_kind")
        assertRefused(try post("ended", #"{"call_id": "rs-1", "billsec": "long"}"#), 422, "invalid_field")
        assertRefused(try post("ringing", #"{"call_id": "rs-1", "calldate": "23/11/2026"}"#), 422)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }

    func testRingostatBusyAndSilentEndsBothFileTasks() throws {
        let secret = try t.addIntegration(.ringostat).secret
        let busy = try t.send("POST", "/webhooks/ringostat/\(secret)/ended", headers: [("Content-Type", "application/json")],
                              body: #"{"cdr_id": "rs-b1", "caller": "0722123456", "callee": "0312345678", "status": "BUSY", "duration": 3}"#)
        XCTAssertEqual(busy.status, 200, busy.text)
        XCTAssertEqual(try call("rs-b1")["outcome"] as? String, "busy")
        // No status, but zero talk time: nobody answered.
        let silent = try t.send("POST", "/webhooks/ringostat/\(secret)/ended", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                body: "call_id=rs-b2&caller=0722123456&callee=0312345678&billsec=0&duration=25")
        XCTAssertEqual(silent.status, 200, silent.text)
        XCTAssertEqual(try call("rs-b2")["outcome"] as? String, "missed")
        XCTAssertEqual(try missedCallTasks().count, 2, "a busy inbound call is owed a call back too, like the silent one")
    }
}
