import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Wazzup v3 webhooks: the subscription ping, inbound messages, echoes of our own and the
/// phone's sends, skipped chats and types, statuses forward only; the example bodies in `webhooks/`.
final class WazzupWebhookTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""
    var channel: Channel!
    let wazzupChannel = "a1b2c3d4-5e6f-4711-8899-aabbccddeeff"

    override func setUpWithError() throws {
        t = try TestDaemon()
        let created = try t.daemon.channels.add(.init(name: "wz-moscow", provider: .wazzup, phoneNumberId: wazzupChannel, region: "RU",
                                                      accessToken: "wz-api-key"), baseURL: "http://x")
        secret = created.secret
        channel = created.channel
        XCTAssertEqual(created.webhook, "http://x/webhooks/wazzup/\(secret)")
    }

    override func tearDown() { t.stop() }

    /// `webhooks/<name>` at the top of the repository.
    func example(_ name: String) throws -> Any {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("webhooks").appendingPathComponent(name)
        return try JSONSerialization.jsonObject(with: try Data(contentsOf: url))
    }

    func message(_ id: String, type: String = "text", text: String? = "Здравствуйте", chatType: String = "whatsapp",
                 chatId: String = "79161234567", isEcho: Bool = false, status: String? = nil, at: String = "2026-11-23T10:00:00.000Z",
                 extra: [String: Any] = [:]) -> [String: Any] {
        var m: [String: Any] = ["messageId": id, "channelId": wazzupChannel, "chatType": chatType, "chatId": chatId, "dateTime": at,
                                "type": type, "isEcho": isEcho, "status": status ?? (isEcho ? "sent" : "inbound"),
                                "contact": ["name": "Олег Смирнов", "phone": chatId]]
        if let text { m["text"] = text }
        for (key, value) in extra { m[key] = value }
        return m
    }

    func row(_ wamid: String) throws -> Row? {
        try t.daemon.store.read { db in try db.queryOne("SELECT * FROM wa_messages WHERE wamid = ?", wamid) }
    }

    func testSubscriptionPingIsAnsweredAndStoresNothing() throws {
        let ping = try t.postWazzup(["test": true], secret: secret)
        XCTAssertEqual(ping.status, 200)
        XCTAssertEqual(try t.count("raw_events"), 0)
    }

    func testOnlyAWazzupChannelsSecretIsAccepted() throws {
        XCTAssertEqual(try t.postWazzup(["test": true], secret: "whc_" + String(repeating: "0", count: 48)).status, 401)
        let meta = try t.daemon.channels.add(.init(name: "meta", phoneNumberId: "1", region: "RO", appSecret: "s"), baseURL: "http://x")
        XCTAssertEqual(try t.postWazzup(["test": true], secret: meta.secret).status, 401, "a Meta channel's secret is not a Wazzup URL")
        XCTAssertEqual(try t.send("POST", "/webhooks/wazzup/\(secret)", headers: [("Content-Type", "application/json")], body: "[1").status, 400)
        XCTAssertEqual(try t.postWazzup(["messages": [["channelId": wazzupChannel]]], secret: secret).errorCode, "missing_field")
        XCTAssertEqual(try t.count("raw_events"), 0)
    }

    /// One message of a batch whose chatId is no phone number failed the whole batch (422), so
    /// Wazzup redelivered the good message with it for ever. It is kept as skipped, the rest stored.
    func testAMessageFromNoPhoneNumberIsSkippedAndTheBatchStored() throws {
        let response = try t.postWazzup(["messages": [message("good-1"), message("bad-1", chatId: "abc")]], secret: secret)
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.json["stored"] as? Int, 1, response.text)
        XCTAssertEqual(response.json["skipped"] as? Int, 1, response.text)
        XCTAssertEqual(try row("good-1")?.string("status"), "received")
        let bad = try XCTUnwrap(try row("bad-1"))
        XCTAssertEqual(bad.string("status"), "skipped")
        XCTAssertTrue((bad.string("skipped_reason") ?? "").contains("sender abc is not a phone number"), "\(bad)")
        XCTAssertEqual(try t.count("contacts"), 1)
    }

    func testInboundMessageCreatesTheClientDealAndReplyTaskOncePerMessageId() throws {
        let first = try t.postWazzup(["messages": [message("m-1")]], secret: secret)
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertEqual(first.json["stored"] as? Int, 1)
        let stored = try XCTUnwrap(try row("m-1"))
        XCTAssertEqual(stored.string("direction"), "inbound")
        XCTAssertEqual(stored.string("text"), "Здравствуйте")
        XCTAssertEqual(stored.string("sent_at"), "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(stored.int("channel_id"), channel.id)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+79161234567'").int)
        XCTAssertEqual(try t.value("SELECT name FROM contacts WHERE id = ?", contact).string, "Олег Смирнов")
        XCTAssertEqual(try t.count("deals"), 1)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1)
        XCTAssertEqual(try t.postWazzup(["messages": [message("m-1")]], secret: secret).json["duplicates"] as? Int, 1)
        XCTAssertEqual(try t.count("wa_messages"), 1)
    }

    func testGroupChatsLocationsContactCardsAndOtherMessengersAreRecordedAsSkipped() throws {
        let response = try t.postWazzup(["messages": [
            message("g-1", chatType: "whatsgroup", chatId: "79161234567-1600000000@g.us"),
            message("geo-1", type: "geo", text: "55.75, 37.61"),
            message("vc-1", type: "vcard", text: nil),
            message("tg-1", chatType: "telegram", chatId: "123456789"),
            message("u-1", type: "unsupported", text: nil),
        ]], secret: secret)
        XCTAssertEqual(response.json["skipped"] as? Int, 5)
        XCTAssertEqual(try row("g-1")?.string("skipped_reason"), "group messages are not synced")
        XCTAssertEqual(try row("geo-1")?.string("skipped_reason"), "location messages are not synced")
        XCTAssertEqual(try row("vc-1")?.string("skipped_reason"), "shared contact cards are not synced")
        XCTAssertEqual(try row("tg-1")?.string("skipped_reason"), "not a WhatsApp chat (chatType telegram)")
        XCTAssertEqual(try row("u-1")?.string("skipped_reason"), "unsupported message type unsupported")
        XCTAssertEqual(try t.count("tasks"), 0)
        XCTAssertEqual(try t.count("contacts"), 0, "a group or a location from a stranger makes no contact")
    }

    func testAPhoneSendIsAnOutboundMessageWithNoAgentThatAnswersTheClient() throws {
        try t.postWazzup(["messages": [message("m-1")]], secret: secret)
        let echo = message("e-1", text: "Да, в наличии", isEcho: true, at: "2026-11-23T10:05:00.000Z", extra: ["authorName": "Анна"])
        XCTAssertEqual(try t.postWazzup(["messages": [echo]], secret: secret).json["stored"] as? Int, 1)
        let stored = try XCTUnwrap(try row("e-1"))
        XCTAssertEqual(stored.string("direction"), "outbound")
        XCTAssertNil(stored.int("agent_id"))
        XCTAssertEqual(stored.string("status"), "sent")
        XCTAssertEqual(stored.int("contact_id"), try row("m-1")?.int("contact_id"))
        XCTAssertEqual(stored.int("deal_id"), try row("m-1")?.int("deal_id"), "the thread's deal")
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0, "answered, if from the phone")
        XCTAssertEqual(try t.value("SELECT unanswered FROM wa_threads").int, 0)
        XCTAssertEqual(try t.value("SELECT last_outbound_at FROM wa_threads").string, "2026-11-23T10:05:00.000Z")
        XCTAssertEqual(try t.postWazzup(["messages": [echo]], secret: secret).json["duplicates"] as? Int, 1)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1)
    }

    func testAPhoneSendToAStrangerMakesTheContact() throws {
        try t.postWazzup(["messages": [message("e-9", text: "Добрый день", chatId: "79031112233", isEcho: true)]], secret: secret)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+79031112233'").int)
        XCTAssertEqual(try row("e-9")?.int("contact_id"), contact)
        XCTAssertEqual(try t.count("deals"), 0, "a send of ours opens no deal")
    }

    func testTheEchoOfOurOwnSendOnlyGivesItsRowTheWazzupId() throws {
        try t.postWazzup(["messages": [message("m-1")]], secret: secret)
        let contact = try XCTUnwrap(try row("m-1")?.int("contact_id"))
        // The agent's message as the sender recorded it, before its answer with the id was written back.
        let (channelId, agentId) = (channel.id, t.supervisorId)
        try t.daemon.store.writeAndWait { db in
            try db.execute("""
                INSERT INTO wa_messages(channel_id, direction, contact_id, type, text, status, status_rank, agent_id, sent_at, created_at)
                VALUES (?, 'outbound', ?, 'text', 'Добрый день!', 'pending', 0, ?, '2026-11-23T10:01:00.000Z', '2026-11-23T10:01:00.000Z')
                """, channelId, contact, agentId)
        }
        try t.postWazzup(["messages": [message("e-2", text: "Добрый день!", isEcho: true)]], secret: secret)
        XCTAssertEqual(try t.count("wa_messages", "direction = 'outbound'"), 1, "no second copy")
        XCTAssertEqual(try row("e-2")?.int("agent_id"), t.supervisorId)
        XCTAssertEqual(try row("e-2")?.string("status"), "sent")
    }

    func testStatusesMapOntoOursAndOnlyMoveForward() throws {
        try t.postWazzup(["messages": [message("e-1", isEcho: true)]], secret: secret)
        let response = try t.postWazzup(["statuses": [
            ["messageId": "e-1", "timestamp": "2026-11-23T10:05:02.000Z", "status": "delivered"],
            ["messageId": "e-1", "timestamp": "2026-11-23T10:07:00.000Z", "status": "read"],
            ["messageId": "e-1", "timestamp": "2026-11-23T10:05:01.000Z", "status": "sent"],
            ["messageId": "e-1", "timestamp": "2026-11-23T10:05:01.000Z", "status": "edited"],
        ]], secret: secret)
        XCTAssertEqual(response.json["stored"] as? Int, 3)
        XCTAssertEqual(response.json["ignoredFields"] as? Int, 1)
        XCTAssertEqual(try row("e-1")?.string("status"), "read", "a late sent does not undo read")
        XCTAssertEqual(try t.count("wa_status_history"), 3, "every status is history, even the late one")

        try t.postWazzup(["messages": [message("e-2", isEcho: true)]], secret: secret)
        try t.postWazzup(["statuses": [["messageId": "e-2", "timestamp": "2026-11-23T10:06:00.000Z", "status": "error",
                                        "error": ["error": "BLOCKED", "description": "The contact blocked this number"]]]], secret: secret)
        XCTAssertEqual(try row("e-2")?.string("status"), "failed")
        XCTAssertEqual(try row("e-2")?.string("error_message"), "BLOCKED: The contact blocked this number")
    }

    func testMessagesOfChannelsSwitchboardDoesNotHandleAreAcknowledgedNotStored() throws {
        var other = message("x-1")
        other["channelId"] = "ffffffff-0000-4000-8000-000000000000"
        let response = try t.postWazzup(["messages": [other, message("m-1")]], secret: secret)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json["stored"] as? Int, 1)
        XCTAssertEqual(response.json["ignoredFields"] as? Int, 1)
        XCTAssertNil(try row("x-1"))
    }

    func testMessagesOfAnotherWazzupChannelOfOursLandOnIt() throws {
        let second = try t.daemon.channels.add(.init(name: "wz-spb", provider: .wazzup, phoneNumberId: "second-channel", region: "RU"),
                                               baseURL: "http://x").channel
        var m = message("s-1")
        m["channelId"] = "second-channel"
        try t.postWazzup(["messages": [m]], secret: secret)
        XCTAssertEqual(try row("s-1")?.int("channel_id"), second.id, "one Wazzup account, one webhook URL, many channels")
    }

    func testTheDocumentedExamplesAreAcceptedAsDescribed() throws {
        let messages = try t.postWazzup(try example("wazzup-messages.json"), secret: secret)
        XCTAssertEqual(messages.status, 200, messages.text)
        XCTAssertEqual(messages.json["stored"] as? Int, 3)
        XCTAssertEqual(messages.json["skipped"] as? Int, 2)
        XCTAssertEqual(try t.count("wa_media", "state = 'pending'"), 1)
        XCTAssertEqual(try t.count("tasks", "state = 'open'"), 0, "the phone answered")
        let statuses = try t.postWazzup(try example("wazzup-statuses.json"), secret: secret)
        XCTAssertEqual(statuses.json["stored"] as? Int, 3)
        XCTAssertEqual(try row("6e5c3a52-0f4b-4c1e-9a7d-2b1f0d9e8a03")?.string("status"), "read")
        XCTAssertEqual(try t.postWazzup(try example("wazzup-messages.json"), secret: secret).json["duplicates"] as? Int, 5)
    }

    func testRebuildReplaysWazzupDeliveriesToTheSameState() throws {
        try t.postWazzup(try example("wazzup-messages.json"), secret: secret)
        try t.postWazzup(try example("wazzup-statuses.json"), secret: secret)
        func snapshot() throws -> [String] {
            try t.daemon.store.read { db in
                try db.query("SELECT id, wamid, direction, contact_id, deal_id, status, skipped_reason FROM wa_messages ORDER BY id")
                    .map { $0.values.map { $0.string ?? "-" }.joined(separator: "|") }
            }
        }
        let before = try snapshot()
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try snapshot(), before)
    }
}

