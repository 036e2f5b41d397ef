import Foundation
import HTTPServer
import Store
@testable import Switchboard
import Synchronization
import TestSupport
import XCTest

/// Agents replying on a Wazzup channel: the outbox and the sender against a local server playing
/// Wazzup's `POST /v3/message` (which, like Wazzup, refuses a repeated `crmMessageId`), retries,
/// timeouts, refusals, and the echoes Wazzup sends back for our own messages.
final class WazzupSendingTests: XCTestCase {
    /// A local Wazzup: records every request, answers from a script (then 201 with a fresh id), and
    /// answers a `crmMessageId` it already took with `repeatedCrmMessageId`, as Wazzup does.
    final class FakeWazzup: Sendable {
        enum Reply: Sendable {
            case created
            case error(status: Int, code: String, description: String)
            /// Never answers: the sender's timeout runs out.
            case silent
        }
        struct Seen: Sendable {
            let path: String
            let authorization: String?
            let body: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
            var crmMessageId: String { json["crmMessageId"] as? String ?? "" }
        }

        /// Shared with the router's handler, which runs on the server's loop.
        final class State: Sendable {
            let seen = Mutex<[Seen]>([])
            let script = Mutex<[Reply]>([])
            let taken = Mutex<[String: String]>([:])
            let counter = Atomic<Int>(0)
            let silent = Mutex<[Responder]>([])
            /// Runs before the answer to a request that is taken (the echo overtaking the answer).
            let beforeAnswer = Mutex<(@Sendable (Seen, String) -> Void)?>(nil)
        }

        let server: HTTPServer
        let state = State()

