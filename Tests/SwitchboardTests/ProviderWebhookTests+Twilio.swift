import Foundation
import HTTPServer
import Switchboard
import TestSupport
import XCTest

extension ProviderWebhookTests {
    static let twilioToken = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

    /// X-Twilio-Signature as Twilio computes it: Base64(HMAC-SHA1(auth token, URL + sorted name+value pairs)).
    static func twilioSignature(url: String, body: String, token: String = twilioToken) -> String {
        var data = url
        for (name, value) in FormDecoding.pairs(body).sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) { data += name + value }
        return Data(Crypto.hmacSHA1(key: Array(token.utf8), data: Array(data.utf8))).base64EncodedString()
    }

    /// Headers Twilio sends with `body` to `path` (signed over our public URL).
    static func twilioHeaders(_ path: String, _ body: String) -> [(String, String)] {
        [("X-Twilio-Signature", twilioSignature(url: publicURL + path, body: body)),
         ("Content-Type", "application/x-www-form-urlencoded")]
    }

    func postTwilio(_ secret: String, _ body: String, headers: [(String, String)]? = nil) throws -> RawResponse {
        let path = "/webhooks/twilio/\(secret)"
        return try t.send("POST", path, headers: headers ?? Self.twilioHeaders(path, body), body: body)
    }

    func testTwilioSampleCallsBecomeAnAnsweredCallAMissedCallAndItsClosedTask() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let responses = try replaySamples("twilio", secret: secret, sign: { path, body in
            [("X-Twilio-Signature", Self.twilioSignature(url: Self.publicURL + path, body: body))]
        })
        let missed = (responses["06-call2-no-answer.txt"]?.json["events"] as? [[String: Any]])?.first
        XCTAssertNotNil(missed?["taskId"] as? Int, "the missed call files a task")
        try assertSampleStory(answered: "CA5c1e0d4f6b7a8c9d0e1f2a3b4c5d6e7f", missed: "CA6d2f1e5a7c8b9d0e1f2a3b4c5d6e7f80",
                              callback: "CA7e3a2f6b8d9c0e1f2a3b4c5d6e7f8091", missedReason: "no-answer")
        let first = try call("CA5c1e0d4f6b7a8c9d0e1f2a3b4c5d6e7f")
        XCTAssertEqual(first["answeredAt"] as? String, "2026-11-23T10:00:10.000Z")
        XCTAssertEqual(first["duration"] as? Int, 190)
        XCTAssertEqual(first["ourNumber"] as? String, "+40312345678")
        XCTAssertTrue((first["recordingUrl"] as? String ?? "").hasPrefix("https://api.twilio.com/"))
        try assertReplayChangesNothing("twilio", secret: secret, sign: { path, body in
            [("X-Twilio-Signature", Self.twilioSignature(url: Self.publicURL + path, body: body))]
        })
    }

    func testTwilioSignatureIsRequiredAndComputedOverThePublicURL() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let path = "/webhooks/twilio/\(secret)"
        let body = try sample("twilio", "01-call1-ringing.txt")
        let form = ("Content-Type", "application/x-www-form-urlencoded")

        assertRefused(try postTwilio(secret, body, headers: [form]), 401, "bad_signature")
        assertRefused(try postTwilio(secret, body, headers: [
            ("X-Twilio-Signature", Self.twilioSignature(url: Self.publicURL + path, body: body, token: "not-the-token")), form]), 401)
        // Signed over the address the daemon listens on instead of the URL Twilio was given.
        assertRefused(try postTwilio(secret, body, headers: [
            ("X-Twilio-Signature", Self.twilioSignature(url: "http://127.0.0.1:\(t.port)" + path, body: body)), form]), 401)
        assertRefused(try postTwilio(secret, body.replacingOccurrences(of: "CallStatus=ringing", with: "CallStatus=busy"),
                                      headers: Self.twilioHeaders(path, body)), 401)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])

        // Twilio's validators accept the URL with the default port too; so do we.
        let withPort = try postTwilio(secret, body, headers: [
            ("X-Twilio-Signature", Self.twilioSignature(url: "https://sb.example.com:443" + path, body: body)), form])
        XCTAssertEqual(withPort.status, 200, withPort.text)
        XCTAssertEqual(withPort.json["status"] as? String, "stored")
    }

    func testTwilioIntegrationWithoutAuthTokenRefusesWebhooks() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: "").secret
        let body = try sample("twilio", "01-call1-ringing.txt")
        let response = try postTwilio(secret, body)
        XCTAssertEqual(response.status, 401)
        XCTAssertTrue(response.text.contains("auth token must be configured"), response.text)
        XCTAssertEqual(try t.count("raw_events"), 0)
    }

    func testTwilioBadBodiesAreRefusedAndNothingIsStored() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        assertRefused(try postTwilio(secret, #"{"CallSid": "CA1"}"#), 400, "invalid_form")
        assertRefused(try postTwilio(secret, "CallStatus=ringing&From=%2B40722123456&To=%2B40312345678"), 422, "missing_field")
        assertRefused(try postTwilio(secret, "CallSid=CA1&CallStatus=teleported"), 422, "unknown_event_kind")
        assertRefused(try postTwilio(secret, "CallSid=CA1&CallStatus=ringing&Timestamp=yesterday"), 422)
        let json = try t.send("POST", "/webhooks/twilio/\(secret)", headers: [("Content-Type", "application/json")], body: "{}")
        XCTAssertEqual(json.status, 415)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
        let queued = try postTwilio(secret, "CallSid=CA1&CallStatus=queued&Direction=outbound-api")
        XCTAssertEqual(queued.json["status"] as? String, "ignored")
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }

    func testTwilioStatusCallbackEventAndCompletedAloneGiveTheRightMoments() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        // Only `completed` subscribed (Twilio's default): the call was still answered.
        let completed = "CallSid=CA10&CallStatus=completed&Direction=inbound&From=%2B40722123456&To=%2B40312345678"
            + "&CallDuration=60&SequenceNumber=0&Timestamp=Mon%2C+23+Nov+2026+10%3A01%3A00+%2B0000"
        XCTAssertEqual(try postTwilio(secret, completed).status, 200)
        let only = try call("CA10")
        XCTAssertEqual(only["outcome"] as? String, "answered")
        XCTAssertEqual(only["answeredAt"] as? String, "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(only["endedAt"] as? String, "2026-11-23T10:01:00.000Z")

        // StatusCallbackEvent names the moment; a completed event with a busy status is a missed call.
        let answered = "CallSid=CA11&CallStatus=in-progress&StatusCallbackEvent=answered&From=%2B40744555666&To=%2B40312345678"
        XCTAssertEqual(try postTwilio(secret, answered).status, 200)
        XCTAssertEqual(try call("CA11")["state"] as? String, "answered")
        let busy = "CallSid=CA12&CallStatus=busy&StatusCallbackEvent=completed&From=%2B40744555666&To=%2B40312345678"
        XCTAssertEqual(try postTwilio(secret, busy).status, 200)
        XCTAssertEqual(try call("CA12")["outcome"] as? String, "busy")
        XCTAssertEqual(try call("CA12")["endReason"] as? String, "busy")

        // An outbound <Dial> leg to a Twilio Client: the client is To, the agent is matched by login.
        let agent = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let dial = "CallSid=CA13&CallStatus=ringing&Direction=outbound-dial&From=client%3Aana&To=%2B40722000111"
        XCTAssertEqual(try postTwilio(secret, dial).status, 200)
        let leg = try call("CA13")
        XCTAssertEqual(leg["direction"] as? String, "outbound")
        XCTAssertEqual(leg["clientNumber"] as? String, "+40722000111")
        XCTAssertEqual(leg["agentId"] as? Int, agent.id)
    }
}
