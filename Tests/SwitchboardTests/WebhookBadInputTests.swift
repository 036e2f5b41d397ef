import Foundation
import Switchboard
import TestSupport
import XCTest

/// Input that is not what it claims is refused with a JSON 4xx and stores nothing, instead of
/// being read as something else (a different id, a boolean as 1, a rolled-over date).
final class WebhookBadInputTests: XCTestCase {
    var t: TestDaemon!
    var native = ""
    var ringostat = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        native = try t.addIntegration().secret
        ringostat = try t.addIntegration(.ringostat).secret
    }

    override func tearDown() { t.stop() }

    private func postNative(_ kind: String, _ body: String, type: String = "application/json") throws -> RawResponse {
        try t.send("POST", "/webhooks/calls/\(kind)", headers: [("Authorization", "Bearer \(native)"), ("Content-Type", type)], body: body)
    }

    private func postRingostatForm(_ body: String) throws -> RawResponse {
        try t.send("POST", "/webhooks/ringostat/\(ringostat)/ringing?call_type=in",
                   headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body)
    }

    private func assertRefused(_ response: RawResponse, _ status: Int, _ code: String, _ what: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "\(what): \(response.text)", file: file, line: line)
        XCTAssertEqual(response.errorCode, code, what, file: file, line: line)
    }

    func testFormEscapesThatAreNotTextAreRefusedSoDifferentIdsNeverCollide() throws {
        assertRefused(try postRingostatForm("call_id=A%FF&caller=0722123456"), 422, "invalid_field", "%FF id")
        assertRefused(try postRingostatForm("call_id=A%FE&caller=0744555666"), 422, "invalid_field", "%FE id")
        XCTAssertEqual(try t.count("raw_events"), 0)
        // A '%' that escapes nothing is the character itself (as PHP's urldecode reads it): the same
        // id as its escaped spelling, never another one's. Ringostat does not redeliver a 400.
        XCTAssertEqual(try postRingostatForm("call_id=%ZZ1&caller=0722123456").status, 200, "%ZZ")
        XCTAssertEqual(try postRingostatForm("call_id=%25ZZ1&caller=0722123456").json["status"] as? String, "duplicate")
        XCTAssertEqual(try postRingostatForm("call_id=A%C3%A9&caller=0722123456").status, 200, "a real UTF-8 escape")
        // A UTM tag in cp1251 is kept (lossily) rather than losing the call: Ringostat does not redeliver.
        XCTAssertEqual(try postRingostatForm("call_id=B1&caller=0722123457&utm_campaign=%CF%F0%EE%EC%EE").status, 200)
        XCTAssertEqual(try t.count("raw_events"), 3)
    }

    func testBooleansAreNoIdsNumbersOrTimes() throws {
        assertRefused(try postNative("answered", #"{"callId":"t1","clientNumber":"0733111333","agentId":true}"#), 422, "invalid_field", "agentId")
        assertRefused(try postNative("ringing", #"{"callId":true,"clientNumber":"0733111333"}"#), 422, "invalid_field", "callId")
        assertRefused(try postNative("ended", #"{"callId":"t2","duration":true}"#), 422, "invalid_field", "duration")
        XCTAssertEqual(try t.count("raw_events"), 0)
    }

    func testTextFieldsOfAnotherTypeAreRefusedNotDropped() throws {
        // Each was stored with a 200 as if absent: a call without its client, its agent or its time.
        let wrong: [(String, String)] = [
            (#"{"callId":{"id":"x"},"clientNumber":"0733111333"}"#, "callId"),
            (#"{"callId":"w1","clientNumber":true}"#, "clientNumber"),
            (#"{"callId":"w2","clientNumber":{"a":1}}"#, "clientNumber"),
            (#"{"callId":"w3","clientNumber":["+40722123456"]}"#, "clientNumber"),
            (#"{"callId":"w4","clientNumber":"0733111333","sipLogin":["ana"]}"#, "sipLogin"),
            (#"{"callId":"w5","clientNumber":"0733111333","occurredAt":{"t":1}}"#, "occurredAt"),
            (#"{"callId":"w6","clientNumber":"0733111333","startedAt":false}"#, "startedAt"),
            (#"{"callId":"w7","clientNumber":"0733111333","direction":["outbound"]}"#, "direction"),
            (#"{"callId":"w8","clientNumber":"0733111333","utm_source":{"x":1}}"#, "utm_source"),
            (#"{"callId":"w9","clientNumber":"0733111333","utm":"google"}"#, "utm"),
            (#"{"callId":"w10","clientNumber":"0733111333","utm":{"source":true}}"#, "utm.source"),
            (#"{"callId":"w11","clientNumber":"0733111333","eventId":[1]}"#, "eventId"),
        ]
        for (body, field) in wrong {
            let response = try postNative("ringing", body)
            assertRefused(response, 422, "invalid_field", field)
            XCTAssertTrue((response.errorMessage ?? "").hasPrefix("field \(field):"), response.text)
        }
        XCTAssertEqual(try t.count("raw_events"), 0)
        // A blank utm, like any blank value, is absent.
        XCTAssertEqual(try postNative("ringing", #"{"callId":"blank-utm","clientNumber":"0733111333","utm":""}"#).status, 200)
        XCTAssertEqual(try postNative("ringing", #"{"callId":"spaces-utm","clientNumber":"0733111333","utm":"  "}"#).status, 200)
        XCTAssertEqual(try t.count("raw_events"), 2)
        // Null and numbers are still what they were: absent, and digits.
        XCTAssertEqual(try postNative("ringing", #"{"callId":1234,"clientNumber":"0733111333","sipLogin":null,"utm":{"campaign":2026}}"#).status, 200)
        XCTAssertEqual(try t.value("SELECT utm FROM calls WHERE provider_call_id = '1234'").string, #"{"utm_campaign":"2026"}"#)
    }

    func testImpossibleDatesAndOffsetsAreRefused() throws {
        assertRefused(try postNative("ringing", #"{"callId":"d1","occurredAt":"2026-02-30T10:00:00Z"}"#), 422, "invalid_field", "Feb 30")
        assertRefused(try postNative("ringing", #"{"callId":"d2","occurredAt":"2026-02-29T10:00:00.5+02:00"}"#), 422, "invalid_field", "Feb 29 2026")
        assertRefused(try postNative("ringing", #"{"callId":"d3","occurredAt":"2026-11-23T10:00:00+99:99"}"#), 422, "invalid_field", "+99:99")
        XCTAssertEqual(try postNative("ringing", #"{"callId":"d4","occurredAt":"2028-02-29T10:00:00+14:00"}"#).status, 200, "a leap day")
    }

    func testNegativeDurationsAndBlankIdsAreRefused() throws {
        assertRefused(try postNative("ended", #"{"callId":"n1","duration":-50}"#), 422, "invalid_field", "duration")
        assertRefused(try postNative("ended", #"{"callId":"n2","talkTime":-5}"#), 422, "invalid_field", "talkTime")
        assertRefused(try t.send("POST", "/webhooks/ringostat/\(ringostat)/ended?call_type=in", headers: [("Content-Type", "application/json")],
                                 body: #"{"call_id":"n3","caller":"0722123456","calldate":"2026-11-23 10:00:00","disposition":"ANSWERED","duration":-200,"billsec":190}"#),
                      422, "invalid_field", "Ringostat duration")
        assertRefused(try postNative("ringing", #"{"callId":"   ","clientNumber":"0722123456"}"#), 422, "missing_field", "blank callId")
        XCTAssertEqual(try t.count("raw_events"), 0)
    }

    func testAMediaTypeIsNotJSONBecauseAParameterSaysJSON() throws {
        assertRefused(try postNative("ringing", #"{"callId":"m1"}"#, type: "text/plain; note=json"), 415, "unsupported_media_type", "native")
        XCTAssertEqual(try t.count("raw_events"), 0)
    }
}