        init() throws {
            var router = Router()
            let state = self.state
            router.setFallback { request, responder in
                let seen = Seen(path: String(request.path), authorization: request.header("authorization"),
                                body: String(decoding: request.body, as: UTF8.self))
                state.seen.withLock { $0.append(seen) }
                if state.taken.withLock({ $0[seen.crmMessageId] }) != nil {
                    responder.send(.json(bytes: Array(#"{"error":"repeatedCrmMessageId","description":"You have already sent message with the same crmMessageId"}"#.utf8),
                                         status: 400))
                    return
                }
                switch state.script.withLock({ $0.isEmpty ? .created : $0.removeFirst() }) {
                case .created:
                    let id = "wz-out-\(state.counter.add(1, ordering: .relaxed).newValue)"
                    state.taken.withLock { $0[seen.crmMessageId] = id }
                    state.beforeAnswer.withLock { $0 }?(seen, id)
                    responder.send(.json(bytes: Array(#"{"messageId":"\#(id)","chatId":"\#(seen.json["chatId"] as? String ?? "")"}"#.utf8), status: 201))
                case .error(let status, let code, let description):
                    responder.send(.json(bytes: Array(#"{"error":"\#(code)","description":"\#(description)"}"#.utf8), status: status))
                case .silent:
                    state.silent.withLock { $0.append(responder) }
                }
            }
            server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 1, shutdownGrace: 0.5, logRequests: false),
                                router: router)
            try server.start()
        }

        var requests: [Seen] { state.seen.withLock { $0 } }
        /// The Wazzup id given to `crmMessageId`, if it was taken.
        func id(of crmMessageId: String) -> String? { state.taken.withLock { $0[crmMessageId] } }
        func then(_ replies: Reply...) { state.script.withLock { $0 += replies } }
        var base: String { "http://127.0.0.1:\(server.port)" }
    }

    var t: TestDaemon!
    var wazzup: FakeWazzup!
    var secret = ""
    let wazzupChannel = "a1b2c3d4-5e6f-4711-8899-aabbccddeeff"

    override func setUpWithError() throws {
        t = try TestDaemon()
        wazzup = try FakeWazzup()
        // As in WhatsAppSendingTests: the test drives the outbox itself, nothing waits for a backoff.
        t.daemon.whatsAppSender.stop()
        t.daemon.whatsAppSender.tuning.withLock { $0.timeout = 0.5 }
        var settings = ChannelSettings()
        settings.apiBase = wazzup.base
        secret = try t.daemon.channels.add(.init(name: "wz-moscow", provider: .wazzup, phoneNumberId: wazzupChannel, region: "RU",
                                                 accessToken: "wz-api-key", settings: settings), baseURL: "http://x").secret
    }

    override func tearDown() {
        t.stop()
        wazzup.server.shutdown()
    }

    // MARK: - Helpers

    /// A Wazzup message of the client's (or, with `isEcho`, of the business side's) on our channel.
    func wazzupMessage(_ id: String, text: String? = "Здравствуйте", type: String = "text", isEcho: Bool = false, ago: TimeInterval = 60,
                       crmMessageId: String? = nil, contentUri: String? = nil) -> [String: Any] {
        var m: [String: Any] = ["messageId": id, "channelId": wazzupChannel, "chatType": "whatsapp", "chatId": "79161234567",
                                "dateTime": Timestamp.format(Date().addingTimeInterval(-ago)), "type": type, "isEcho": isEcho,
                                "status": isEcho ? "sent" : "inbound", "contact": ["name": "Олег Смирнов", "phone": "79161234567"]]
        if let text { m["text"] = text }
        if let crmMessageId { m["crmMessageId"] = crmMessageId }
        if let contentUri { m["contentUri"] = contentUri }
        return m
    }

    /// The client writes, `ago` seconds before now; returns the contact id.
    @discardableResult
    func clientWrites(ago: TimeInterval = 60) throws -> Int {
        let response = try t.postWazzup(["messages": [wazzupMessage("in-\(UUID().uuidString)", ago: ago)]], secret: secret)
        XCTAssertEqual(response.json["stored"] as? Int, 1, response.text)
        return try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+79161234567'").int)
    }

    @discardableResult
    func send(_ contact: Int, _ body: [String: Any]) throws -> RawResponse {
        try t.api("POST", "/api/v1/contacts/\(contact)/messages", body: body)
    }

    /// Runs outbox passes, with a clock a day ahead so retries are due, until nothing is pending.
    func drain() {
        for _ in 0..<10 {
            t.daemon.whatsAppSender.runPass(now: Date().addingTimeInterval(86_400))
            if (try? t.count("wa_outbox", "state IN ('pending', 'sending')")) == 0 { return }
        }
        XCTFail("the outbox did not drain")
    }

    func outbound() throws -> Row {
        try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT * FROM wa_messages WHERE direction = 'outbound' ORDER BY id DESC LIMIT 1") })
    }

    // MARK: - Tests

    func testTextIsSentOnceAndWazzupsStatusesAndEchoLandOnIt() throws {
        let contact = try clientWrites()
        let response = try send(contact, ["text": "Добрый день, {{contact.firstName}}!"])
        XCTAssertEqual(response.status, 202, response.text)
        let partId = try XCTUnwrap(try outbound().string("outbound_id"))
        XCTAssertEqual(try t.value("SELECT request FROM wa_outbox").string.map { $0.contains("\"partId\"") }, true, "the outbox keeps the part")
        drain()
        XCTAssertEqual(wazzup.requests.count, 1)
        let request = try XCTUnwrap(wazzup.requests.first)
        XCTAssertEqual(request.path, "/v3/message")
        XCTAssertEqual(request.authorization, "Bearer wz-api-key")
        XCTAssertEqual(request.json as? [String: String], ["channelId": wazzupChannel, "chatType": "whatsapp", "chatId": "79161234567",
                                                           "text": "Добрый день, Олег!", "crmMessageId": partId])
        let id = try XCTUnwrap(wazzup.id(of: partId))
        XCTAssertEqual(try outbound().string("wamid"), id)
        XCTAssertEqual(try outbound().string("status"), "sent")

        // Wazzup's echo of our own send, then its statuses: no second copy, the status moves forward.
        let echo = try t.postWazzup(["messages": [wazzupMessage(id, text: "Добрый день, Олег!", isEcho: true, ago: 0, crmMessageId: partId)]],
                                    secret: secret)
        XCTAssertEqual(echo.status, 200, echo.text)
        try t.postWazzup(["statuses": [["messageId": id, "timestamp": Timestamp.now(), "status": "delivered"]]], secret: secret)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1, "the echo is not a second message")
        XCTAssertEqual(try outbound().int("agent_id"), t.supervisorId)
        XCTAssertEqual(try outbound().string("status"), "delivered")
        drain()
        XCTAssertEqual(wazzup.requests.count, 1, "sent once")
    }

    func testFileWithACaptionIsTwoWazzupMessagesOneMessageHere() throws {
        let contact = try clientWrites()
        let response = try send(contact, ["attachments": [["type": "image", "link": "https://cdn.example.com/sofa.jpg", "caption": "Для {{contact.firstName}}"]]])
        XCTAssertEqual(response.status, 202, response.text)
        drain()
        let partId = try XCTUnwrap(try outbound().string("outbound_id"))
        XCTAssertEqual(wazzup.requests.map { $0.json["contentUri"] as? String }, ["https://cdn.example.com/sofa.jpg", nil])
        XCTAssertEqual(wazzup.requests.map { $0.json["text"] as? String }, [nil, "Для Олег"])
        XCTAssertEqual(wazzup.requests.map(\.crmMessageId), [partId, "\(partId).caption"])
        let fileId = try XCTUnwrap(wazzup.id(of: partId))
        let captionId = try XCTUnwrap(wazzup.id(of: "\(partId).caption"))
        XCTAssertEqual(try outbound().string("wamid"), fileId, "the file's id is the message's")
        XCTAssertEqual(try outbound().string("status"), "sent")

        // Both echoes: the file's lands on the message, the caption's adds nothing.
        let echoes = try t.postWazzup(["messages": [
            wazzupMessage(fileId, text: nil, type: "image", isEcho: true, ago: 0, crmMessageId: partId, contentUri: "https://store.wazzup24.com/f1"),
            wazzupMessage(captionId, text: "Для Олег", isEcho: true, ago: 0, crmMessageId: "\(partId).caption"),
        ]], secret: secret)
        XCTAssertEqual(echoes.status, 200, echoes.text)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1)
        XCTAssertEqual(try t.count("timeline", "kind = 'message'"), 2, "the client's message and ours")
    }

    func testServerErrorsAreRetriedAndWhatWentOutIsNotSentAgain() throws {
        let contact = try clientWrites()
        wazzup.then(.error(status: 503, code: "serviceUnavailable", description: "Try later"),
                    .error(status: 429, code: "tooManyRequests", description: "Rate limit"))
        XCTAssertEqual(try send(contact, ["text": "Привет"]).status, 202)
        t.daemon.whatsAppSender.runPass()
        let waiting = try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT * FROM wa_outbox") })
        XCTAssertEqual(waiting.string("state"), "pending", "a 503 is retried later, not now")
        XCTAssertGreaterThan(waiting.string("next_attempt_at") ?? "", Timestamp.now())
        XCTAssertTrue((waiting.string("last_error") ?? "").contains("503"), waiting.string("last_error") ?? "")
        drain()
        XCTAssertEqual(wazzup.requests.count, 3, "503, 429, then taken")
        XCTAssertEqual(try outbound().string("status"), "sent")
        XCTAssertEqual(try t.count("wa_outbox", "state = 'sent' AND attempts = 3"), 1)

        // The file goes, its caption meets a 500: the retry repeats the file's crmMessageId (Wazzup
        // answers repeatedCrmMessageId: already sent) and sends the caption.
        wazzup.then(.created, .error(status: 500, code: "internalError", description: "Oops"))
        XCTAssertEqual(try send(contact, ["attachments": [["type": "document", "link": "https://cdn.example.com/offer.pdf", "caption": "Оферта"]]]).status, 202)
        t.daemon.whatsAppSender.runPass()
        let partId = try XCTUnwrap(try outbound().string("outbound_id"))
        XCTAssertEqual(try outbound().string("wamid"), wazzup.id(of: partId), "the file's id is recorded at once")
        XCTAssertEqual(try t.count("wa_outbox", "outbound_id = '\(partId)' AND state = 'pending' AND last_error LIKE '%caption%'"), 1)
        drain()
        XCTAssertEqual(wazzup.requests.suffix(4).map(\.crmMessageId), [partId, "\(partId).caption", partId, "\(partId).caption"])
        XCTAssertEqual(wazzup.state.taken.withLock { $0.count }, 3, "Wazzup sent the text, the file and the caption once each")
        XCTAssertEqual(try t.count("wa_outbox", "outbound_id = '\(partId)' AND state = 'sent'"), 1)
        XCTAssertEqual(try outbound().string("status"), "sent")
    }

    func testTimeoutMarksTheMessageUnknownAndItIsNeverResent() throws {
        let contact = try clientWrites()
        wazzup.then(.silent)
        XCTAssertEqual(try send(contact, ["text": "Привет"]).status, 202)
        drain()
        XCTAssertEqual(wazzup.requests.count, 1)
        let row = try outbound()
        XCTAssertEqual(row.string("status"), "unknown")
        XCTAssertTrue((row.string("error_message") ?? "").contains("Wazzup did not answer"), row.string("error_message") ?? "")
        drain()
        XCTAssertEqual(wazzup.requests.count, 1, "a request Wazzup may have acted on is never repeated")
    }

    func testRefusalFailsTheMessageWithWazzupsError() throws {
        let contact = try clientWrites()
        wazzup.then(.error(status: 400, code: "CHANNEL_BLOCKED", description: "The channel is not active"))
        XCTAssertEqual(try send(contact, ["text": "Привет"]).status, 202)
        drain()
        XCTAssertEqual(wazzup.requests.count, 1, "a 4xx is not retried")
        let row = try outbound()
        XCTAssertEqual(row.string("status"), "failed")
        XCTAssertEqual(row.string("error_message"), "Wazzup refused the message: CHANNEL_BLOCKED: The channel is not active")

        // A caption refused after its file went: the message is sent, and says what became of the caption.
        wazzup.then(.created, .error(status: 400, code: "TEXT_TOO_LONG", description: "Text is too long"))
        XCTAssertEqual(try send(contact, ["attachments": [["type": "image", "link": "https://cdn.example.com/a.jpg", "caption": "Фото"]]]).status, 202)
        drain()
        let file = try outbound()
        XCTAssertEqual(file.string("status"), "sent")
        XCTAssertEqual(file.string("error_message"), "the file was sent, its caption was not: Wazzup refused the message: TEXT_TOO_LONG: Text is too long")
        XCTAssertEqual(wazzup.requests.count, 3)
    }

    func testAnEchoThatOvertakesTheSendersAnswerDoesNotDuplicateTheMessage() throws {
        let contact = try clientWrites()
        let (daemon, secret, channel) = (t!, self.secret, wazzupChannel)
        // Wazzup's webhook with the echo reaches us before its answer to the send does.
        wazzup.state.beforeAnswer.withLock {
            $0 = { seen, id in
                let echo: [String: Any] = ["messageId": id, "channelId": channel, "chatType": "whatsapp", "chatId": "79161234567",
                                           "dateTime": Timestamp.now(), "type": "text", "isEcho": true, "status": "sent",
                                           "text": seen.json["text"] as? String ?? "", "crmMessageId": seen.crmMessageId]
                _ = try? daemon.postWazzup(["messages": [echo]], secret: secret)
            }
        }
        XCTAssertEqual(try send(contact, ["text": "Привет"]).status, 202)
        drain()
        XCTAssertEqual(try t.count("raw_events", "kind = 'whatsapp.echo'"), 1, "the echo came first")
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1)
        let row = try outbound()
        XCTAssertEqual(row.string("wamid"), wazzup.id(of: row.string("outbound_id") ?? ""))
        XCTAssertEqual(row.string("status"), "sent")
        XCTAssertEqual(row.int("agent_id"), t.supervisorId)
    }

    func testNoCustomerServiceWindowButTemplatesAndMetaMediaIdsAreRefusedBeforeRecording() throws {
        let contact = try clientWrites(ago: 3 * 86_400)
        let preview = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["text": "Привет"])
        XCTAssertEqual(preview.json["windowOpen"] as? Bool, true, preview.text)
        XCTAssertEqual(try send(contact, ["text": "Привет через три дня"]).status, 202, "a WhatsApp number linked to Wazzup has no 24-hour rule")
        let template = try send(contact, ["template": ["name": "hello", "language": "ru"]])
        XCTAssertEqual(template.status, 422, template.text)
        XCTAssertEqual(try send(contact, ["attachments": [["type": "document", "mediaId": "1013859600285441"]]]).status, 422)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1)
        drain()
        XCTAssertEqual(wazzup.requests.count, 1)
    }

