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

    /// A Twilio form body: `fields` percent-encoded, in the order given; empty ones left out, as Twilio does.
    static func twilioForm(_ fields: KeyValuePairs<String, String>) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.filter { !$0.value.isEmpty }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
            .joined(separator: "&")
    }

    /// Twilio's `Timestamp` for `time` (HH:MM:SS) on 23 Nov 2026.
    static func twilioTime(_ time: String) -> String { "Mon, 23 Nov 2026 \(time) +0000" }

    /// The status callbacks of one call to our number, as Twilio sends them: the parent leg (the
    /// number's status callback) and the `<Dial>` legs ringing agents for it (Direction=outbound-dial,
    /// From = the caller, To = the agent's `client:` or `sip:` address, ParentCallSid = the parent).
    struct TwilioInboundCall {
        static let ourNumber = "+40312345678"
        let sid: String
        let caller: String

        /// The parent leg's callback: `status` at `time`.
        func parent(_ status: String, at time: String, sequence: Int, duration: Int? = nil) -> String {
            ProviderWebhookTests.twilioForm([
                "CallSid": sid, "CallStatus": status, "Direction": "inbound", "From": caller, "To": Self.ourNumber,
                "SequenceNumber": String(sequence), "Timestamp": ProviderWebhookTests.twilioTime(time),
                "CallDuration": duration.map(String.init) ?? ""])
        }

        /// The callback of `<Dial>` leg `legSid` to `agent` (`client:ana`, `sip:ana@…`): `status` at `time`.
        func leg(_ legSid: String, to agent: String, _ status: String, at time: String, sequence: Int, duration: Int? = nil) -> String {
            ProviderWebhookTests.twilioForm([
                "CallSid": legSid, "ParentCallSid": sid, "CallStatus": status, "Direction": "outbound-dial", "From": caller,
                "To": agent, "SequenceNumber": String(sequence), "Timestamp": ProviderWebhookTests.twilioTime(time),
                "CallDuration": duration.map(String.init) ?? ""])
        }
    }

    /// Posts `body`, checks it was stored and not flagged, and returns the answer.
    @discardableResult
    func postTwilioStored(_ secret: String, _ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> RawResponse {
        let response = try postTwilio(secret, body)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
        XCTAssertEqual(response.json["status"] as? String, "stored", "\(body)\n\(response.text)", file: file, line: line)
        for event in response.json["events"] as? [[String: Any]] ?? [] {
            XCTAssertEqual(event["status"] as? String, "stored", "\(body)\n\(response.text)", file: file, line: line)
        }
        return response
    }

    func testTwilioSampleCallsBecomeAnAnsweredCallAMissedCallAndItsClosedTask() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        _ = try t.addAgent("Bogdan", role: .manager, sip: ["bogdan"])
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let sign: (String, String) -> [(String, String)] = { path, body in
            [("X-Twilio-Signature", Self.twilioSignature(url: Self.publicURL + path, body: body))]
        }
        let responses = try replaySamples("twilio", secret: secret, sign: sign)
        let filed = (responses["12-call2-completed.txt"]?.json["events"] as? [[String: Any]])?.first
        XCTAssertNotNil(filed?["taskId"] as? Int, "call 2's parent completing with no leg answered files the task")

        // Call 1: its <Dial> legs merged into the caller's call, answered by Ana.
        let first = try call("CA5c1e0d4f6b7a8c9d0e1f2a3b4c5d6e7f")
        XCTAssertEqual(first["outcome"] as? String, "answered", "\(first)")
        XCTAssertEqual(first["direction"] as? String, "inbound")
        XCTAssertEqual(first["clientNumber"] as? String, "+40722123456")
        XCTAssertEqual(first["ourNumber"] as? String, "+40312345678")
        XCTAssertEqual(first["agentId"] as? Int, ana.id, "Ana answered; Bogdan was rung too")
        XCTAssertEqual(first["ringingAt"] as? String, "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(first["answeredAt"] as? String, "2026-11-23T10:00:10.000Z")
        XCTAssertEqual(first["endedAt"] as? String, "2026-11-23T10:03:20.000Z")
        XCTAssertEqual(first["duration"] as? Int, 200, "the parent's CallDuration")
        XCTAssertEqual(first["talkTime"] as? Int, 190, "Ana's leg's CallDuration")
        XCTAssertTrue((first["recordingUrl"] as? String ?? "").hasPrefix("https://api.twilio.com/"))

        // Call 2: Twilio answered it to run the TwiML, but Ana did not pick up: missed.
        let second = try call("CA6d2f1e5a7c8b9d0e1f2a3b4c5d6e7f80")
        XCTAssertEqual(second["outcome"] as? String, "missed", "\(second)")
        XCTAssertNil(second["answeredAt"])
        XCTAssertEqual(second["clientNumber"] as? String, "+40744555666")
        XCTAssertEqual(second["agentId"] as? Int, ana.id, "the agent it rang")
        XCTAssertEqual(second["endedAt"] as? String, "2026-11-23T10:05:30.000Z")

        // Our REST API callback reaches client 2 and closes the task.
        let back = try call("CA7e3a2f6b8d9c0e1f2a3b4c5d6e7f8091")
        XCTAssertEqual(back["direction"] as? String, "outbound")
        XCTAssertEqual(back["outcome"] as? String, "answered", "\(back)")
        XCTAssertEqual(back["clientNumber"] as? String, "+40744555666")
        let tasks = try missedCallTasks()
        XCTAssertEqual(tasks.count, 1, "\(tasks)")
        XCTAssertEqual(tasks.first?["callId"] as? Int, second["id"] as? Int)
        XCTAssertEqual(tasks.first?["state"] as? String, "done")
        XCTAssertEqual(tasks.first?["closedByCallId"] as? Int, back["id"] as? Int)
        XCTAssertEqual(try t.count("calls"), 3, "the <Dial> legs are not calls of their own")
        XCTAssertEqual(try t.count("contacts"), 2)
        try assertReplayChangesNothing("twilio", secret: secret, sign: sign)
    }

    /// A <Dial> leg is From = the caller, To = the agent: it lands on the caller's call, with the
    /// agent, and is not flagged for `client:ana` not being a phone number.
    func testTwilioDialLegsLandOnTheCallersCallWithTheAgentWhoAnswered() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let incoming = TwilioInboundCall(sid: "CA5c1e0d4f6b7a8c9d0e1f2a3b4c5d6e7f", caller: "+40722123456")
        let leg = "CAd054487efd29d633e1be9a33e94d6a39"
        let docs = Self.samples.deletingLastPathComponent().appendingPathComponent("webhooks")
        let documented = try String(contentsOf: docs.appendingPathComponent("twilio-dial-answered.txt"), encoding: .utf8)

        try postTwilioStored(secret, incoming.parent("ringing", at: "10:00:00", sequence: 0))
        try postTwilioStored(secret, incoming.leg(leg, to: "client:ana", "ringing", at: "10:00:02", sequence: 0))
        XCTAssertEqual(try call(incoming.sid)["agentId"] as? Int, ana.id, "Ana's screen pops while her Client rings")
        try postTwilioStored(secret, documented)   // webhooks/twilio-dial-answered.txt: Ana's leg in-progress at 10:00:10
        XCTAssertEqual(try call(incoming.sid)["state"] as? String, "answered")
        try postTwilioStored(secret, incoming.leg(leg, to: "client:ana", "completed", at: "10:03:20", sequence: 2, duration: 190))
        try postTwilioStored(secret, incoming.parent("completed", at: "10:03:20", sequence: 1, duration: 200))

        XCTAssertEqual(try t.count("calls"), 1, "the leg is part of the caller's call")
        XCTAssertEqual(try t.count("contacts"), 1)
        let merged = try call(incoming.sid)
        XCTAssertEqual(merged["direction"] as? String, "inbound")
        XCTAssertEqual(merged["clientNumber"] as? String, "+40722123456")
        XCTAssertEqual(merged["ourNumber"] as? String, "+40312345678")
        XCTAssertEqual(merged["agentId"] as? Int, ana.id)
        XCTAssertEqual(merged["outcome"] as? String, "answered", "\(merged)")
        XCTAssertEqual(merged["answeredAt"] as? String, "2026-11-23T10:00:10.000Z")
        XCTAssertEqual(merged["endedAt"] as? String, "2026-11-23T10:03:20.000Z")
        XCTAssertEqual(merged["talkTime"] as? Int, 190)
        XCTAssertNil(merged["flag"])
        XCTAssertEqual(try missedCallTasks().count, 0)
    }

    /// Twilio answers a call to our number itself to run the TwiML, so its `completed` is no answer:
    /// when no <Dial> leg was answered the call is missed, and a task is filed.
    func testTwilioInboundCallNoAgentAnsweredIsMissedWithOneTask() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let incoming = TwilioInboundCall(sid: "CAparent1", caller: "+40722123456")
        try postTwilioStored(secret, incoming.parent("ringing", at: "10:00:00", sequence: 0))
        // Twilio picking up to run the TwiML is not a person answering.
        try postTwilioStored(secret, incoming.parent("in-progress", at: "10:00:01", sequence: 1))
        XCTAssertEqual(try call(incoming.sid)["state"] as? String, "ringing")
        try postTwilioStored(secret, incoming.leg("CAchild1", to: "client:ana", "ringing", at: "10:00:02", sequence: 0))

        // Ana's leg is not answered (the reviewer's delivery): one agent missed it, the caller's call goes on.
        let noAnswer = "CallSid=CAchild1&ParentCallSid=CAparent1&CallStatus=no-answer&StatusCallbackEvent=completed"
            + "&Direction=outbound-dial&From=%2B40722123456&To=client%3Aana&SequenceNumber=1"
            + "&Timestamp=Mon%2C+23+Nov+2026+10%3A00%3A32+%2B0000&CallDuration=0"
        let ignored = try postTwilio(secret, noAnswer)
        XCTAssertEqual(ignored.status, 200, ignored.text)
        XCTAssertEqual(ignored.json["status"] as? String, "ignored", ignored.text)
        XCTAssertEqual(try call(incoming.sid)["state"] as? String, "ringing", "the caller is still on the line")

        // The parent completes (Twilio answered it, so `completed`, for 40 s of TwiML).
        let ended = try postTwilioStored(secret, incoming.parent("completed", at: "10:00:40", sequence: 2, duration: 40))
        XCTAssertNotNil((ended.json["events"] as? [[String: Any]])?.first?["taskId"] as? Int, ended.text)
        let missed = try call(incoming.sid)
        XCTAssertEqual(missed["outcome"] as? String, "missed", "\(missed)")
        XCTAssertNil(missed["answeredAt"], "no answer invented from CallDuration")
        XCTAssertEqual(missed["endedAt"] as? String, "2026-11-23T10:00:40.000Z")
        XCTAssertEqual(missed["clientNumber"] as? String, "+40722123456")
        XCTAssertEqual(missed["agentId"] as? Int, ana.id, "the agent it rang")
        let tasks = try missedCallTasks()
        XCTAssertEqual(tasks.count, 1, "\(tasks)")
        XCTAssertEqual(tasks.first?["state"] as? String, "open")
        XCTAssertEqual(tasks.first?["callId"] as? Int, missed["id"] as? Int)
        XCTAssertEqual(try t.count("calls"), 1)
    }

    /// A call rung to two agents, one leg not answered and the other answered, ends answered with no
    /// open task whatever order the callbacks arrive in (the parent's `completed` first included).
    func testTwilioCallRungToTwoAgentsEndsAnsweredWithoutAnOpenTaskInAnyOrder() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        _ = try t.addAgent("Bogdan", role: .manager, sip: ["bogdan"])
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        func orders(_ items: [Int]) -> [[Int]] {
            items.isEmpty ? [[]] : items.flatMap { first in orders(items.filter { $0 != first }).map { [first] + $0 } }
        }
        let all = orders([0, 1, 2, 3])
        for (index, order) in all.enumerated() {
            let incoming = TwilioInboundCall(sid: "CAorder\(index)", caller: "+407221000" + String(format: "%02d", index))
            let deliveries = [
                incoming.leg("CAbogdan\(index)", to: "sip:bogdan@office.sip.twilio.com", "no-answer", at: "10:00:20", sequence: 1),
                incoming.leg("CAana\(index)", to: "client:ana", "in-progress", at: "10:00:25", sequence: 1),
                incoming.leg("CAana\(index)", to: "client:ana", "completed", at: "10:02:25", sequence: 2, duration: 120),
                incoming.parent("completed", at: "10:02:25", sequence: 1, duration: 145),
            ]
            for item in order {
                let response = try postTwilio(secret, deliveries[item])
                XCTAssertEqual(response.status, 200, response.text)
            }
            let merged = try call(incoming.sid)
            XCTAssertEqual(merged["outcome"] as? String, "answered", "order \(order): \(merged)")
            XCTAssertEqual(merged["agentId"] as? Int, ana.id, "order \(order)")
            XCTAssertEqual(merged["answeredAt"] as? String, "2026-11-23T10:00:25.000Z", "order \(order)")
            XCTAssertEqual(merged["endedAt"] as? String, "2026-11-23T10:02:25.000Z", "order \(order)")
        }
        XCTAssertEqual(all.count, 24)
        XCTAssertEqual(try t.count("calls"), 24)
        let open = try missedCallTasks().filter { $0["state"] as? String == "open" }
        XCTAssertEqual(open.count, 0, "\(open)")
    }

    /// A call Ana places from her Twilio Client: the parent leg is From = client:ana, To = the number she
    /// asked for, and <Dial> bridges that number. It is her outbound call to that client.
    func testTwilioCallAnAgentPlacesFromATwilioClientIsOutboundToTheNumberDialled() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        func parent(_ sid: String, _ status: String, at time: String, sequence: Int, duration: Int? = nil) -> String {
            Self.twilioForm(["CallSid": sid, "CallStatus": status, "Direction": "inbound", "From": "client:ana", "To": "+40744555666",
                             "SequenceNumber": String(sequence), "Timestamp": Self.twilioTime(time), "CallDuration": duration.map(String.init) ?? ""])
        }
        // <Dial callerId="+40312345678">: the leg is From = our number, To = the client.
        func leg(_ sid: String, of parentSid: String, _ status: String, at time: String, sequence: Int, duration: Int? = nil) -> String {
            Self.twilioForm(["CallSid": sid, "ParentCallSid": parentSid, "CallStatus": status, "Direction": "outbound-dial",
                             "From": "+40312345678", "To": "+40744555666", "SequenceNumber": String(sequence),
                             "Timestamp": Self.twilioTime(time), "CallDuration": duration.map(String.init) ?? ""])
        }
        try postTwilioStored(secret, parent("CAout1", "ringing", at: "10:10:00", sequence: 0))
        try postTwilioStored(secret, parent("CAout1", "in-progress", at: "10:10:00", sequence: 1))
        try postTwilioStored(secret, leg("CAleg1", of: "CAout1", "ringing", at: "10:10:01", sequence: 0))
        XCTAssertEqual(try call("CAout1")["state"] as? String, "ringing", "Twilio answering Ana's Client is not the client answering")
        try postTwilioStored(secret, leg("CAleg1", of: "CAout1", "in-progress", at: "10:10:09", sequence: 1))
        try postTwilioStored(secret, leg("CAleg1", of: "CAout1", "completed", at: "10:11:09", sequence: 2, duration: 60))
        try postTwilioStored(secret, parent("CAout1", "completed", at: "10:11:10", sequence: 2, duration: 70))
        let answered = try call("CAout1")
        XCTAssertEqual(answered["direction"] as? String, "outbound")
        XCTAssertEqual(answered["clientNumber"] as? String, "+40744555666")
        XCTAssertEqual(answered["ourNumber"] as? String, "+40312345678", "the <Dial> callerId")
        XCTAssertEqual(answered["agentId"] as? Int, ana.id)
        XCTAssertEqual(answered["outcome"] as? String, "answered", "\(answered)")
        XCTAssertEqual(answered["answeredAt"] as? String, "2026-11-23T10:10:09.000Z")
        XCTAssertEqual(answered["talkTime"] as? Int, 60)

        // The client's line is busy: that is the call's outcome. Outbound, so no task.
        try postTwilioStored(secret, parent("CAout2", "ringing", at: "10:20:00", sequence: 0))
        try postTwilioStored(secret, leg("CAleg2", of: "CAout2", "busy", at: "10:20:03", sequence: 1))
        try postTwilioStored(secret, parent("CAout2", "completed", at: "10:20:04", sequence: 1, duration: 4))
        let busy = try call("CAout2")
        XCTAssertEqual(busy["outcome"] as? String, "busy", "\(busy)")
        XCTAssertEqual(busy["endReason"] as? String, "busy")
        XCTAssertEqual(busy["agentId"] as? Int, ana.id)
        XCTAssertEqual(try t.count("calls"), 2)
        XCTAssertEqual(try missedCallTasks().count, 0)
    }

    /// The <Dial action> request says whether the dialled party answered (DialCallStatus); its own
    /// CallStatus is the parent's `in-progress`, which is not an answer.
    func testTwilioDialActionTellsWhetherTheCallerWasPutThrough() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        func action(_ incoming: TwilioInboundCall, _ dialStatus: String, duration: Int) -> String {
            Self.twilioForm(["CallSid": incoming.sid, "CallStatus": "in-progress", "Direction": "inbound", "From": incoming.caller,
                             "To": TwilioInboundCall.ourNumber, "DialCallSid": incoming.sid + "-dialled", "DialCallStatus": dialStatus,
                             "DialCallDuration": String(duration)])
        }
        let through = TwilioInboundCall(sid: "CAthrough", caller: "+40722123456")
        try postTwilioStored(secret, through.parent("ringing", at: "10:00:00", sequence: 0))
        try postTwilioStored(secret, action(through, "completed", duration: 42))
        try postTwilioStored(secret, through.parent("completed", at: "10:01:00", sequence: 1, duration: 60))
        let answered = try call(through.sid)
        XCTAssertEqual(answered["outcome"] as? String, "answered", "\(answered)")
        XCTAssertEqual(answered["talkTime"] as? Int, 42)

        let notThrough = TwilioInboundCall(sid: "CAnotThrough", caller: "+40744555666")
        try postTwilioStored(secret, notThrough.parent("ringing", at: "10:05:00", sequence: 0))
        let ignored = try postTwilio(secret, action(notThrough, "no-answer", duration: 0))
        XCTAssertEqual(ignored.json["status"] as? String, "ignored", ignored.text)
        try postTwilioStored(secret, notThrough.parent("completed", at: "10:05:30", sequence: 1, duration: 30))
        let missed = try call(notThrough.sid)
        XCTAssertEqual(missed["outcome"] as? String, "missed", "\(missed)")
        XCTAssertEqual(try missedCallTasks().map { $0["callId"] as? Int }, [missed["id"] as? Int])
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

    /// Twilio drops the port (any port, not only the scheme's default) from an HTTPS callback URL
    /// before signing it, and its own validators try the URL both ways: a daemon on
    /// `https://host:8443` refused every real callback, and every call was lost.
    func testTwilioSignatureWithoutACustomPortOfThePublicURLIsAccepted() throws {
        let onPort = try TestDaemon { $0.publicURL = "https://sb.example.com:8443" }
        defer { onPort.stop() }
        let secret = try onPort.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        let path = "/webhooks/twilio/\(secret)"
        let body = try sample("twilio", "01-call1-ringing.txt")
        let form = ("Content-Type", "application/x-www-form-urlencoded")
        for (url, expected) in [("https://sb.example.com:8443", "stored"), ("https://sb.example.com", "duplicate")] {
            let response = try onPort.send("POST", path, headers: [
                ("X-Twilio-Signature", Self.twilioSignature(url: url + path, body: body)), form], body: body)
            XCTAssertEqual(response.status, 200, "\(url): \(response.text)")
            XCTAssertEqual(response.json["status"] as? String, expected, url)
        }
        // Another port, or another host, is still refused.
        for url in ["https://sb.example.com:9443", "https://other.example.com:8443"] {
            assertRefused(try onPort.send("POST", path, headers: [
                ("X-Twilio-Signature", Self.twilioSignature(url: url + path, body: body)), form], body: body), 401, "bad_signature")
        }
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

    func testTwilioStatusCallbackEventAndCallStatusGiveTheRightMoments() throws {
        let secret = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        // A REST API call with only `completed` subscribed (Twilio's default): the client answered,
        // for CallDuration seconds up to Timestamp.
        let completed = "CallSid=CA10&CallStatus=completed&Direction=outbound-api&From=%2B40312345678&To=%2B40722123456"
            + "&CallDuration=60&SequenceNumber=0&Timestamp=Mon%2C+23+Nov+2026+10%3A01%3A00+%2B0000"
        XCTAssertEqual(try postTwilio(secret, completed).status, 200)
        let only = try call("CA10")
        XCTAssertEqual(only["direction"] as? String, "outbound")
        XCTAssertEqual(only["clientNumber"] as? String, "+40722123456")
        XCTAssertEqual(only["outcome"] as? String, "answered")
        XCTAssertEqual(only["answeredAt"] as? String, "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(only["endedAt"] as? String, "2026-11-23T10:01:00.000Z")

        // StatusCallbackEvent names the moment; a completed event with a busy status is a missed call.
        let answered = "CallSid=CA11&CallStatus=in-progress&StatusCallbackEvent=answered&Direction=outbound-api"
            + "&From=%2B40312345678&To=%2B40744555666"
        XCTAssertEqual(try postTwilio(secret, answered).status, 200)
        XCTAssertEqual(try call("CA11")["state"] as? String, "answered")
        let busy = "CallSid=CA12&CallStatus=busy&StatusCallbackEvent=completed&Direction=outbound-api"
            + "&From=%2B40312345678&To=%2B40744555666"
        XCTAssertEqual(try postTwilio(secret, busy).status, 200)
        XCTAssertEqual(try call("CA12")["outcome"] as? String, "busy")
        XCTAssertEqual(try call("CA12")["endReason"] as? String, "busy")

        // On a call to our number `answered` is Twilio picking up to run the TwiML: still ringing for us.
        let pickedUp = "CallSid=CA13&CallStatus=in-progress&StatusCallbackEvent=answered&Direction=inbound"
            + "&From=%2B40744555666&To=%2B40312345678"
        XCTAssertEqual(try postTwilio(secret, pickedUp).status, 200)
        XCTAssertEqual(try call("CA13")["state"] as? String, "ringing")
    }
}
