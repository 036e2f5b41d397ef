import Foundation
import HTTPServer
import Store
@testable import Switchboard
import Synchronization
import TestSupport
import XCTest

/// Agents replying on WhatsApp: the outbox, the sender against a local server playing Meta's Graph API,
/// the 24-hour window, merge fields, roles, reply tasks and rebuild.
final class WhatsAppSendingTests: XCTestCase {
    /// A local Graph API: records every request and answers from a script (then 200 with a fresh wamid).
    final class FakeGraph: Sendable {
        enum Reply: Sendable {
            case ok(wamid: String)
            case metaError(status: Int, code: Int, message: String)
            case serverError
            case slow(seconds: Double)
        }
        struct Seen: Sendable {
            let path: String
            let authorization: String?
            let body: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        }

        /// Shared with the router's handler, which runs on the server's loop.
        final class State: Sendable {
            let seen = Mutex<[Seen]>([])
            let script = Mutex<[Reply]>([])
            let counter = Atomic<Int>(0)
        }

        let server: HTTPServer
        private let state = State()

        init() throws {
            var router = Router()
            let state = self.state
            router.setFallback { request, responder in
                state.seen.withLock { $0.append(Seen(path: String(request.path), authorization: request.header("authorization"),
                                               body: String(decoding: request.body, as: UTF8.self))) }
                let n = state.counter.add(1, ordering: .relaxed).newValue
                let reply = state.script.withLock { $0.isEmpty ? .ok(wamid: "wamid.OUT\(n)") : $0.removeFirst() }
                switch reply {
                case .ok(let wamid):
                    responder.send(.json(bytes: Array(#"{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"x"}],"messages":[{"id":"\#(wamid)"}]}"#.utf8)))
                case .metaError(let status, let code, let message):
                    responder.send(.json(bytes: Array(#"{"error":{"message":"\#(message)","type":"OAuthException","code":\#(code),"fbtrace_id":"A1"}}"#.utf8),
                                         status: status))
                case .serverError:
                    responder.send(.json(bytes: Array(#"{"error":{"message":"Service temporarily unavailable","code":2}}"#.utf8), status: 500))
                case .slow(let seconds):
                    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                        responder.send(.json(bytes: Array(#"{"messages":[{"id":"wamid.LATE"}]}"#.utf8)))
                    }
                }
            }
            server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 1, shutdownGrace: 0.5, logRequests: false),
                                router: router)
            try server.start()
        }

        var requests: [Seen] { state.seen.withLock { $0 } }
        func then(_ replies: Reply...) { state.script.withLock { $0 += replies } }
        var base: String { "http://127.0.0.1:\(server.port)" }
    }

    var t: TestDaemon!
    var graph: FakeGraph!
    let appSecret = "meta-app-secret"
    let phoneNumberId = "106540352242922"

    override func setUpWithError() throws {
        t = try TestDaemon()
        graph = try FakeGraph()
        // The test drives the outbox itself (runPass, with a later clock for retries): no background thread
        // races it, and nothing waits for a backoff. testBackgroundSenderSendsAsSoonAsAMessageIsQueued covers the thread.
        t.daemon.whatsAppSender.stop()
        t.daemon.whatsAppSender.tuning.withLock { $0.timeout = 1 }
    }

    override func tearDown() {
        t.stop()
        graph.server.shutdown()
    }

    // MARK: - Helpers

    @discardableResult
    func addChannel(_ name: String = "ro-sales", phoneNumberId: String? = nil, distribution: ChannelSettings.Distribution = .unsorted) throws -> Channel {
        var settings = ChannelSettings()
        settings.apiBase = graph.base
        settings.distribution = distribution
        return try t.daemon.channels.add(.init(name: name, phoneNumberId: phoneNumberId ?? self.phoneNumberId, displayNumber: "+40 312 345 678",
                                               region: "RO", appSecret: appSecret, verifyToken: "v", accessToken: "EAAG-token", settings: settings),
                                         baseURL: "http://x").channel
    }

    /// A signed Meta delivery (messages or statuses) to channel `ro-sales`.
    @discardableResult
    func deliver(messages: [[String: Any]] = [], statuses: [[String: Any]] = [], channel: String = "ro-sales") throws -> RawResponse {
        let value: [String: Any] = ["messaging_product": "whatsapp", "metadata": ["display_phone_number": "40312345678", "phone_number_id": phoneNumberId],
                                    "contacts": [["profile": ["name": "Ioana Pop"], "wa_id": "40722123456"]], "messages": messages, "statuses": statuses]
        let root: [String: Any] = ["object": "whatsapp_business_account", "entry": [["id": "1", "changes": [["value": value, "field": "messages"]]]]]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]), as: UTF8.self)
        let sign = "sha256=" + Crypto.hmacSHA256(key: Array(appSecret.utf8), data: Array(body.utf8)).hexString
        let response = try t.send("POST", "/webhooks/whatsapp/\(channel)", headers: [("X-Hub-Signature-256", sign), ("Content-Type", "application/json")], body: body)
        XCTAssertEqual(response.status, 200, response.text)
        return response
    }

    /// The client writes `text`, `ago` seconds before now; returns the contact id.
    @discardableResult
    func clientWrites(_ text: String = "Bună ziua", id: String = UUID().uuidString, ago: TimeInterval = 60) throws -> Int {
        let at = Int(Date().timeIntervalSince1970 - ago)
        try deliver(messages: [["from": "40722123456", "id": "wamid.in.\(id)", "timestamp": String(at), "type": "text", "text": ["body": text]]])
        return try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = '+40722123456'").int })
    }

    func status(_ wamid: String, _ status: String) -> [String: Any] {
        ["id": wamid, "status": status, "timestamp": String(Int(Date().timeIntervalSince1970)), "recipient_id": "40722123456"]
    }

    @discardableResult
    func send(_ contact: Int, _ body: [String: Any], key: String? = nil, idempotencyKey: String? = nil) throws -> RawResponse {
        var headers = [("Authorization", "Bearer \(key ?? t.supervisorKey)"), ("Content-Type", "application/json")]
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try t.send("POST", "/api/v1/contacts/\(contact)/messages", headers: headers, body: text)
    }

    /// Runs outbox passes, with a clock a day ahead so retries are due, until nothing is pending.
    func drain() {
        for _ in 0..<10 {
            t.daemon.whatsAppSender.runPass(now: Date().addingTimeInterval(86_400))
            if (try? t.count("wa_outbox", "state IN ('pending', 'sending')")) == 0 { return }
        }
        XCTFail("the outbox did not drain")
    }

    func message(_ where: String) throws -> Row {
        try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT * FROM wa_messages WHERE \(`where`) ORDER BY id DESC LIMIT 1") })
    }

    // MARK: - Sending

    func testTextInsideTheWindowIsSentOnceToMetaAndMetaStatusesLandOnIt() throws {
        try addChannel()
        let contact = try clientWrites()
        let response = try send(contact, ["text": "Bună {{contact.firstName}}, revin cu detalii."])
        XCTAssertEqual(response.status, 202, response.text)
        let sent = try XCTUnwrap(response.json["message"] as? [String: Any])
        XCTAssertEqual(sent["status"] as? String, "pending")
        XCTAssertEqual(sent["direction"] as? String, "outbound")
        XCTAssertEqual(sent["text"] as? String, "Bună Ioana, revin cu detalii.")
        drain()
        XCTAssertEqual(graph.requests.count, 1)
        let request = try XCTUnwrap(graph.requests.first)
        XCTAssertEqual(request.path, "/v21.0/\(phoneNumberId)/messages")
        XCTAssertEqual(request.authorization, "Bearer EAAG-token")
        XCTAssertEqual(request.json["messaging_product"] as? String, "whatsapp")
        XCTAssertEqual(request.json["to"] as? String, "40722123456")
        XCTAssertEqual(request.json["type"] as? String, "text")
        XCTAssertEqual((request.json["text"] as? [String: Any])?["body"] as? String, "Bună Ioana, revin cu detalii.")
        let row = try message("direction = 'outbound'")
        XCTAssertEqual(row.string("status"), "sent")
        XCTAssertEqual(row.string("wamid"), "wamid.OUT1")
        XCTAssertEqual(row.int("agent_id"), t.supervisorId)

        try deliver(statuses: [status("wamid.OUT1", "delivered")])
        XCTAssertEqual(try message("direction = 'outbound'").string("status"), "delivered")
        let items = try t.api("GET", "/api/v1/contacts/\(contact)/timeline").json["items"] as? [[String: Any]] ?? []
        let outbound = items.compactMap { $0["message"] as? [String: Any] }.first { $0["direction"] as? String == "outbound" }
        XCTAssertEqual(outbound?["status"] as? String, "delivered", "the reply is on the timeline with Meta's status")
        drain()
        XCTAssertEqual(graph.requests.count, 1, "sent once")
    }

    func testBackgroundSenderSendsAsSoonAsAMessageIsQueued() throws {
        t.daemon.whatsAppSender.start()
        try addChannel()
        let contact = try clientWrites()
        XCTAssertEqual(try send(contact, ["text": "salut"]).status, 202)
        // The only wait in these tests: the background thread is what is under test.
        let deadline = Date().addingTimeInterval(10)
        while try message("direction = 'outbound'").string("status") == "pending" && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(try message("direction = 'outbound'").string("status"), "sent")
        XCTAssertEqual(graph.requests.count, 1)
    }

    func testStatusThatOvertakesTheSendersWriteIsAppliedWhenTheWamidIsRecorded() throws {
        try addChannel()
        let contact = try clientWrites()
        graph.then(.ok(wamid: "wamid.FAST"))
        XCTAssertEqual(try send(contact, ["text": "salut"]).status, 202)
        try deliver(statuses: [status("wamid.FAST", "read")])
        drain()
        XCTAssertEqual(try message("direction = 'outbound'").string("status"), "read")
    }

    func testFreeTextOutsideTheWindowIs409NamingWhenItClosedAndTemplatesStillGo() throws {
        try addChannel()
        let ago: TimeInterval = 25 * 3600
        let contact = try clientWrites(ago: ago)
        let lastInbound = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT last_inbound_at FROM wa_threads").string })
        let closed = Timestamp.format(try XCTUnwrap(Timestamp.parse(lastInbound)).addingTimeInterval(24 * 3600))
        let refused = try send(contact, ["text": "salut"])
        XCTAssertEqual(refused.status, 409, refused.text)
        let message = (refused.json["error"] as? [String: Any])?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("closed at \(closed)"), message)
        XCTAssertEqual(try send(contact, ["text": "x", "attachments": []]).status, 409)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 0)

        let template = try send(contact, ["template": ["name": "order_update", "language": "ro",
                                                       "parameters": ["{{contact.name}}", "{{deal.title}}"]]])
        XCTAssertEqual(template.status, 202, template.text)
        drain()
        let body = try XCTUnwrap(graph.requests.first?.json)
        XCTAssertEqual(body["type"] as? String, "template")
        let sentTemplate = try XCTUnwrap(body["template"] as? [String: Any])
        XCTAssertEqual(sentTemplate["name"] as? String, "order_update")
        XCTAssertEqual((sentTemplate["language"] as? [String: Any])?["code"] as? String, "ro")
        let parameters = ((sentTemplate["components"] as? [[String: Any]])?.first?["parameters"] as? [[String: Any]])?.compactMap { $0["text"] as? String }
        XCTAssertEqual(parameters, ["Ioana Pop", "WhatsApp: Ioana Pop"], "the deal the conversation is on")

        // A client who never wrote on WhatsApp: no window at all.
        let stranger = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Dan", "phones": ["+40733000111"]]).json["id"] as? Int)
        XCTAssertEqual(try send(stranger, ["text": "salut"]).status, 409)
        XCTAssertEqual(try send(stranger, ["template": ["name": "hello", "language": "ro"]]).status, 202)
    }

    func testMergeFieldsAndPreviewDoNotSend() throws {
        try addChannel()
        let contact = try clientWrites()
        let preview = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview",
                                body: ["text": "{{contact.firstName}} / {{contact.name}} / {{contact.phone}} / {{ deal.title }} / {{agent.name}}"])
        XCTAssertEqual(preview.status, 200, preview.text)
        XCTAssertEqual(preview.json["text"] as? String, "Ioana / Ioana Pop / +40722123456 / WhatsApp: Ioana Pop / Sam Supervisor")
        XCTAssertEqual(preview.json["windowOpen"] as? Bool, true)
        XCTAssertNotNil(preview.json["windowClosesAt"] as? String)
        let unknown = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["text": "{{contact.email}}"])
        XCTAssertEqual(unknown.status, 422)
        XCTAssertTrue(unknown.text.contains("contact.email"), unknown.text)
        XCTAssertEqual(try send(contact, ["text": "{{contact.email}}"]).status, 422)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 0)
        XCTAssertEqual(try t.count("raw_events", "kind = 'whatsapp.outbound'"), 0)
        drain()
        XCTAssertEqual(graph.requests.count, 0, "a preview sends nothing")
    }

    func testAttachmentsGoAsOneMessageEachAndMoreThanFiveAre422() throws {
        try addChannel()
        let contact = try clientWrites()
        let six = (0..<6).map { ["type": "image", "link": "https://cdn.example.com/\($0).jpg"] }
        let tooMany = try send(contact, ["attachments": six])
        XCTAssertEqual(tooMany.status, 422, tooMany.text)
        XCTAssertEqual(try send(contact, ["attachments": [["type": "sticker", "link": "https://x/y"]]]).status, 422)
        XCTAssertEqual(try send(contact, ["attachments": [["type": "image"]]]).status, 422)
        let response = try send(contact, ["text": "Oferta:", "attachments": [
            ["type": "image", "link": "https://cdn.example.com/sofa.jpg", "caption": "Pentru {{contact.firstName}}"],
            ["type": "document", "mediaId": "1013859600285441", "filename": "oferta.pdf", "caption": "Oferta"],
        ]])
        XCTAssertEqual(response.status, 202, response.text)
        XCTAssertEqual((response.json["messages"] as? [[String: Any]])?.count, 3)
        drain()
        let bodies = graph.requests.map(\.json)
        XCTAssertEqual(bodies.map { $0["type"] as? String }, ["text", "image", "document"])
        XCTAssertEqual(bodies[1]["image"] as? [String: String], ["link": "https://cdn.example.com/sofa.jpg", "caption": "Pentru Ioana"])
        XCTAssertEqual(bodies[2]["document"] as? [String: String], ["id": "1013859600285441", "filename": "oferta.pdf", "caption": "Oferta"])
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound' AND status = 'sent'"), 3)
    }

    func testServerErrorsAreRetriedWithBackoffUntilMetaTakesTheMessage() throws {
        try addChannel()
        let contact = try clientWrites()
        graph.then(.serverError, .serverError, .ok(wamid: "wamid.THIRD"))
        XCTAssertEqual(try send(contact, ["text": "salut"]).status, 202)
        t.daemon.whatsAppSender.runPass()
        let waiting = try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT * FROM wa_outbox") })
        XCTAssertEqual(waiting.string("state"), "pending", "a 500 is retried later, not now")
        XCTAssertGreaterThan(waiting.string("next_attempt_at") ?? "", Timestamp.now())
        XCTAssertTrue((waiting.string("last_error") ?? "").contains("500"))
        drain()
        XCTAssertEqual(graph.requests.count, 3, "two 500s, then accepted once")
        XCTAssertEqual(try message("direction = 'outbound'").string("wamid"), "wamid.THIRD")
        XCTAssertEqual(try t.count("wa_outbox", "state = 'sent' AND attempts = 3"), 1)

        // Attempts are bounded: a part Meta never takes ends failed.
        t.daemon.whatsAppSender.tuning.withLock { $0.maxAttempts = 2 }
        graph.then(.serverError, .serverError, .serverError)
        XCTAssertEqual(try send(contact, ["text": "din nou"]).status, 202)
        drain()
        XCTAssertEqual(graph.requests.count, 5)
        let failed = try message("direction = 'outbound' AND text = 'din nou'")
        XCTAssertEqual(failed.string("status"), "failed")
        XCTAssertTrue((failed.string("error_message") ?? "").contains("after 2 attempts"), failed.string("error_message") ?? "")
    }

    func testUnreachableMetaIsRetriedBecauseNothingWasSent() throws {
        let channel = try addChannel()
        let contact = try clientWrites()
        var settings = channel.settings
        settings.apiBase = "http://127.0.0.1:1"
        _ = try t.daemon.channels.update(id: channel.id, .init(settings: settings))
        XCTAssertEqual(try send(contact, ["text": "salut"]).status, 202)
        t.daemon.whatsAppSender.runPass()
        XCTAssertEqual(try t.count("wa_outbox", "state = 'pending' AND attempts = 1 AND last_error LIKE '%unreachable%'"), 1)
        _ = try t.daemon.channels.update(id: channel.id, .init(settings: channel.settings))
        drain()
        XCTAssertEqual(try message("direction = 'outbound'").string("status"), "sent")
        XCTAssertEqual(graph.requests.count, 1)
    }

    func testTimeoutMarksTheMessageUnknownAndItIsNeverResent() throws {
        try addChannel()
        let contact = try clientWrites()
        graph.then(.slow(seconds: 2.5))
        XCTAssertEqual(try send(contact, ["text": "salut"]).status, 202)
        drain()
        XCTAssertEqual(graph.requests.count, 1)
        let row = try message("direction = 'outbound'")
        XCTAssertEqual(row.string("status"), "unknown")
        XCTAssertTrue((row.string("error_message") ?? "").contains("not sent again"), row.string("error_message") ?? "")
        drain()
        XCTAssertEqual(graph.requests.count, 1, "a request Meta may have acted on is never repeated")
        let items = try t.api("GET", "/api/v1/contacts/\(contact)/timeline").json["items"] as? [[String: Any]] ?? []
        let onTimeline = items.compactMap { $0["message"] as? [String: Any] }.first { $0["direction"] as? String == "outbound" }
        XCTAssertEqual(onTimeline?["status"] as? String, "unknown")
        XCTAssertNotNil(onTimeline?["errorMessage"] as? String)
    }

    func testMetaRefusalFailsTheMessageWithMetasCodeOnTheTimeline() throws {
        try addChannel()
        let contact = try clientWrites()
        graph.then(.metaError(status: 400, code: 131047, message: "Re-engagement message"))
        XCTAssertEqual(try send(contact, ["text": "salut"]).status, 202)
        drain()
        XCTAssertEqual(graph.requests.count, 1, "a 4xx is not retried")
        let items = try t.api("GET", "/api/v1/contacts/\(contact)/timeline").json["items"] as? [[String: Any]] ?? []
        let failed = try XCTUnwrap(items.compactMap { $0["message"] as? [String: Any] }.first { $0["direction"] as? String == "outbound" })
        XCTAssertEqual(failed["status"] as? String, "failed")
        XCTAssertEqual(failed["errorCode"] as? Int, 131047)
        XCTAssertTrue((failed["errorMessage"] as? String ?? "").contains("24 hours"), "\(failed)")
    }

    func testStartUpMarksInterruptedSendsUnknownAndResumesPendingOnes() throws {
        try addChannel()
        let contact = try clientWrites()
        XCTAssertEqual(try send(contact, ["text": "întrerupt"]).status, 202)
        XCTAssertEqual(try send(contact, ["text": "în așteptare"]).status, 202)
        // As a kill leaves them: one request in flight, one not yet tried.
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE wa_outbox SET state = 'sending', attempts = 1 WHERE id = (SELECT min(id) FROM wa_outbox)")
        }
        t.daemon.whatsAppSender.recoverInterrupted()
        drain()
        XCTAssertEqual(try message("text = 'întrerupt'").string("status"), "unknown")
        XCTAssertEqual(try message("text = 'în așteptare'").string("status"), "sent")
        XCTAssertEqual(graph.requests.count, 1, "only the part that never left is sent")
    }

    // MARK: - Threads, tasks, roles

    func testReplyResetsTheCounterAndClosesTheReplyTask() throws {
        try addChannel()
        let contact = try clientWrites("unu", id: "1")
        try clientWrites("doi", id: "2")
        XCTAssertEqual(try t.count("wa_threads", "unanswered = 2"), 1)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1)
        XCTAssertEqual(try send(contact, ["text": "Vă răspund imediat"]).status, 202)
        XCTAssertEqual(try t.count("wa_threads", "unanswered = 0 AND last_outbound_at IS NOT NULL"), 1)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'done' AND closed_by_agent_id = \(t.supervisorId)"), 1)
        try clientWrites("trei", id: "3", ago: 0)   // after the reply (a message from before it is answered already)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1, "a new streak, a new task")
    }

    func testConversationResetClearsTheCounterAndClosesTheTaskWithoutSending() throws {
        try addChannel()
        let contact = try clientWrites()
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/conversation/reset", key: qc.key, body: [:]).status, 403)
        let reset = try t.api("POST", "/api/v1/contacts/\(contact)/conversation/reset", body: ["channelId": 1])
        XCTAssertEqual(reset.status, 200, reset.text)
        XCTAssertNotNil(reset.json["closedTaskId"] as? Int)
        XCTAssertEqual(try t.count("wa_threads", "unanswered = 0"), 1)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 0)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/999/conversation/reset", body: [:]).status, 404)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/conversation/reset", body: ["channelId": 77]).status, 422)
    }

    func testIdempotencyKeySendsOnce() throws {
        try addChannel()
        let contact = try clientWrites()
        let first = try send(contact, ["text": "o dată"], idempotencyKey: "reply-1")
        XCTAssertEqual(first.status, 202)
        drain()
        let again = try send(contact, ["text": "o dată"], idempotencyKey: "reply-1")
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(again.json["outboundId"] as? String, first.json["outboundId"] as? String)
        XCTAssertEqual((again.json["message"] as? [String: Any])?["status"] as? String, "sent", "the repeat answers with the message as it is now")
        drain()
        XCTAssertEqual(graph.requests.count, 1)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1)
        // The key reused for another message (an agent copying the README's example): 422, not a
        // 200 with the first message while the second was never sent.
        let other = try send(contact, ["text": "altceva"], idempotencyKey: "reply-1")
        XCTAssertEqual(other.status, 422, other.text)
        XCTAssertTrue(other.text.contains("different request"), other.text)
        let respaced = try t.send("POST", "/api/v1/contacts/\(contact)/messages",
                                  headers: [("Authorization", "Bearer \(t.supervisorKey)"), ("Idempotency-Key", "reply-1")],
                                  body: #"{ "text" : "o dată" }"#)
        XCTAssertEqual(respaced.status, 200, "the same request spelt with other spacing is the retry: \(respaced.text)")
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1)
        // A reset's key reused for another channel: 422 too (it answered as if that one was reset).
        func reset(_ body: String) throws -> RawResponse {
            try t.send("POST", "/api/v1/contacts/\(contact)/conversation/reset",
                       headers: [("Authorization", "Bearer \(t.supervisorKey)"), ("Idempotency-Key", "r-1")], body: body)
        }
        XCTAssertEqual(try reset("{}").status, 200)
        XCTAssertEqual(try reset("{}").status, 200, "the retry")
        let otherReset = try reset(#"{"channelId": 1}"#)
        XCTAssertEqual(otherReset.status, 422, otherReset.text)
    }

    func testRolesAndUnknownContact() throws {
        try addChannel(distribution: .roundRobin)
        let contact = try clientWrites()
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        let owner = try t.addAgent("Olga", role: .manager)
        let other = try t.addAgent("Mihai", role: .manager)
        try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["ownerAgentId": owner.id])
        XCTAssertEqual(try send(contact, ["text": "x"], key: qc.key).status, 403)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", key: qc.key, body: ["text": "x"]).status, 200,
                       "quality control may look")
        XCTAssertEqual(try send(contact, ["text": "x"], key: other.key).status, 404, "another manager's client")
        XCTAssertEqual(try send(contact, ["text": "x"], key: owner.key).status, 202)
        XCTAssertEqual(try send(contact, ["text": "x"]).status, 202, "a supervisor writes to all")
        XCTAssertEqual(try send(999, ["text": "x"]).status, 404)
        XCTAssertEqual(try send(contact, [:]).status, 422)
        XCTAssertEqual(try send(contact, ["text": "x", "channelId": 42]).status, 422)
    }

    func testUnsortedClientBelongsToTheFirstAgentWhoReplies() throws {
        try addChannel(distribution: .unsorted)
        let ana = try t.daemon.agents.add(.init(name: "Ana", role: .manager, receivesNewClients: true))
        let bob = try t.daemon.agents.add(.init(name: "Bob", role: .manager, receivesNewClients: true))
        let contact = try clientWrites()
        XCTAssertEqual(try t.count("contacts", "owner_agent_id IS NULL"), 1)
        let events = try t.openEvents(key: bob.apiKey)
        let first = try send(contact, ["text": "Sunt Ana"], key: ana.apiKey)
        XCTAssertEqual(first.status, 202, first.text)
        XCTAssertEqual(try t.count("contacts", "owner_agent_id = \(ana.agent.id)"), 1)
        XCTAssertEqual(try events.nextEvent(named: "whatsapp.claimed")["ownerAgentId"] as? Int, ana.agent.id)
        XCTAssertEqual(try send(contact, ["text": "Sunt Bob"], key: bob.apiKey).status, 404, "the others lose the chat")
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contact)", key: bob.apiKey).status, 404, "no longer his to read")

        // The owner comes from the event: a rebuild gives the client to the same agent.
        drain()
        XCTAssertGreaterThan(try Rebuild.run(store: t.daemon.store) { _, _ in }, 0)
        XCTAssertEqual(try t.count("contacts", "owner_agent_id = \(ana.agent.id)"), 1)
    }

    // MARK: - Rebuild

    func testRebuildReproducesMessagesThreadsTasksAndTheOutbox() throws {
        try addChannel()
        let contact = try clientWrites("unu", id: "1")
        graph.then(.ok(wamid: "wamid.A"), .metaError(status: 400, code: 131026, message: "Undeliverable"), .slow(seconds: 2.5))
        XCTAssertEqual(try send(contact, ["text": "primul {{contact.firstName}}"]).status, 202)
        XCTAssertEqual(try send(contact, ["text": "al doilea"]).status, 202)
        XCTAssertEqual(try send(contact, ["text": "al treilea"]).status, 202)
        drain()
        try deliver(statuses: [status("wamid.A", "delivered")])
        try clientWrites("doi", id: "2")
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/conversation/reset", body: [:]).status, 200)
        try clientWrites("trei", id: "3")
        XCTAssertEqual(try send(contact, ["template": ["name": "hello", "language": "ro"]]).status, 202, "left pending")

        let before = try dump()
        XCTAssertTrue(before.contains("wamid.A") && before.contains("delivered") && before.contains("131026") && before.contains("unknown"))
        XCTAssertGreaterThan(try Rebuild.run(store: t.daemon.store) { _, _ in }, 0)
        XCTAssertEqual(try dump(), before)
        drain()
        XCTAssertEqual(graph.requests.count, 4, "after rebuild only the pending part is sent; nothing already tried goes again")
    }

    func dump() throws -> String {
        try t.daemon.store.read { db in
            var out = ""
            for (table, order) in [("contacts", "id"), ("deals", "id"), ("wa_messages", "id"), ("wa_threads", "channel_id, contact_id"),
                                   ("wa_status_history", "message_id, at, status"), ("tasks", "id"), ("timeline", "id"), ("wa_outbox", "id")] {
                for row in try db.query("SELECT * FROM \(table) ORDER BY \(order)") {
                    out += table + ": " + row.columns.map { "\($0)=\(row[$0])" }.joined(separator: " ") + "\n"
                }
            }
            return out
        }
    }
}