    func testRebuildKeepsTheOutboxAndSendsNothingAgain() throws {
        let contact = try clientWrites()
        wazzup.then(.created, .error(status: 400, code: "BAD_CONTACT", description: "No WhatsApp"))
        XCTAssertEqual(try send(contact, ["text": "один"]).status, 202)
        XCTAssertEqual(try send(contact, ["text": "два"]).status, 202)
        drain()
        func snapshot() throws -> [String] {
            try t.daemon.store.read { db in
                try db.query("SELECT m.wamid, m.status, m.error_message, o.state, o.request FROM wa_messages m LEFT JOIN wa_outbox o ON o.outbound_id = m.outbound_id ORDER BY m.id")
                    .map { $0.values.map { $0.string ?? "-" }.joined(separator: "|") }
            }
        }
        let before = try snapshot()
        XCTAssertGreaterThan(try Rebuild.run(store: t.daemon.store) { _, _ in }, 0)
        XCTAssertEqual(try snapshot(), before)
        drain()
        XCTAssertEqual(wazzup.requests.count, 2)
    }
}

extension WazzupSendingTests {
    /// Wazzup sends every status of the account to one URL; one that overtakes the answer to a
    /// send through another of our Wazzup channels lands on that message when the answer is
    /// recorded (Wazzup ids are unique across the account). It was kept under the URL's channel
    /// and never applied: the message stayed `sent` after it was read.
    func testAnEarlyStatusForAnotherWazzupChannelsMessageIsApplied() throws {
        var settings = ChannelSettings()
        settings.apiBase = wazzup.base
        let second = try t.daemon.channels.add(.init(name: "wz-spb", provider: .wazzup, phoneNumberId: "b2c3d4e5-0000-4711-8899-aabbccddeeff",
                                                     region: "RU", accessToken: "wz-api-key", settings: settings), baseURL: "http://x")
        let contact = try clientWrites()
        let (daemon, secret) = (t!, self.secret)
        wazzup.state.beforeAnswer.withLock {
            $0 = { _, id in
                _ = try? daemon.postWazzup(["statuses": [["messageId": id, "timestamp": Timestamp.now(), "status": "read"]]], secret: secret)
            }
        }
        XCTAssertEqual(try send(contact, ["text": "Привет", "channelId": second.channel.id]).status, 202)
        drain()
        let row = try outbound()
        XCTAssertEqual(row.int("channel_id"), second.channel.id)
        XCTAssertEqual(row.string("status"), "read")
    }
}
