import Foundation
import HTTPServer
import Switchboard
import Synchronization
import TestSupport
import XCTest

/// Zadarma, Twilio and a template provider, each played by a local server recording what it got.
final class ClickToCallProviderTests: XCTestCase {
    final class Recorder: Sendable {
        struct Seen: Sendable { let method: String; let target: String; let headers: [String: String]; let body: String }
        private let seen = Mutex<[Seen]>([])
        func add(_ request: HTTPRequest) {
            var headers: [String: String] = [:]
            for (name, value) in request.headers { headers[name] = value }
            seen.withLock { $0.append(Seen(method: request.method, target: request.target, headers: headers,
                                           body: String(decoding: request.body, as: UTF8.self))) }
        }
        var all: [Seen] { seen.withLock { $0 } }
    }

    var t: TestDaemon!
    var provider: HTTPServer!
    let recorder = Recorder()

    override func setUpWithError() throws {
        t = try TestDaemon()
        var router = Router()
        let recorder = self.recorder
        router.setFallback { request, r in
            recorder.add(request)
            let path = String(request.path)
            if path == "/v1/sip/" {
                r.send(.json(bytes: Array(#"{"status":"success","sips":[{"id":"100","display_name":"Ana"},{"id":"101"}]}"#.utf8)))
            } else if path.hasPrefix("/v1/sip/") {
                let online = path.contains("/101/")
                r.send(.json(bytes: Array(#"{"status":"success","sip":"x","is_online":"\#(online)"}"#.utf8)))
            } else if path == "/v1/request/callback/" {
                r.send(.json(bytes: Array(#"{"status":"success","from":100,"to":380671112233,"time":1795428000}"#.utf8)))
            } else if path.hasSuffix("/Calls.json") {
                r.send(.json(bytes: Array(#"{"sid":"CA0123456789abcdef","status":"queued"}"#.utf8), status: 201))
            } else if path == "/originate" && request.target.contains("slow=1") {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.9) { r.send(.json(bytes: Array(#"{"uniqueid":"pbx-43"}"#.utf8))) }
            } else if path == "/originate" {
                r.send(.json(bytes: Array(#"{"uniqueid":"pbx-42"}"#.utf8)))
            } else if path == "/presence" {
                r.send(.json(bytes: Array(#"{"online":["ext-7"],"speaking":[]}"#.utf8)))
            } else {
                r.send(.error(status: 404, code: "nope", message: path))
            }
        }
        provider = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 1, logRequests: false), router: router)
        try provider.start()
    }

    override func tearDown() {
        t.stop()
        provider.shutdown()
    }

    private var base: String { "http://127.0.0.1:\(provider.port)" }

    private func place(_ key: String, _ body: String) throws -> RawResponse {
        try t.send("POST", "/api/v1/calls", headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")], body: body)
    }

    func testZadarmaCallbackIsSignedAsZadarmaSpecifiesAndFallsBackToTheOnlineSIP() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.apiBase = base
        dialer.apiKey = "zd-key"
        settings.dialer = dialer
        let integration = try t.addIntegration(.zadarma, region: "UA", providerSecret: "zd-secret", settings: settings)
        let agent = try t.addAgent("Ana", role: .supervisor, sip: ["100"])
        let response = try place(agent.key, #"{"number":"+380671112233","integrationId":\#(integration.integration.id)}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["sipAccount"] as? String, "101", "100 is offline, 101 online")
        let callback = try XCTUnwrap(recorder.all.first { $0.target.hasPrefix("/v1/request/callback/") })
        XCTAssertEqual(callback.target, "/v1/request/callback/?from=101&to=%2B380671112233")
        // The signature, recomputed with openssl: base64(hex(hmac_sha1(method + query + md5(query), secret))).
        let query = "from=101&to=%2B380671112233"
        let md5 = try Subprocess.run("/bin/bash", ["-c", "printf '%s' \"$Q\" | openssl dgst -md5 -r | cut -d' ' -f1"], environment: ["Q": query]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let sign = try Subprocess.run("/bin/bash", ["-c", "printf '%s' \"$D\" | openssl dgst -sha1 -hmac zd-secret -r | cut -d' ' -f1 | tr -d '\\n' | base64 -w0"],
                                      environment: ["D": "/v1/request/callback/" + query + md5]).stdout
        XCTAssertEqual(callback.headers["authorization"], "zd-key:\(sign)")

        // Zadarma's callback API returns no call id: the first outbound webhook to that number
        // becomes the request's call, and the call shows the id Zadarma gave it.
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd'+'HH'%3A'mm'%3A'ss"
        let start = "event=NOTIFY_OUT_START&call_start=\(format.string(from: Date()))&pbx_call_id=out_c2c.1&internal=101"
            + "&destination=%2B380671112233"
        let webhook = try t.send("POST", "/webhooks/zadarma/\(integration.secret)",
                                 headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                           ("Signature", ProviderWebhookTests.zadarmaSignature(start, secret: "zd-secret"))], body: start)
        XCTAssertEqual(webhook.status, 200, webhook.text)
        let callId = try XCTUnwrap((response.json["call"] as? [String: Any])?["id"] as? Int)
        let call = try t.api("GET", "/api/v1/calls/\(callId)", key: agent.key).json
        XCTAssertEqual(call["dialedCallId"] as? String, "out_c2c.1", "\(call)")
        XCTAssertEqual(call["state"] as? String, "ringing")
    }

    /// Twilio dialing through the local provider, from our number to one office SIP account.
    private var twilioDialer: DialerSettings {
        var dialer = DialerSettings()
        dialer.apiBase = base
        dialer.apiKey = "AC123"
        dialer.callerId = "+40312345678"
        dialer.sipAccount = "office@example.sip.twilio.com"
        return dialer
    }

    func testTwilioCreatesACallToTheClientThatDialsTheAgentsSIP() throws {
        var settings = IntegrationSettings()
        settings.dialer = twilioDialer
        let integration = try t.addIntegration(.twilio, providerSecret: "tw-token", settings: settings)
        try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"office@example.sip.twilio.com","online":true}"#)
        let agent = try t.addAgent("Ana", role: .supervisor)
        let response = try place(agent.key, #"{"number":"0722123456","integrationId":\#(integration.integration.id)}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["providerCallId"] as? String, "CA0123456789abcdef")
        let create = try XCTUnwrap(recorder.all.first { $0.target.hasSuffix("/Calls.json") })
        XCTAssertEqual(create.target, "/2010-04-01/Accounts/AC123/Calls.json")
        XCTAssertEqual(create.headers["authorization"], "Basic " + Data("AC123:tw-token".utf8).base64EncodedString())
        let form = FormDecoding.decode(create.body)
        XCTAssertEqual(form["To"], "+40722123456")
        XCTAssertEqual(form["From"], "+40312345678")
        XCTAssertEqual(form["Twiml"], "<Response><Dial><Sip>sip:office@example.sip.twilio.com</Sip></Dial></Response>")
    }

    /// With the integration's status callback URL in the dialer settings, Twilio is asked to
    /// report the call it places, and its reports land on the click-to-call's own call.
    func testTwilioReportsTheCallItPlacesToTheIntegrationsStatusCallback() throws {
        let integration = try t.addIntegration(.twilio, providerSecret: "tw-token")
        let callbackURL = "http://127.0.0.1:0/webhooks/twilio/\(integration.secret)"   // the daemon's base URL in tests
        var dialer = twilioDialer
        dialer.statusCallback = callbackURL
        var settings = IntegrationSettings()
        settings.dialer = dialer
        _ = try t.daemon.integrations.update(id: integration.integration.id, .init(settings: .replacing(with: settings)))
        let agent = try t.addAgent("Ana", role: .supervisor)
        let placed = try place(agent.key, #"{"number":"0722123456","integrationId":\#(integration.integration.id)}"#)
        XCTAssertEqual(placed.status, 201, placed.text)
        let create = try XCTUnwrap(recorder.all.first { $0.target.hasSuffix("/Calls.json") })
        XCTAssertEqual(FormDecoding.decode(create.body)["StatusCallback"], callbackURL)
        XCTAssertEqual(FormDecoding.pairs(create.body).filter { $0.0 == "StatusCallbackEvent" }.map(\.1),
                       ["initiated", "ringing", "answered", "completed"])
        // Twilio's report that the client answered, signed as Twilio signs it.
        let body = ProviderWebhookTests.twilioForm(["CallSid": "CA0123456789abcdef", "AccountSid": "AC123", "CallStatus": "in-progress",
                                                    "StatusCallbackEvent": "answered", "Direction": "outbound-api",
                                                    "From": "+40312345678", "To": "+40722123456",
                                                    "Timestamp": "Mon, 23 Nov 2026 10:00:05 +0000", "SequenceNumber": "2"])
        let signature = ProviderWebhookTests.twilioSignature(url: callbackURL, body: body, token: "tw-token")
        let report = try t.send("POST", "/webhooks/twilio/\(integration.secret)",
                                headers: [("X-Twilio-Signature", signature), ("Content-Type", "application/x-www-form-urlencoded")], body: body)
        XCTAssertEqual(report.status, 200, report.text)
        let callId = try XCTUnwrap((placed.json["call"] as? [String: Any])?["id"] as? Int)
        let call = try t.api("GET", "/api/v1/calls/\(callId)").json
        XCTAssertEqual(call["answeredAt"] as? String, "2026-11-23T10:00:05.000Z", "\(call)")
        XCTAssertEqual(try t.count("calls"), 1, "the report landed on the click-to-call's call")
    }

    func testTemplateProviderGetsItsRequestFilledInAndPresenceFromItsURL() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.template = DialTemplate(method: "POST", url: base + "/originate", headers: ["X-Token": "pbx"],
                                       body: #"{"from":"{{sip}}","to":"{{number}}","ref":"{{requestId}}"}"#, callIdField: "uniqueid")
        dialer.presenceURL = base + "/presence"
        settings.dialer = dialer
        let integration = try t.addIntegration(.native, settings: settings)
        let agent = try t.addAgent("Ana", role: .supervisor, sip: ["ext-7"])
        let response = try place(agent.key, #"{"number":"+40722123456"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["providerCallId"] as? String, "pbx-42")
        let requestId = try XCTUnwrap(response.json["requestId"] as? String)
        let originate = try XCTUnwrap(recorder.all.first { $0.target == "/originate" })
        XCTAssertEqual(originate.headers["x-token"], "pbx")
        XCTAssertEqual(originate.body, #"{"from":"ext-7","to":"+40722123456","ref":"\#(requestId)"}"#)
        // The provider's later webhook, under its own id, lands on the same call.
        let ringing = try t.call("answered", secret: integration.secret, ["callId": "pbx-42", "direction": "outbound", "clientNumber": "+40722123456"])
        XCTAssertEqual(ringing.status, 200)
        XCTAssertEqual(try t.count("calls"), 1)
        XCTAssertEqual(try t.count("calls", "answered_at IS NOT NULL"), 1)
    }
}

extension ClickToCallProviderTests {
    func testWithoutAnyPresenceSourceTheRequestedAccountIsUsed() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.template = DialTemplate(method: "POST", url: base + "/originate", body: #"{"from":"{{sip}}","to":"{{number}}"}"#)
        settings.dialer = dialer
        _ = try t.addIntegration(.native, settings: settings)
        let agent = try t.addAgent("Ana", role: .supervisor, sip: ["ext-9"])
        let response = try place(agent.key, #"{"number":"+40722123456"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["sipAccount"] as? String, "ext-9")
        XCTAssertEqual(response.json["fallback"] as? Bool, false)
    }
}

extension ClickToCallProviderTests {
    /// Placeholders are filled in encoded for where they stand: in the URL and a form body the
    /// `+` of the number is `%2B` (it arrived as a space, ` 40722123456`), in a JSON body a
    /// quote in a SIP login is escaped.
    func testTemplatePlaceholdersAreEncodedForWhereTheyStand() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.template = DialTemplate(method: "POST", url: base + "/originate?from={{sip}}&to={{number}}",
                                       headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "caller={{sip}}&callee={{number}}")
        settings.dialer = dialer
        _ = try t.addIntegration(.native, settings: settings)
        let agent = try t.addAgent("Ana", role: .supervisor, sip: ["ext 7"])
        XCTAssertEqual(try place(agent.key, #"{"number":"+40722123456"}"#).status, 201)
        let form = try XCTUnwrap(recorder.all.first { $0.target.hasPrefix("/originate") })
        XCTAssertEqual(form.target, "/originate?from=ext%207&to=%2B40722123456")
        XCTAssertEqual(form.body, "caller=ext%207&callee=%2B40722123456")

        var json = IntegrationSettings()
        var jsonDialer = DialerSettings()
        jsonDialer.template = DialTemplate(method: "POST", url: base + "/originate?kind=json", body: #"{"from":"{{sip}}","to":"{{number}}"}"#)
        json.dialer = jsonDialer
        let second = try t.addIntegration(.native, settings: json)
        let quoted = try t.addAgent("Bob", role: .supervisor, sip: [#"bob"x"#])
        XCTAssertEqual(try place(quoted.key, #"{"number":"+40722123457","integrationId":\#(second.integration.id)}"#).status, 201)
        let body = try XCTUnwrap(recorder.all.first { $0.target == "/originate?kind=json" }).body
        XCTAssertEqual(body, #"{"from":"bob\"x","to":"+40722123457"}"#)

        // No Content-Type: libcurl sends the body as a form, so it is encoded as one.
        var plain = IntegrationSettings()
        var plainDialer = DialerSettings()
        plainDialer.template = DialTemplate(method: "POST", url: base + "/originate?kind=plain", body: "caller={{sip}}&callee={{number}}")
        plain.dialer = plainDialer
        let third = try t.addIntegration(.native, settings: plain)
        XCTAssertEqual(try place(agent.key, #"{"number":"+40722123458","integrationId":\#(third.integration.id)}"#).status, 201)
        XCTAssertEqual(try XCTUnwrap(recorder.all.first { $0.target == "/originate?kind=plain" }).body, "caller=ext%207&callee=%2B40722123458")
    }
}

extension ClickToCallProviderTests {
    /// A shared account without a presence source that is placing a colleague's call is busy,
    /// not "offline" (the 409 said it was offline).
    func testASharedAccountPlacingAnotherCallIsBusyNotOffline() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.template = DialTemplate(method: "POST", url: base + "/originate?slow=1", body: "{}")
        dialer.sipAccount = "office"
        settings.dialer = dialer
        _ = try t.addIntegration(.native, settings: settings)
        let ana = try t.addAgent("Ana", role: .supervisor, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .supervisor, sip: ["bob"])
        let answers = ConcurrentStrings()
        let (keys, numbers) = ([ana.key, bob.key], ["+40722123456", "+40722123457"])
        let daemon = t!
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let response = try? daemon.send("POST", "/api/v1/calls", headers: [("Authorization", "Bearer \(keys[i])"), ("Content-Type", "application/json")],
                                            body: #"{"number":"\#(numbers[i])"}"#)
            answers.add("\(response?.status ?? 0) \(response?.text ?? "")")
        }
        let refused = try XCTUnwrap(answers.all.first { $0.hasPrefix("409") }, "\(answers.all)")
        XCTAssertTrue(refused.contains("placing another call"), refused)
        XCTAssertFalse(refused.contains("offline"), refused)
    }
}

extension ClickToCallProviderTests {
    /// Twilio's `<Sip>` needs a full address: an agent's bare login ("ana") went out as
    /// `sip:ana`, which Twilio cannot dial. With `dialer.sipDomain` it is completed; without
    /// one the request is refused before anything is sent, and recorded as failed rather than
    /// left dialing (a retry with its key answered 409 "dialing" for ever).
    func testTwilioDialsAFullSIPAddressAndABareLoginWithoutADomainFailsCleanly() throws {
        var dialer = twilioDialer
        dialer.sipAccount = nil
        dialer.sipDomain = "example.sip.twilio.com"
        var settings = IntegrationSettings()
        settings.dialer = dialer
        let integration = try t.addIntegration(.twilio, providerSecret: "tw-token", settings: settings)
        let ana = try t.addAgent("Ana", role: .supervisor, sip: ["ana"])
        let body = #"{"number":"0722123456","integrationId":\#(integration.integration.id)}"#
        XCTAssertEqual(try place(ana.key, body).status, 201)
        let bo = try t.addAgent("Bo", role: .supervisor, sip: ["sip:bo&co@pbx.example"])
        XCTAssertEqual(try place(bo.key, #"{"number":"0722123458","integrationId":\#(integration.integration.id)}"#).status, 201)
        let twiml = recorder.all.filter { $0.target.hasSuffix("/Calls.json") }.map { FormDecoding.decode($0.body)["Twiml"] ?? "" }
        XCTAssertEqual(twiml, ["<Response><Dial><Sip>sip:ana@example.sip.twilio.com</Sip></Dial></Response>",
                               "<Response><Dial><Sip>sip:bo&amp;co@pbx.example</Sip></Dial></Response>"],
                       "a login with its host is dialled as it is, escaped for XML")

        dialer.sipDomain = nil
        settings.dialer = dialer
        _ = try t.daemon.integrations.update(id: integration.integration.id, .init(settings: .replacing(with: settings)))
        let refused = try t.send("POST", "/api/v1/calls", headers: [("Authorization", "Bearer \(ana.key)"), ("Idempotency-Key", "k-bare")],
                                 body: #"{"number":"0722123457","integrationId":\#(integration.integration.id)}"#)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("dialer.sipDomain"), refused.text)
        XCTAssertEqual(recorder.all.filter { $0.target.hasSuffix("/Calls.json") }.count, 2, "nothing was sent to Twilio")
        let retried = try t.send("POST", "/api/v1/calls", headers: [("Authorization", "Bearer \(ana.key)"), ("Idempotency-Key", "k-bare")],
                                 body: #"{"number":"0722123457","integrationId":\#(integration.integration.id)}"#)
        XCTAssertEqual(retried.status, 422, "answered as the first was, not left dialing (409): \(retried.text)")
        XCTAssertEqual(retried.text, refused.text)
        XCTAssertEqual(try t.value("SELECT state FROM click_to_call WHERE request_key LIKE '%:k-bare'").string, "failed")
    }
}