extension WazzupWebhookTests {
    /// A client message delivered after the reply that answered it (providers do not promise
    /// order) is already answered: no new reply task, no unread count. It opened a task that
    /// was overdue at once while the conversation list said nothing awaited a reply.
    func testAMessageOlderThanTheReplyArrivingLateOpensNoTask() throws {
        try t.postWazzup(["messages": [message("m-2", at: "2026-11-23T10:02:00.000Z")]], secret: secret)
        try t.postWazzup(["messages": [message("e-1", text: "Да", isEcho: true, at: "2026-11-23T10:05:00.000Z")]], secret: secret)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0)
        try t.postWazzup(["messages": [message("m-1", at: "2026-11-23T10:01:00.000Z")]], secret: secret)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 0)
        XCTAssertEqual(try t.value("SELECT unanswered FROM wa_threads").int, 0)
        // One written after the reply still waits for an answer.
        try t.postWazzup(["messages": [message("m-3", at: "2026-11-23T10:07:00.000Z")]], secret: secret)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1)
        XCTAssertEqual(try t.value("SELECT unanswered FROM wa_threads").int, 1)
    }
}

extension WazzupWebhookTests {
    /// Events received before a rule came in (its migration) are applied without it, by
    /// `rebuild` too: the late message of an older version opened a task that an agent then
    /// completed by id, and a rebuild under the new rule skipped those completions ("no task 2")
    /// and left another task open.
    func testRebuildAppliesEventsReceivedBeforeANewRuleAsTheyWere() throws {
        // As an older version ran: the rule is not in force yet.
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE rule_epochs SET since = '9999-01-01T00:00:00.000Z'") }
        try t.postWazzup(["messages": [message("m-2", at: "2026-11-23T10:02:00.000Z")]], secret: secret)
        try t.postWazzup(["messages": [message("e-1", text: "Да", isEcho: true, at: "2026-11-23T10:05:00.000Z")]], secret: secret)
        try t.postWazzup(["messages": [message("m-1", at: "2026-11-23T10:01:00.000Z")]], secret: secret)
        let late = try XCTUnwrap(try t.value("SELECT id FROM tasks WHERE state = 'open'").int, "the old rule: a task for the late message")
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(late)/complete").status, 200)
        try t.postWazzup(["messages": [message("m-3", at: "2026-11-23T10:07:00.000Z")]], secret: secret)
        let streak = try XCTUnwrap(try t.value("SELECT id FROM tasks WHERE state = 'open'").int)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(streak)/complete").status, 200)
        func tasks() throws -> [String] {
            try t.daemon.store.read { db in
                try db.query("SELECT id, state, closed_by_agent_id FROM tasks ORDER BY id").map { row in
                    "\(row.int("id") ?? 0):\(row.string("state") ?? ""):\(row.int("closed_by_agent_id") ?? 0)"
                }
            }
        }
        let live = try tasks()
        // The upgrade: the rule is in force from now on.
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE rule_epochs SET since = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
        }
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try tasks(), live)
        XCTAssertEqual(try t.count("raw_events", "outcome = 'skipped'"), 0)
        // A late message received now follows the rule.
        try t.postWazzup(["messages": [message("m-0", at: "2026-11-23T10:00:00.000Z")]], secret: secret)
        XCTAssertEqual(try t.count("tasks", "state = 'open'"), 0)
    }
}

extension WazzupWebhookTests {
    /// A WhatsApp reply task appears on the live stream when a client writes and leaves it when
    /// they are answered (task boards stayed stale: nothing was sent for reply tasks).
    func testReplyTasksAreAnnouncedOnTheLiveStream() throws {
        let stream = try t.openEvents(key: t.supervisorKey)
        try t.postWazzup(["messages": [message("m-1", at: "2026-11-23T10:00:00.000Z")]], secret: secret)
        let created = try stream.nextEvent(named: "task.created")
        XCTAssertEqual(created["kind"] as? String, "unanswered_message")
        try t.postWazzup(["messages": [message("e-1", text: "Да", isEcho: true, at: "2026-11-23T10:05:00.000Z")]], secret: secret)
        let completed = try stream.nextEvent(named: "task.completed")
        XCTAssertEqual(completed["id"] as? Int, created["id"] as? Int)
        XCTAssertEqual(completed["state"] as? String, "done")
    }
}
