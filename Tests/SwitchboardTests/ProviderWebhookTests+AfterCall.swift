import Foundation
import Switchboard
import TestSupport
import XCTest

/// Calls known only from a report sent after them (the one webhook many Ringostat and Aircall
/// accounts configure) are dated when they began, as the report says, not when they ended.
extension ProviderWebhookTests {
    /// The contact of `phone` (E.164) and its timeline, newest first, as (call id, at).
    func timelineCalls(ofPhone phone: String) throws -> (contact: [String: Any], calls: [(String, String)]) {
        let found = try t.api("GET", "/api/v1/contacts?phone=" + phone.replacingOccurrences(of: "+", with: "%2B")).json
        let contact = try XCTUnwrap((found["contacts"] as? [[String: Any]])?.first, "no contact \(phone)")
        let page = try t.api("GET", "/api/v1/contacts/\(try XCTUnwrap(contact["id"] as? Int))/timeline").json
        let items = try XCTUnwrap(page["items"] as? [[String: Any]]).filter { $0["type"] as? String == "call" }
        return (contact, items.map { item in
            let call = item["call"] as? [String: Any]
            return (call?["providerCallId"] as? String ?? "?", item["at"] as? String ?? "?")
        })
    }

    func testCallsKnownOnlyFromTheirEndAreDatedWhenTheyBegan() throws {
        let aircall = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        let ended = try postAircall(aircall, #"""
            {"resource": "call", "event": "call.ended", "timestamp": 1795428045, "token": "\#(Self.aircallToken)",
             "data": {"id": 9001, "direction": "inbound", "raw_digits": "+40 722 100 001", "started_at": 1795428000,
                      "answered_at": null, "ended_at": 1795428040, "duration": 40, "missed_call_reason": "agents_did_not_answer"}}
            """#)
        XCTAssertEqual(ended.status, 200, ended.text)

        let ringostat = try t.addIntegration(.ringostat).secret
        try postRingostat(ringostat, "ended", #"""
            {"call_id": "rs-after-1", "call_type": "in", "caller": "0722100002", "callee": "0312345678",
             "calldate": "2026-11-23 10:00:00", "disposition": "ANSWERED", "duration": 100, "billsec": 80}
            """#)

        let zadarma = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let end = "event=NOTIFY_END&call_start=2026-11-23+10%3A00%3A00&pbx_call_id=in_after.1&caller_id=%2B40722100003"
            + "&called_did=%2B40312345678&internal=100&duration=35&disposition=no+answer&status_code=19&is_recorded=0"
        let zadarmaAnswer = try postZadarma(zadarma, end)
        XCTAssertEqual(zadarmaAnswer.status, 200, zadarmaAnswer.text)

        let native = try t.addIntegration().secret
        let missed = try t.call("missed", secret: native, ["callId": "nat-after-1", "clientNumber": "+40722100004",
                                                           "occurredAt": "2026-11-23T10:00:30Z", "startedAt": "2026-11-23T10:00:00Z"])
        XCTAssertEqual(missed.status, 200, missed.text)

        for (phone, callId) in [("+40722100001", "9001"), ("+40722100002", "rs-after-1"), ("+40722100003", "in_after.1"),
                                ("+40722100004", "nat-after-1")] {
            let (contact, calls) = try timelineCalls(ofPhone: phone)
            XCTAssertEqual(calls.map(\.0), [callId])
            XCTAssertEqual(calls.first?.1, "2026-11-23T10:00:00.000Z", "\(callId): on the timeline when it began")
            XCTAssertEqual(try call(callId)["startedAt"] as? String, "2026-11-23T10:00:00.000Z", callId)
            XCTAssertEqual(contact["createdAt"] as? String, "2026-11-23T10:00:00.000Z", "\(callId): the caller is known since the call")
        }
        XCTAssertEqual(try call("9001")["outcome"] as? String, "missed")
        XCTAssertEqual(try call("rs-after-1")["answeredAt"] as? String, "2026-11-23T10:00:20.000Z")
    }

    func testACallReportedAfterItEndedSortsBelowACallThatBeganLater() throws {
        let native = try t.addIntegration().secret
        // Call A rang at 10:00:30; call B began at 10:00:00 and its only webhook came at its end, 10:01:00.
        try t.call("ringing", secret: native, ["callId": "a", "clientNumber": "+40722100005", "occurredAt": "2026-11-23T10:00:30Z"])
        try t.call("missed", secret: native, ["callId": "b", "clientNumber": "+40722100005", "occurredAt": "2026-11-23T10:01:00Z",
                                              "startedAt": "2026-11-23T10:00:00Z"])
        XCTAssertEqual(try timelineCalls(ofPhone: "+40722100005").calls.map(\.0), ["a", "b"], "newest first: B began before A")
        // A ringing delivered late for B does not move it, and a stated start never moves a call later.
        try t.call("ringing", secret: native, ["callId": "b", "clientNumber": "+40722100005", "occurredAt": "2026-11-23T10:00:01Z"])
        try t.call("ended", secret: native, ["callId": "a", "clientNumber": "+40722100005", "occurredAt": "2026-11-23T10:02:00Z",
                                             "startedAt": "2026-11-23T10:00:40Z"])
        let calls = try timelineCalls(ofPhone: "+40722100005").calls
        XCTAssertEqual(calls.map(\.1), ["2026-11-23T10:00:30.000Z", "2026-11-23T10:00:00.000Z"])
        XCTAssertEqual(try call("b")["ringingAt"] as? String, "2026-11-23T10:00:01.000Z")
        XCTAssertEqual(try call("b")["startedAt"] as? String, "2026-11-23T10:00:00.000Z")
    }

    func testANativeStartedAtMustBeATime() throws {
        let native = try t.addIntegration().secret
        let refused = try t.call("ended", secret: native, ["callId": "c", "clientNumber": "+40722100006", "startedAt": "yesterday"])
        assertRefused(refused, 422, "invalid_field")
        XCTAssertTrue(refused.text.contains("startedAt"), refused.text)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }
}

extension ProviderWebhookTests {
    /// A Twilio call heard of only from its parent leg's `completed`: it began CallDuration
    /// before, and nobody answered, so it was missed when it ended (it had no missedAt at all).
    func testATwilioCallKnownOnlyFromItsCompletionBeganCallDurationBeforeAndWasMissed() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let incoming = TwilioInboundCall(sid: "CAonly1", caller: "+40722100007")
        try postTwilioStored(secret, incoming.parent("completed", at: "10:00:25", sequence: 0, duration: 25))
        let missed = try call("CAonly1")
        XCTAssertEqual(missed["outcome"] as? String, "missed")
        XCTAssertEqual(missed["startedAt"] as? String, "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(missed["missedAt"] as? String, "2026-11-23T10:00:25.000Z")
        XCTAssertEqual(try timelineCalls(ofPhone: "+40722100007").calls.first?.1, "2026-11-23T10:00:00.000Z")
    }
}

extension ProviderWebhookTests {
    /// A stated start later than the answer (a second's rounding in Timestamp − CallDuration)
    /// moved the call's start later in one arrival order and not in the other.
    func testAStatedStartNeverMovesACallLaterWhateverTheOrder() throws {
        let native = try t.addIntegration().secret
        let answered: [String: Any] = ["occurredAt": "2026-11-23T13:00:10Z"]
        let ended: [String: Any] = ["occurredAt": "2026-11-23T13:01:00Z", "startedAt": "2026-11-23T13:00:11Z", "talkTime": 49]
        for (callId, phone, order) in [("s1", "+40722100011", [("answered", answered), ("ended", ended)]),
                                       ("s2", "+40722100012", [("ended", ended), ("answered", answered)])] {
            for (kind, fields) in order {
                XCTAssertEqual(try t.call(kind, secret: native, fields.merging(["callId": callId, "clientNumber": phone]) { a, _ in a }).status, 200)
            }
            XCTAssertEqual(try call(callId)["startedAt"] as? String, "2026-11-23T13:00:10.000Z", callId)
            XCTAssertEqual(try timelineCalls(ofPhone: phone).calls.first?.1, "2026-11-23T13:00:10.000Z", callId)
        }
    }

    /// First touch goes to the call that began first, also when only a report after it says so.
    func testAStartStatedAfterTheCallCountsForFirstTouch() throws {
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        let native = try t.addIntegration(settings: settings).secret
        func deliver(_ phone: String, endFirst: Bool) throws {
            let a = "a" + phone.suffix(2), b = "b" + phone.suffix(2)
            let end: (String, [String: Any]) = ("ended", ["callId": a, "occurredAt": "2026-11-23T13:06:00Z", "startedAt": "2026-11-23T13:00:00Z"])
            var steps: [(String, [String: Any])] = [
                ("ringing", ["callId": a, "clientNumber": phone, "occurredAt": "2026-11-23T13:05:00Z", "utm_source": "a"]),
                ("ringing", ["callId": b, "clientNumber": phone, "occurredAt": "2026-11-23T13:03:00Z", "utm_source": "b"])]
            if endFirst { steps.insert(end, at: 1) } else { steps.append(end) }
            for (kind, fields) in steps { XCTAssertEqual(try t.call(kind, secret: native, fields).status, 200) }
        }
        try deliver("+40722100021", endFirst: false)
        try deliver("+40722100022", endFirst: true)
        for phone in ["+40722100021", "+40722100022"] {
            let fields = try timelineCalls(ofPhone: phone).contact["fields"] as? [String: String]
            XCTAssertEqual(fields?["Source"], "a", "\(phone): call a began at 13:00, before b")
        }
    }

    /// An end nobody answered, reported twice: missed when it first ended, as its task is dated.
    func testAnUnansweredCallIsMissedAtItsFirstEnd() throws {
        let native = try t.addIntegration().secret
        for at in ["2026-11-23T13:00:40Z", "2026-11-23T13:00:10Z"] {
            XCTAssertEqual(try t.call("ended", secret: native, ["callId": "m1", "clientNumber": "+40722100031", "occurredAt": at]).status, 200)
        }
        let stored = try call("m1")
        XCTAssertEqual(stored["endedAt"] as? String, "2026-11-23T13:00:40.000Z")
        XCTAssertEqual(stored["missedAt"] as? String, "2026-11-23T13:00:10.000Z")
        XCTAssertEqual(try missedCallTasks().first?["createdAt"] as? String, "2026-11-23T13:00:10.000Z")
    }
}
