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
        XCTAssertNotNil((responses["07-call2-end.txt"]?.json["events"] as? [[String: Any]])?.first?["taskId"] as? Int)
        try assertSampleStory(answered: "in_1795428000.1001", missed: "in_1795428300.1002", callback: "out_1795429200.1003",
                              missedReason: "no answer")
        let first = try call("in_1795428000.1001")
        XCTAssertEqual(first["agentId"] as? Int, agent.id, "extension 100 is Ana's SIP login")
        XCTAssertEqual(first["duration"] as? Int, 200)
        XCTAssertEqual(first["recordingUrl"] as? String, "https://api.zadarma.com/v1/pbx/record/request/?call_id=1795428000.1001-rec")
        // Replayed long after the call, the late NOTIFY_ANSWER's receipt is later than the end: the
        // answer the END implies (at the end, Zadarma gives no talk time) is the earliest heard of.
        XCTAssertEqual(first["answeredAt"] as? String, "2026-11-23T10:03:20.000Z", "not the call's start")
        let callback = try call("out_1795429200.1003")
        XCTAssertEqual(callback["endedAt"] as? String, "2026-11-23T10:22:00.000Z")
        XCTAssertEqual(callback["answeredAt"] as? String, "2026-11-23T10:22:00.000Z")
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

    /// `date` as Zadarma writes `call_start` (`YYYY-MM-DD HH:MM:SS`, no zone), form-encoded.
    static func zadarmaTime(_ date: Date) -> String { utc(date, "yyyy-MM-dd+HH'%3A'mm'%3A'ss") }

    /// `date` as the API shows call times.
    static func apiTime(_ date: Date) -> String { utc(date, "yyyy-MM-dd'T'HH:mm:ss'.000Z'") }

    /// `date` written in UTC with a DateFormatter `format`.
    static func utc(_ date: Date, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }

    /// A NOTIFY_START for `caller`, as Zadarma sends it: international format without the '+'.
    func postZadarmaStart(_ secret: String, callId: String, caller: String) throws {
        let body = "event=NOTIFY_START&call_start=2026-11-23+10%3A00%3A00&pbx_call_id=\(callId)&caller_id=\(caller)&called_did=40312345678"
        let response = try postZadarma(secret, body)
        XCTAssertEqual(response.status, 200, response.text)
    }

    func testZadarmaCallersFromAbroadGetTheirContact() throws {
        let secret = try t.addIntegration(.zadarma, region: "RO", providerSecret: Self.zadarmaSecret).secret
        // Zadarma writes every number internationally without the '+': a Ukrainian, an American
        // and a British caller on a Romanian line are not Romanian numbers.
        for (index, caller) in ["380501234567", "14155550123", "447911123456"].enumerated() {
            try postZadarmaStart(secret, callId: "in_abroad_\(index)", caller: caller)
            let abroad = try call("in_abroad_\(index)")
            XCTAssertEqual(abroad["clientNumber"] as? String, "+\(caller)", "\(abroad)")
            XCTAssertNil(abroad["flag"], "\(abroad)")
            XCTAssertNotNil(abroad["contactId"] as? Int, "\(abroad)")
        }
        XCTAssertEqual(try t.count("contacts"), 3)

        // The callback to the Ukrainian client lands on the same contact; Zadarma's dst_e164 is
        // preferred when `destination` is written the way the agent dialled it.
        let outbound = "event=NOTIFY_OUT_START&call_start=2026-11-23+10%3A20%3A00&pbx_call_id=out_abroad"
            + "&internal=100&destination=0501234567&dst_e164=380501234567&caller_id=40312345678"
        XCTAssertEqual(try postZadarma(secret, outbound).status, 200)
        let back = try call("out_abroad")
        XCTAssertEqual(back["clientNumber"] as? String, "+380501234567", "\(back)")
        XCTAssertEqual(back["contactId"] as? Int, try call("in_abroad_0")["contactId"] as? Int)

        // Romanian numbers read as before, in either form; a short extension is no phone number.
        try postZadarmaStart(secret, callId: "in_home_1", caller: "40722123456")
        try postZadarmaStart(secret, callId: "in_home_2", caller: "0722123456")
        XCTAssertEqual(try call("in_home_1")["clientNumber"] as? String, "+40722123456")
        XCTAssertEqual(try call("in_home_2")["clientNumber"] as? String, "+40722123456")
        try postZadarmaStart(secret, callId: "in_extension", caller: "101")
        let internalCall = try call("in_extension")
        XCTAssertEqual(internalCall["clientNumberRaw"] as? String, "101")
        XCTAssertNil(internalCall["clientNumber"])
        XCTAssertEqual(try t.count("contacts"), 4)

        // Zadarma writes every number internationally: a Vietnamese caller on a Russian line stays
        // Vietnamese, though 8 is Russia's trunk prefix.
        let russian = try t.addIntegration(.zadarma, region: "RU", providerSecret: Self.zadarmaSecret).secret
        try postZadarmaStart(russian, callId: "in_vietnam", caller: "84912345678")
        XCTAssertEqual(try call("in_vietnam")["clientNumber"] as? String, "+84912345678")
        // But an outgoing call's `destination` is the number as the extension dialled it: in
        // Russia `8 495 …` is Moscow dialled at home (the PBX routes it there; Vietnam would be
        // 810 84 …), not Vietnam. Moscow's 4xx codes read as Vietnamese before, 9xx as Russian.
        for (index, dialled) in ["84951234567", "84991234567", "89031234567"].enumerated() {
            let body = "event=NOTIFY_OUT_START&call_start=2026-11-23+10%3A30%3A00&pbx_call_id=out_ru_\(index)"
                + "&internal=100&destination=\(dialled)&caller_id=74950000000"
            XCTAssertEqual(try postZadarma(russian, body).status, 200)
            XCTAssertEqual(try call("out_ru_\(index)")["clientNumber"] as? String, "+7" + dialled.dropFirst(), dialled)
        }

        // Ten digits that are no valid international number are read in the integration's region.
        let american = try t.addIntegration(.zadarma, region: "US", providerSecret: Self.zadarmaSecret).secret
        try postZadarmaStart(american, callId: "in_us_national", caller: "4155550123")
        XCTAssertEqual(try call("in_us_national")["clientNumber"] as? String, "+14155550123")
    }

    func testZadarmaAnswerTimeIsWhenTheCallWasAnsweredNotWhenItStarted() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down))
        let head = "call_start=\(Self.zadarmaTime(start))&pbx_call_id=in_answered&caller_id=40722123456"
        XCTAssertEqual(try postZadarma(secret, "event=NOTIFY_START&\(head)&called_did=40312345678").status, 200)
        // NOTIFY_END overtakes NOTIFY_ANSWER: its implied answer must not hide the real one.
        let end = "event=NOTIFY_END&\(head)&called_did=40312345678&internal=100&duration=200&disposition=answered"
            + "&status_code=16&is_recorded=0"
        XCTAssertEqual(try postZadarma(secret, end).status, 200)
        XCTAssertEqual(try postZadarma(secret, "event=NOTIFY_ANSWER&\(head)&destination=100&internal=100").status, 200)
        let answered = try call("in_answered")
        let ringingAt = try XCTUnwrap(answered["ringingAt"] as? String), endedAt = try XCTUnwrap(answered["endedAt"] as? String)
        let answeredAt = try XCTUnwrap(answered["answeredAt"] as? String)
        XCTAssertEqual(ringingAt, Self.apiTime(start))
        XCTAssertEqual(endedAt, Self.apiTime(start.addingTimeInterval(200)))
        XCTAssertGreaterThan(answeredAt, ringingAt, "NOTIFY_ANSWER came a minute after the call started")
        XCTAssertLessThan(answeredAt, endedAt)

        // Without a NOTIFY_ANSWER the answer is at the end: Zadarma gives no talk time to place it earlier.
        let alone = "event=NOTIFY_END&call_start=\(Self.zadarmaTime(start))&pbx_call_id=in_end_only&caller_id=40722123456"
            + "&called_did=40312345678&internal=100&duration=90&disposition=answered&status_code=16&is_recorded=0"
        XCTAssertEqual(try postZadarma(secret, alone).status, 200)
        let endOnly = try call("in_end_only")
        XCTAssertEqual(endOnly["answeredAt"] as? String, Self.apiTime(start.addingTimeInterval(90)))
        XCTAssertEqual(endOnly["outcome"] as? String, "answered")

        // An account whose clock is ahead of ours (its time zone): the answer is never before the call started.
        let ahead = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 7200).rounded(.down))
        let aheadHead = "call_start=\(Self.zadarmaTime(ahead))&pbx_call_id=in_ahead&caller_id=40722123456"
        XCTAssertEqual(try postZadarma(secret, "event=NOTIFY_START&\(aheadHead)&called_did=40312345678").status, 200)
        XCTAssertEqual(try postZadarma(secret, "event=NOTIFY_ANSWER&\(aheadHead)&destination=100&internal=100").status, 200)
        let early = try call("in_ahead")
        XCTAssertEqual(early["answeredAt"] as? String, Self.apiTime(ahead))
    }

    func testZadarmaOwnNonCallNotificationsAreAcknowledgedAndNotStored() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        // Zadarma disables a notification URL that keeps failing: its own notifications get 200.
        let notifications = [
            // Sent when an extension stops ringing, though Zadarma's documentation does not list it.
            "event=NOTIFY_INTERNAL_END&call_start=2026-11-23+10%3A00%3A00&pbx_call_id=in_1795428000.1001"
                + "&caller_id=40722123456&called_did=40312345678&internal=101",
            "event=NUMBER_LOOKUP&success=true&description=&result=%7B%22number%22%3A%22380501234567%22%2C%22mcc%22%3A%22255%22%7D",
            "event=CALL_TRACKING&result=%7B%22caller_id%22%3A%2240722123456%22%2C%22called_did%22%3A%2240312345678%22%7D",
        ]
        for body in notifications {
            let response = try postZadarma(secret, body)
            XCTAssertEqual(response.status, 200, "\(body): \(response.text)")
            XCTAssertEqual(response.json["status"] as? String, "ignored", response.text)
        }
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
    }

    /// The boundary PHP's curl writes when it posts an array, as Zadarma's sender may
    /// (github.com/gravitymir/zadarma reads Zadarma's notifications as multipart).
    static let curlBoundary = "------------------------d74496d66958873e"

    /// The Content-Type of a `multipartForm` body.
    static let multipartType = ("Content-Type", "multipart/form-data; boundary=\(curlBoundary)")

    /// The fields of the urlencoded `body`, in its order, as a `multipart/form-data` body (RFC 7578).
    static func multipartForm(_ body: String) -> String {
        FormDecoding.pairs(body).map { name, value in
            "--\(curlBoundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }.joined() + "--\(curlBoundary)--\r\n"
    }

    /// What `integration`'s deliveries stored, in order: each raw event's kind and payload.
    func storedEvents(_ integration: Integration) throws -> [String] {
        try t.daemon.store.read { db in
            try db.query("SELECT kind, payload FROM raw_events WHERE integration_id = ? ORDER BY id", integration.id)
                .map { "\($0.string("kind") ?? ""): \($0.string("payload") ?? "")" }
        }
    }

    func testZadarmaMultipartNotificationsAreStoredAsTheirUrlencodedTwins() throws {
        let form = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret)
        let multipart = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret)
        try replaySamples("zadarma", secret: form.secret, sign: { _, body in body.isEmpty ? [] : [("Signature", Self.zadarmaSignature(body))] })
        // The same sequence as multipart, with the same signatures: Zadarma signs field values, not the body.
        for delivery in try deliveries("zadarma") where delivery.file != "-" {
            let body = try sample("zadarma", delivery.file)
            let response = try t.send("POST", "/webhooks/zadarma/\(multipart.secret)",
                                      headers: [Self.multipartType, ("Signature", Self.zadarmaSignature(body))], body: Self.multipartForm(body))
            XCTAssertEqual(response.status, 200, "\(delivery.file): \(response.text)")
            XCTAssertEqual(response.json["status"] as? String, delivery.expect, "\(delivery.file): \(response.text)")
        }
        let stored = try storedEvents(form.integration)
        XCTAssertEqual(stored.count, 10, "eight stored deliveries, two of them an answer and an end: \(stored)")
        XCTAssertEqual(try storedEvents(multipart.integration), stored)

        // The URL check may come as multipart too.
        let echo = try t.send("POST", "/webhooks/zadarma/\(multipart.secret)", headers: [Self.multipartType],
                              body: Self.multipartForm("zd_echo=b77e"))
        XCTAssertEqual(echo.text, "b77e")
    }

    func testZadarmaMultipartSignatureIsCheckedAndBrokenMultipartIsRefused() throws {
        let secret = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        let body = try sample("zadarma", "01-call1-start.txt")
        func post(_ multipart: String, signature: String = Self.zadarmaSignature(body),
                  type: (String, String) = Self.multipartType) throws -> RawResponse {
            try t.send("POST", "/webhooks/zadarma/\(secret)", headers: [type, ("Signature", signature)], body: multipart)
        }
        let tampered = body.replacingOccurrences(of: "caller_id=40722123456", with: "caller_id=40799999999")
        assertRefused(try post(Self.multipartForm(tampered)), 401, "bad_signature")
        assertRefused(try post(Self.multipartForm(body), signature: Self.zadarmaSignature(body, secret: "another-secret")), 401)

        // A truncated upload, a body that is not multipart, a multipart that is not a form.
        let truncated = try post(String(Self.multipartForm(body).dropLast(4)))
        assertRefused(truncated, 400, "invalid_form")
        XCTAssertEqual(truncated.errorMessage, "body is not a valid form: the body ends without its closing --\(Self.curlBoundary)-- line")
        assertRefused(try post(body), 400, "invalid_form")
        assertRefused(try post(Self.multipartForm(body), type: ("Content-Type", "multipart/form-data")), 400, "invalid_form")
        let mixed = try post(Self.multipartForm(body), type: ("Content-Type", "multipart/mixed; boundary=\(Self.curlBoundary)"))
        assertRefused(mixed, 415, "unsupported_media_type")
        XCTAssertEqual(mixed.errorMessage, "expected application/x-www-form-urlencoded or multipart/form-data, got multipart/mixed")
        XCTAssertEqual(try storedCounts(), [0, 0, 0, 0])
        XCTAssertEqual(try post(Self.multipartForm(body)).json["status"] as? String, "stored")
    }

    func testTwilioMultipartCallbackIsSignedOverItsFieldsAndStoredAsItsUrlencodedTwin() throws {
        let form = try t.addIntegration(.twilio, providerSecret: Self.twilioToken)
        let multipart = try t.addIntegration(.twilio, providerSecret: Self.twilioToken)
        let body = try sample("twilio", "15-callback-completed.txt")
        XCTAssertEqual(try postTwilio(form.secret, body).json["status"] as? String, "stored")
        // Twilio signs the URL and the sorted parameters, whichever way they were encoded.
        let path = "/webhooks/twilio/\(multipart.secret)"
        let signature = ("X-Twilio-Signature", Self.twilioSignature(url: Self.publicURL + path, body: body))
        let response = try t.send("POST", path, headers: [Self.multipartType, signature], body: Self.multipartForm(body))
        XCTAssertEqual(response.json["status"] as? String, "stored", response.text)
        XCTAssertEqual(try storedEvents(multipart.integration), try storedEvents(form.integration))
        XCTAssertFalse(try storedEvents(form.integration).isEmpty)
        let tampered = body.replacingOccurrences(of: "CallDuration=", with: "CallDuration=1")
        assertRefused(try t.send("POST", path, headers: [Self.multipartType, signature], body: Self.multipartForm(tampered)), 401)
    }

    func testRingostatMultipartWebhookIsStoredAsItsUrlencodedTwin() throws {
        let form = try t.addIntegration(.ringostat)
        let multipart = try t.addIntegration(.ringostat)
        let body = try sample("ringostat", "05-call2-after.txt")
        for (integration, type, sent) in [(form, ("Content-Type", "application/x-www-form-urlencoded"), body),
                                          (multipart, Self.multipartType, Self.multipartForm(body))] {
            let response = try t.send("POST", "/webhooks/ringostat/\(integration.secret)/ended?call_type=in", headers: [type], body: sent)
            XCTAssertEqual(response.json["status"] as? String, "stored", response.text)
        }
        XCTAssertEqual(try storedEvents(multipart.integration), try storedEvents(form.integration))
        XCTAssertFalse(try storedEvents(form.integration).isEmpty)
    }
}
