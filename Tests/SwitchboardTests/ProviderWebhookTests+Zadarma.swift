import Foundation
import HTTPServer
import Switchboard
import TestSupport
import XCTest

extension ProviderWebhookTests {
    static let zadarmaSecret = "a1b2c3d4e5f60718293a"

    /// Zadarma's Signature header: PHP's base64_encode(hash_hmac('sha1', data, secret)) — Base64
    /// of the lower-case hex digest — where data joins the fields each event signs
    /// (github.com/zadarma/user-api-v1, lib/Webhook/Notify*.php).
    static func zadarmaSignature(_ body: String, secret: String = zadarmaSecret) -> String {
        let form = FormDecoding.decode(body)
        let signed: [String]
        switch form["event"] ?? "" {
        case "NOTIFY_ANSWER": signed = ["caller_id", "destination", "call_start"]
        case "NOTIFY_OUT_START", "NOTIFY_OUT_END": signed = ["internal", "destination", "call_start"]
        case "NOTIFY_RECORD": signed = ["pbx_call_id", "call_id_with_rec"]
        default: signed = ["caller_id", "called_did", "call_start"]
        }
        let data = signed.map { form[$0] ?? "" }.joined()
        let hex = Crypto.hmacSHA1(key: Array(secret.utf8), data: Array(data.utf8)).hexString
        return Data(hex.utf8).base64EncodedString()
    }

    func postZadarma(_ secret: String, _ body: String, signature: String? = nil) throws -> RawResponse {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        let signature = signature ?? Self.zadarmaSignature(body)
        if !signature.isEmpty { headers.append(("Signature", signature)) }
        return try t.send("POST", "/webhooks/zadarma/\(secret)", headers: headers, body: body)
    }

    func testZadarmaSampleCallsBecomeAnAnsweredCallAMissedCallAndItsClosedTask() throws {
        let agent = try t.addAgent("Ana", role: .manager, sip: ["100"])
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let sign: (String, String) -> [(String, String)] = { _, body in body.isEmpty ? [] : [("Signature", Self.zadarmaSignature(body))] }
        let responses = try replaySamples("zadarma", secret: secret, sign: sign)
        XCTAssertNotNil((responses["06-call2-end.txt"]?.json["events"] as? [[String: Any]])?.first?["taskId"] as? Int)
        try assertSampleStory(answered: "in_1795428000.1001", missed: "in_1795428300.1002", callback: "out_1795429200.1003",
                              missedReason: "no answer")
        let first = try call("in_1795428000.1001")
        XCTAssertEqual(first["agentId"] as? Int, agent.id, "extension 100 is Ana's SIP login")
        XCTAssertEqual(first["duration"] as? Int, 200)
        XCTAssertEqual(first["recordingUrl"] as? String, "https://api.zadarma.com/v1/pbx/record/request/?call_id=1795428000.1001-rec")
        XCTAssertEqual(try call("out_1795429200.1003")["endedAt"] as? String, "2026-11-23T10:22:00.000Z")
        try assertReplayChangesNothing("zadarma", secret: secret, sign: sign)
    }

    func testZadarmaEchoCheckIsAnsweredWithTheEchoAndStoresNothing() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let get = try t.send("GET", "/webhooks/zadarma/\(secret)?zd_echo=3f9a1c77")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.text, "3f9a1c77")
        XCTAssertTrue(get.header("content-type")?.hasPrefix("text/plain") ?? false)
        let post = try postZadarma(secret, "zd_echo=b77e", signature: "")
        XCTAssertEqual(post.text, "b77e")
        // The echo still needs the integration secret in the path.
        assertRefused(try t.send("GET", "/webhooks/zadarma/whs_\(String(repeating: "0", count: 48))?zd_echo=1"), 401)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }

    func testZadarmaSignatureIsRequired() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let body = try sample("zadarma", "01-call1-start.txt")
        assertRefused(try postZadarma(secret, body, signature: ""), 401, "bad_signature")
        assertRefused(try postZadarma(secret, body, signature: Self.zadarmaSignature(body, secret: "another-secret")), 401)
        // Base64 of the raw 20-byte digest is not what Zadarma sends: PHP's hash_hmac returns hex.
        let rawDigest = Data(Crypto.hmacSHA1(key: Array(Self.zadarmaSecret.utf8),
                                             data: Array("40722123456403123456782026-11-23 10:00:00".utf8))).base64EncodedString()
        XCTAssertEqual(try postZadarma(secret, body, signature: rawDigest).status, 401)
        let tampered = body.replacingOccurrences(of: "caller_id=40722123456", with: "caller_id=40799999999")
        assertRefused(try postZadarma(secret, tampered, signature: Self.zadarmaSignature(body)), 401)
        let unconfigured = try t.addIntegration(.zadarma, providerSecret: "").secret
        let refused = try postZadarma(unconfigured, body)
        XCTAssertEqual(refused.status, 401)
        XCTAssertTrue(refused.text.contains("API secret key must be configured"), refused.text)
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
        XCTAssertEqual(try postZadarma(secret, body).status, 200)
    }

    func testZadarmaBadBodiesAreRefusedAndNothingIsStored() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        assertRefused(try postZadarma(secret, #"{"event": "NOTIFY_START"}"#, signature: ""), 400, "invalid_form")
        assertRefused(try postZadarma(secret, "pbx_call_id=in_1&caller_id=40722123456"), 422, "missing_field")
        assertRefused(try postZadarma(secret, "event=NOTIFY_TELEPORT&pbx_call_id=in_1"), 422, "unknown_event_kind")
        assertRefused(try postZadarma(secret, "event=NOTIFY_START&caller_id=40722123456&called_did=40312345678&call_start=2026-11-23+10%3A00%3A00"), 422, "missing_field")
        let noDisposition = "event=NOTIFY_END&pbx_call_id=in_1&caller_id=40722123456&called_did=40312345678"
            + "&call_start=2026-11-23+10%3A00%3A00&duration=5"
        assertRefused(try postZadarma(secret, noDisposition), 422, "missing_field")
        assertRefused(try postZadarma(secret, "event=NOTIFY_START&pbx_call_id=in_1&caller_id=40722123456&called_did=40312345678&call_start=soon"), 422, "invalid_field")
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }

    func testZadarmaBusyEndIsAMissedCallWithItsDisposition() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let body = "event=NOTIFY_END&call_start=2026-11-23+11%3A00%3A00&pbx_call_id=in_9&caller_id=40722123456&called_did=40312345678"
            + "&duration=0&disposition=busy&status_code=17&is_recorded=0"
        XCTAssertEqual(try postZadarma(secret, body).status, 200)
        let busy = try call("in_9")
        XCTAssertEqual(busy["outcome"] as? String, "busy")
        XCTAssertEqual(busy["endReason"] as? String, "busy")
        XCTAssertNil(busy["answeredAt"])
    }
}