extension WhatsAppSendingTests {
    /// A reply that fails is no reply: the reply task it closed opens again with the unread
    /// count, so someone still answers the client. It stayed done and the thread showed nothing.
    func testAFailedReplyReopensTheReplyTask() throws {
        try addChannel()
        let contact = try clientWrites("unu", id: "1")
        try clientWrites("doi", id: "2")
        graph.then(.metaError(status: 400, code: 131026, message: "Undeliverable"))
        XCTAssertEqual(try send(contact, ["text": "Vă răspund imediat"]).status, 202)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0, "closed by the reply")
        drain()
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1, "the reply failed")
        XCTAssertEqual(try t.value("SELECT unanswered FROM wa_threads").int, 2)
        let thread = try XCTUnwrap((try t.api("GET", "/api/v1/conversations").json["conversations"] as? [[String: Any]])?.first)
        XCTAssertEqual(thread["awaitingReply"] as? Bool, true)
        XCTAssertEqual(thread["unanswered"] as? Int, 2)
        // A reply that goes through closes it again.
        graph.then(.ok(wamid: "wamid.OK"))
        XCTAssertEqual(try send(contact, ["text": "Revin"]).status, 202)
        drain()
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0)
    }
}

extension WhatsAppSendingTests {
    /// After Meta's `user_changed_number` the client is written to at the new number (the
    /// contact keeps its history under it); replies still went to the old one.
    func testARepliesGoToTheNumberTheClientChangedTo() throws {
        try addChannel()
        let contact = try clientWrites("Salut", id: "1", ago: 120)
        let changed: [String: Any] = ["from": "40722123456", "id": "wamid.sys", "timestamp": String(Int(Date().timeIntervalSince1970) - 60),
                                      "type": "system", "system": ["body": "Ioana changed her number", "type": "user_changed_number",
                                                                   "new_wa_id": "40744999002"]]
        XCTAssertEqual(try deliver(messages: [changed]).status, 200)
        let preview = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["text": "Bună"])
        XCTAssertEqual(preview.json["to"] as? String, "40744999002", preview.text)
        graph.then(.ok(wamid: "wamid.NEW"))
        XCTAssertEqual(try send(contact, ["text": "Bună"]).status, 202)
        drain()
        XCTAssertEqual(graph.requests.last?.json["to"] as? String, "40744999002")
    }
}

extension WhatsAppSendingTests {
    /// Messages an agent marked read (conversation reset) need no reply: a reply that then fails
    /// does not reopen the task the reset closed, nor count them unread again.
    func testAFailedReplyAfterAResetDoesNotReopenWhatWasRead() throws {
        try addChannel()
        let contact = try clientWrites("unu", id: "1")
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(contact)/conversation/reset", body: [:]).status, 200)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0)
        graph.then(.metaError(status: 400, code: 131026, message: "Undeliverable"))
        XCTAssertEqual(try send(contact, ["text": "Pentru orice întrebare, sunt aici"]).status, 202)
        drain()
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0, "read, so nothing awaits a reply")
        XCTAssertEqual(try t.value("SELECT unanswered FROM wa_threads").int, 0)
    }
}
