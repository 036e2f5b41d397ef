import Foundation
@testable import Switchboard
import TestSupport
import XCTest

final class WhatsAppInboundTests: XCTestCase {
    var t: TestDaemon!
    let appSecret = "meta-app-secret"

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    @discardableResult
    func addChannel(_ name: String = "ro-sales", phoneNumberId: String = "106540352242922", settings: ChannelSettings = .init()) throws -> Channel {
        try t.daemon.channels.add(.init(name: name, phoneNumberId: phoneNumberId, displayNumber: "+40 312 345 678", region: "RO",
                                        appSecret: appSecret, verifyToken: "verify-me", accessToken: "EAAG", settings: settings),
                                  baseURL: "http://x").channel
    }

    /// A Meta delivery with `messages` and `statuses` for one business number.
    func delivery(phoneNumberId: String = "106540352242922", messages: [[String: Any]] = [], statuses: [[String: Any]] = [],
                  contacts: [[String: Any]] = [["profile": ["name": "Ioana Pop"], "wa_id": "40722123456"]]) -> String {
        let value: [String: Any] = ["messaging_product": "whatsapp",
                                    "metadata": ["display_phone_number": "40312345678", "phone_number_id": phoneNumberId],
                                    "contacts": contacts, "messages": messages, "statuses": statuses]
        let root: [String: Any] = ["object": "whatsapp_business_account",
                                   "entry": [["id": "102290129340398", "changes": [["value": value, "field": "messages"]]]]]
        return String(decoding: try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]), as: UTF8.self)  // test fixture
    }

    func text(_ id: String, _ body: String, from: String = "40722123456", at: Int = 1_795_428_000) -> [String: Any] {
        ["from": from, "id": id, "timestamp": String(at), "type": "text", "text": ["body": body]]
    }

    @discardableResult
    func post(_ body: String, channel: String = "ro-sales", signature: String? = nil) throws -> RawResponse {
        let sign = signature ?? "sha256=" + Crypto.hmacSHA256(key: Array(appSecret.utf8), data: Array(body.utf8)).hexString
        return try t.send("POST", "/webhooks/whatsapp/\(channel)",
                          headers: [("X-Hub-Signature-256", sign), ("Content-Type", "application/json")], body: body)
    }

    func testVerificationHandshake() throws {
        try addChannel()
        let ok = try t.send("GET", "/webhooks/whatsapp/ro-sales?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.text, "1158201444")
        XCTAssertEqual(try t.send("GET", "/webhooks/whatsapp/ro-sales?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1").status, 403)
    }

    func testSignatureIsCheckedOverTheRawBytesAndBadInputStoresNothing() throws {
        try addChannel()
        let body = delivery(messages: [text("wamid.1", "Bună ziua")])
        XCTAssertEqual(try post(body, signature: "sha256=" + String(repeating: "0", count: 64)).status, 401)
        let missing = try t.send("POST", "/webhooks/whatsapp/ro-sales", headers: [("Content-Type", "application/json")], body: body)
        XCTAssertEqual(missing.status, 401)
        XCTAssertTrue(missing.text.contains("missing X-Hub-Signature-256"), missing.text)
        // A bare hex HMAC (a proxy or a hand-made test that dropped the prefix) is there, but malformed.
        let bare = try post(body, signature: Crypto.hmacSHA256(key: Array(appSecret.utf8), data: Array(body.utf8)).hexString)
        XCTAssertEqual(bare.status, 401)
        XCTAssertTrue(bare.text.contains("does not start with sha256="), bare.text)
        // The same JSON re-serialised with other spacing no longer matches the signature made over the original bytes.
        let original = "sha256=" + Crypto.hmacSHA256(key: Array(appSecret.utf8), data: Array(body.utf8)).hexString
        XCTAssertEqual(try post(body.replacingOccurrences(of: ",", with: ", "), signature: original).status, 401)
        XCTAssertEqual(try post("not json").status, 400)
        XCTAssertEqual(try post(#"{"object":"page","entry":[]}"#).errorCode, "invalid_field")
        XCTAssertEqual(try post(#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"},"messages":[]}}]}]}"#).status, 422)
        let huge = #"{"object":"whatsapp_business_account","entry":[],"pad":""# + String(repeating: "x", count: 3 * 1024 * 1024) + #""}"#
        XCTAssertEqual(try post(huge).status, 413)
        XCTAssertEqual(try t.count("raw_events"), 0)
        XCTAssertEqual(try t.count("wa_messages"), 0)
        XCTAssertEqual(try t.count("contacts"), 0)
    }

    func testNewSenderGetsContactDealAndAnOverdueReplyTaskOnePerStreak() throws {
        var settings = ChannelSettings()
        settings.pipeline = "Sales"
        settings.stage = "Incoming"
        try addChannel(settings: settings)
        let response = try post(delivery(messages: [text("wamid.1", "Bună ziua"), text("wamid.2", "Aveți canapele?", at: 1_795_428_060)]))
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.json["stored"] as? Int, 2)
        let contact = try XCTUnwrap((try t.api("GET", "/api/v1/contacts?phone=%2B40722123456").json["contacts"] as? [[String: Any]])?.first)
        XCTAssertEqual(contact["name"] as? String, "Ioana Pop")
        let deals = try t.api("GET", "/api/v1/contacts/\(contact["id"] as? Int ?? 0)/deals").json["deals"] as? [[String: Any]] ?? []
        XCTAssertEqual(deals.count, 1)
        XCTAssertEqual(deals.first?["pipeline"] as? String, "Sales")
        XCTAssertEqual(deals.first?["stage"] as? String, "Incoming")
        let tasks = try t.api("GET", "/api/v1/tasks?kind=unanswered_message&overdue=true").json["tasks"] as? [[String: Any]] ?? []
        XCTAssertEqual(tasks.count, 1, "one task for the whole unanswered streak, overdue at once")
        XCTAssertEqual(tasks.first?["deadline"] as? String, "2026-11-23T10:00:00.000Z")
        XCTAssertEqual(try t.count("wa_threads", "unanswered = 2"), 1)
        let items = try t.api("GET", "/api/v1/contacts/\(contact["id"] as? Int ?? 0)/timeline").json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(items.first?["type"] as? String, "message")
        XCTAssertEqual((items.first?["message"] as? [String: Any])?["text"] as? String, "Aveți canapele?")
        XCTAssertEqual(try post(delivery(messages: [text("wamid.1", "Bună ziua")])).json["duplicates"] as? Int, 1)
        XCTAssertEqual(try t.count("wa_messages"), 2)
    }

    func testKnownSenderLandsOnTheDealOfTheLastWhatsAppMessageElseTheNewestOpenDeal() throws {
        try addChannel()
        let created = try t.api("POST", "/api/v1/contacts", body: ["name": "Ioana", "phones": ["+40722123456"]])
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let older = try XCTUnwrap(t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["title": "Older"]).json["id"] as? Int)
        let newer = try XCTUnwrap(t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["title": "Newer"]).json["id"] as? Int)
        try post(delivery(messages: [text("wamid.a", "first")]))
        XCTAssertEqual(try t.daemon.store.read { db in try db.scalar("SELECT deal_id FROM wa_messages WHERE wamid = 'wamid.a'").int }, newer,
                       "no WhatsApp history: the most recently updated open deal")
        // Move the conversation to the older deal; the next message follows it there.
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE wa_messages SET deal_id = ? WHERE wamid = 'wamid.a'", older) }
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE deals SET updated_at = '2030-01-01' WHERE id = ?", newer) }
        try post(delivery(messages: [text("wamid.b", "second", at: 1_795_428_100)]))
        XCTAssertEqual(try t.daemon.store.read { db in try db.scalar("SELECT deal_id FROM wa_messages WHERE wamid = 'wamid.b'").int }, older)
    }

    func testClientWithOnlyClosedDealsFollowsTheChannelPolicy() throws {
        var notify = ChannelSettings()
        notify.closedDealsPolicy = .notify
        try addChannel(settings: notify)
        var reopen = ChannelSettings()
        reopen.closedDealsPolicy = .newDeal
        try addChannel("ro-service", phoneNumberId: "200", settings: reopen)
        let id = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ioana", "phones": ["+40722123456"]]).json["id"] as? Int)
        let deal = try XCTUnwrap(try t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["title": "Done"]).json["id"] as? Int)
        // Closed as an agent closes it (there was no way but SQL before).
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)/deals/\(deal)", body: ["state": "closed"]).status, 200)
        let events = try t.openEvents(key: t.supervisorKey)
        try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": t.supervisorId])
        try post(delivery(messages: [text("wamid.n", "again")]))
        XCTAssertEqual(try events.nextEvent(named: "whatsapp.message")["closedDeals"] as? Bool, true, "the owner is told")
        XCTAssertEqual(try t.count("deals"), 1, "notify: no new deal")
        try post(delivery(phoneNumberId: "200", messages: [text("wamid.s", "again")]), channel: "ro-service")
        XCTAssertEqual(try t.count("deals", "state = 'open'"), 1, "new-deal: a new deal as for a new client")
    }

    func testUnsyncedTypesAreRecordedAsSkippedWithTheReason() throws {
        try addChannel()
        let messages: [[String: Any]] = [
            ["from": "40722123456", "id": "wamid.loc", "timestamp": "1795428000", "type": "location", "location": ["latitude": 44.4, "longitude": 26.1]],
            ["from": "40722123456", "id": "wamid.vcard", "timestamp": "1795428001", "type": "contacts", "contacts": [["name": ["formatted_name": "X"]]]],
            ["from": "40722123456", "id": "wamid.unk", "timestamp": "1795428002", "type": "unsupported", "errors": [["code": 131051, "title": "Message type unknown"]]],
        ]
        let response = try post(delivery(messages: messages))
        XCTAssertEqual(response.json["skipped"] as? Int, 3)
        let reasons = try t.daemon.store.read { db in try db.query("SELECT skipped_reason FROM wa_messages ORDER BY id").compactMap { $0.string("skipped_reason") } }
        XCTAssertEqual(reasons, ["location messages are not synced", "shared contact cards are not synced",
                                 "unsupported message type unsupported: Message type unknown"])
        XCTAssertEqual(try t.count("raw_events", "outcome = 'flagged'"), 3)
        XCTAssertEqual(try t.count("contacts"), 0)
        XCTAssertEqual(try t.count("tasks"), 0)
    }

    func testSyncFiltersKeepStrangersAndExceptionsOut() throws {
        var existing = ChannelSettings()
        existing.syncFilter = .existing
        try addChannel(settings: existing)
        try post(delivery(messages: [text("wamid.x", "hi")]))
        XCTAssertEqual(try t.count("contacts"), 0)
        XCTAssertEqual(try t.count("wa_messages", "status = 'skipped'"), 1)
        var except = ChannelSettings()
        except.syncFilter = .except
        except.exceptions = ["0722 123 456"]
        try addChannel("ro-other", phoneNumberId: "300", settings: except)
        try post(delivery(phoneNumberId: "300", messages: [text("wamid.y", "hi")]), channel: "ro-other")
        XCTAssertEqual(try t.count("wa_messages", "status = 'skipped' AND skipped_reason LIKE '%exception list%'"), 1)
        try post(delivery(phoneNumberId: "300", messages: [text("wamid.z", "hi", from: "40733111222")],
                          contacts: [["profile": ["name": "Other"], "wa_id": "40733111222"]]), channel: "ro-other")
        XCTAssertEqual(try t.count("contacts"), 1)
    }

    func testAChannelChangedThroughTheAPIAppliesToTheNextWebhook() throws {
        let channel = try addChannel()
        try post(delivery(messages: [text("wamid.c1", "hi")]))   // the webhook path now holds the channel
        XCTAssertEqual(try t.count("contacts"), 1)
        let patched = try t.api("PATCH", "/api/v1/channels/\(channel.id)", body: ["settings": ["syncFilter": "existing"]])
        XCTAssertEqual(patched.status, 200, patched.text)
        try post(delivery(messages: [text("wamid.c2", "hi", from: "40733111222")],
                          contacts: [["profile": ["name": "Stranger"], "wa_id": "40733111222"]]))
        XCTAssertEqual(try t.count("contacts"), 1, "the stranger is kept out at once, not after the cache expires")
        XCTAssertEqual(try t.count("wa_messages", "status = 'skipped'"), 1)
    }

    func testStatusesOnlyMoveForwardAndFailuresAreExplained() throws {
        let channel = try addChannel()
        try t.daemon.store.writeAndWait { db in
            try db.execute("""
                INSERT INTO wa_messages(channel_id, wamid, direction, type, text, status, status_rank, sent_at, created_at)
                VALUES (?, 'wamid.out1', 'outbound', 'text', 'Salut', 'pending', 0, '2026-11-23T10:00:00.000Z', '2026-11-23T10:00:00.000Z'),
                       (?, 'wamid.out2', 'outbound', 'text', 'Salut', 'pending', 0, '2026-11-23T10:00:00.000Z', '2026-11-23T10:00:00.000Z')
                """, channel.id, channel.id)
        }
        func status(_ id: String, _ s: String, _ at: Int, error: [String: Any]? = nil) -> [String: Any] {
            var out: [String: Any] = ["id": id, "status": s, "timestamp": String(at), "recipient_id": "40722123456"]
            if let error { out["errors"] = [error] }
            return out
        }
        try post(delivery(statuses: [status("wamid.out1", "read", 30), status("wamid.out1", "sent", 10), status("wamid.out1", "delivered", 20)]))
        XCTAssertEqual(try t.daemon.store.read { db in try db.scalar("SELECT status FROM wa_messages WHERE wamid = 'wamid.out1'").string }, "read")
        XCTAssertEqual(try t.count("wa_status_history"), 3)
        try post(delivery(statuses: [status("wamid.out2", "failed", 10, error: ["code": 131047, "title": "Re-engagement message"]),
                                     status("wamid.out2", "sent", 5)]))
        let failed = try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT * FROM wa_messages WHERE wamid = 'wamid.out2'") })
        XCTAssertEqual(failed.string("status"), "failed")
        XCTAssertEqual(failed.int("error_code"), 131047)
        XCTAssertTrue((failed.string("error_message") ?? "").contains("24 hours"))
    }

    func testChangedNumberBusinessScopedIdsAndPerNumberThreads() throws {
        try addChannel()
        try addChannel("ro-support", phoneNumberId: "400")
        try post(delivery(messages: [text("wamid.1", "hi")]))
        try post(delivery(phoneNumberId: "400", messages: [text("wamid.2", "hi support")]), channel: "ro-support")
        XCTAssertEqual(try t.count("wa_threads"), 2, "each business number is its own thread with the client")
        XCTAssertEqual(try t.count("contacts"), 1)
        let changed: [String: Any] = ["from": "40722123456", "id": "wamid.sys", "timestamp": "1795428100", "type": "system",
                                      "system": ["body": "User changed number", "new_wa_id": "40744000111", "type": "user_changed_number"]]
        try post(delivery(messages: [changed]))
        XCTAssertEqual(try t.daemon.store.read { db in try db.query("SELECT phone FROM contact_phones").compactMap { $0.string("phone") } }, ["+40744000111"])
        let contacts = try XCTUnwrap(t.api("GET", "/api/v1/contacts").json["contacts"] as? [[String: Any]])
        XCTAssertEqual(contacts.map { $0["phones"] as? [String] }, [["+40744000111"]], "the contact lists its new number, not the old")
        let noPhone: [String: Any] = ["from_user_id": "RO.1234567890", "id": "wamid.b1", "timestamp": "1795428200", "type": "text", "text": ["body": "salut"]]
        try post(delivery(messages: [noPhone], contacts: [["profile": ["name": "Anon"], "user_id": "RO.1234567890"]]))
        let again: [String: Any] = ["from_user_id": "RO.1234567890", "id": "wamid.b2", "timestamp": "1795428300", "type": "text", "text": ["body": "tot eu"]]
        try post(delivery(messages: [again], contacts: []))
        XCTAssertEqual(try t.count("contacts"), 2, "the second message from the same business-scoped id is the same contact")
        XCTAssertEqual(try t.count("wa_messages", "contact_id = (SELECT contact_id FROM wa_identities WHERE bsuid = 'RO.1234567890')"), 2)
    }
}

extension WhatsAppInboundTests {
    /// Any message the client sends renews Meta's 24-hour window, one Switchboard does not
    /// sync (a location) too: a send after it was refused with 409 naming an older message.
    func testAMessageThatIsNotSyncedStillRenewsTheWindow() throws {
        try addChannel()
        let now = Int(Date().timeIntervalSince1970)
        XCTAssertEqual(try post(delivery(messages: [text("wamid.old", "Salut", at: now - 3 * 86_400)])).status, 200)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+40722123456'").int)
        let closed = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["text": "Bună"])
        XCTAssertEqual(closed.json["windowOpen"] as? Bool, false, closed.text)
        let location: [String: Any] = ["from": "40722123456", "id": "wamid.loc", "timestamp": String(now - 60), "type": "location",
                                       "location": ["latitude": 44.4, "longitude": 26.1]]
        XCTAssertEqual(try post(delivery(messages: [location])).json["skipped"] as? Int, 1)
        let open = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", body: ["text": "Bună"])
        XCTAssertEqual(open.json["windowOpen"] as? Bool, true, open.text)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1, "the first message's task, no new one")
    }

    /// Meta reports a removed reaction as a reaction without an emoji: it is no new message
    /// (it made a blank message, an unread count and an overdue reply task).
    func testARemovedReactionIsNoNewMessage() throws {
        try addChannel()
        let removed: [String: Any] = ["from": "40722123456", "id": "wamid.unreact", "timestamp": "1795428000", "type": "reaction",
                                      "reaction": ["message_id": "wamid.out.1"]]
        XCTAssertEqual(try post(delivery(messages: [removed])).json["skipped"] as? Int, 1)
        XCTAssertEqual(try t.count("tasks"), 0)
        XCTAssertEqual(try t.count("wa_threads"), 0)
        let kept: [String: Any] = ["from": "40722123456", "id": "wamid.react", "timestamp": "1795428001", "type": "reaction",
                                   "reaction": ["message_id": "wamid.out.1", "emoji": "👍"]]
        XCTAssertEqual(try post(delivery(messages: [kept])).json["stored"] as? Int, 1)
    }
}

extension WhatsAppInboundTests {
    /// A status value Switchboard does not know (Meta's legacy `deleted`, a new one) is kept in
    /// the message's history and counted as skipped; it refused the whole delivery with 422,
    /// and Meta redelivers it unchanged, so the client's messages in it were never stored.
    func testAnUnknownStatusValueDoesNotLoseTheMessagesBesideIt() throws {
        let channel = try addChannel()
        try t.daemon.store.writeAndWait { db in
            try db.execute("""
                INSERT INTO wa_messages(channel_id, wamid, direction, type, text, status, status_rank, sent_at, created_at)
                VALUES (?, 'wamid.out1', 'outbound', 'text', 'Salut', 'read', 3, '2026-11-23T10:00:00.000Z', '2026-11-23T10:00:00.000Z')
                """, channel.id)
        }
        let unknown: [String: Any] = ["id": "wamid.out1", "status": "deleted", "timestamp": "1795428100", "recipient_id": "40722123456"]
        let response = try post(delivery(messages: [text("wamid.in", "Bună")], statuses: [unknown]))
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.json["stored"] as? Int, 1)
        XCTAssertEqual(response.json["skipped"] as? Int, 1)
        XCTAssertEqual(try t.value("SELECT status FROM wa_messages WHERE wamid = 'wamid.out1'").string, "read", "unchanged")
        XCTAssertEqual(try t.count("wa_status_history", "status = 'deleted'"), 1)
        XCTAssertEqual(try t.count("wa_messages", "wamid = 'wamid.in'"), 1)
        // A status that is no string at all is still malformed.
        let broken: [String: Any] = ["id": "wamid.out1", "status": 7, "timestamp": "1795428100"]
        XCTAssertEqual(try post(delivery(statuses: [broken])).status, 422)
    }
}

extension WhatsAppInboundTests {
    /// A delivery is routed to the Meta channel of the number it names, also when that channel
    /// stores another app secret (one app has one callback URL, so that secret is never checked;
    /// refusing the delivery lost the URL channel's own messages as Meta redelivered it); a
    /// Wazzup channel is no target.
    func testADeliveryReachesTheMetaChannelOfTheNumberItNames() throws {
        try addChannel()   // ro-sales, 106540352242922, meta-app-secret
        _ = try t.daemon.channels.add(.init(name: "stale-secret", phoneNumberId: "222", displayNumber: "+40 312 000 222", region: "RO",
                                            appSecret: "stale", verifyToken: "v", accessToken: "EAAG"), baseURL: "http://x")
        _ = try t.daemon.channels.add(.init(name: "wz", provider: .wazzup, phoneNumberId: "333", region: "RO", accessToken: "k"),
                                      baseURL: "http://x")
        let routed = try post(delivery(phoneNumberId: "222", messages: [text("wamid.y", "Salut")]))
        XCTAssertEqual(routed.status, 200, routed.text)
        XCTAssertEqual(try t.value("SELECT c.name FROM wa_messages m JOIN channels c ON c.id = m.channel_id").string, "stale-secret")
        XCTAssertEqual(try post(delivery(phoneNumberId: "333", messages: [text("wamid.z", "Salut")])).status, 422)
    }
}

extension WhatsAppInboundTests {
    /// A channel named with digits only (allowed by older versions) keeps its webhook URL: the
    /// name wins over another channel's id there.
    func testALegacyDigitsOnlyChannelNameKeepsItsWebhookURL() throws {
        try addChannel()   // id 1, ro-sales
        _ = try t.daemon.channels.add(.init(name: "second", phoneNumberId: "222", displayNumber: "+40 312 000 222", region: "RO",
                                            appSecret: "another-secret", verifyToken: "v", accessToken: "EAAG"), baseURL: "http://x")   // id 2
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE channels SET name = '2' WHERE id = 1") }
        let response = try post(delivery(messages: [text("wamid.1", "Salut")]), channel: "2")   // signed with ro-sales' secret
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(try t.value("SELECT channel_id FROM wa_messages").int, 1)
    }
}

extension WhatsAppInboundTests {
    /// A reply task stayed with the client's old owner when a supervisor handed the client to
    /// another manager: the old one kept an overdue task for a client they could no longer open.
    func testAReplyTaskFollowsTheClientToItsNewOwnerUntilReassignedByHand() throws {
        let bob = try t.addAgent("Bob", role: .manager), ana = try t.addAgent("Ana", role: .manager)
        try addChannel()
        XCTAssertEqual(try post(delivery(messages: [text("wamid.o1", "Salut")])).status, 200)
        let contactId = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM contacts").int })
        // Unsorted: nobody owns the new client, so its task has no assignee; the supervisor gives it to Bob.
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", body: ["ownerAgentId": bob.id]).status, 200)
        func replyTask() throws -> [String: Any] {
            try XCTUnwrap((try t.api("GET", "/api/v1/tasks?kind=unanswered_message").json["tasks"] as? [[String: Any]])?.first)
        }
        XCTAssertEqual(try replyTask()["assigneeAgentId"] as? Int, bob.id)
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks", key: bob.key).json["tasks"].map { ($0 as? [Any])?.count }, 1)

        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", body: ["ownerAgentId": ana.id]).status, 200)
        XCTAssertEqual(try replyTask()["assigneeAgentId"] as? Int, ana.id, "the new owner has the client's task")
        XCTAssertEqual((try t.api("GET", "/api/v1/tasks", key: bob.key).json["tasks"] as? [Any])?.count, 0)

        // Reassigned by hand, it stays with whoever it was given to.
        let taskId = try XCTUnwrap(try replyTask()["id"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/reassign", body: ["agentId": bob.id]).status, 200)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", body: ["ownerAgentId": NSNull()]).status, 200)
        XCTAssertEqual(try replyTask()["assigneeAgentId"] as? Int, bob.id)
    }
}

extension WhatsAppInboundTests {
    /// Managers told of a new unsorted client ("the first to reply owns it") could read only the
    /// one message in each live event: the contact, its conversation and timeline were 404.
    func testManagersWhoReceiveNewClientsReadAnUnclaimedConversationUntilSomeoneOwnsIt() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE agents SET receives_new_clients = 1 WHERE id = ?", ana.id) }
        let bob = try t.addAgent("Bob", role: .manager)
        try addChannel()
        XCTAssertEqual(try post(delivery(messages: [text("wamid.u1", "Bună"), text("wamid.u2", "Aveți mese?", at: 1_795_428_060)])).status, 200)
        let contactId = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM contacts").int })
        for path in ["/api/v1/contacts/\(contactId)", "/api/v1/conversations/\(contactId)/messages", "/api/v1/contacts/\(contactId)/timeline"] {
            XCTAssertEqual(try t.api("GET", path, key: ana.key).status, 200, path)
            XCTAssertEqual(try t.api("GET", path, key: bob.key).status, 404, "\(path): Bob receives no new clients")
        }
        let messages = try t.api("GET", "/api/v1/conversations/\(contactId)/messages", key: ana.key).json["messages"] as? [[String: Any]] ?? []
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual((try t.api("GET", "/api/v1/conversations", key: ana.key).json["conversations"] as? [Any])?.count, 1)
        XCTAssertEqual((try t.api("GET", "/api/v1/conversations", key: bob.key).json["conversations"] as? [Any])?.count, 0)
        // Reading is all: the card stays someone else's to change.
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", key: ana.key, body: ["name": "Ioana"]).status, 404)

        // Once another manager owns the client, Ana has lost the chat.
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", body: ["ownerAgentId": bob.id]).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contactId)", key: ana.key).status, 404)
        XCTAssertEqual((try t.api("GET", "/api/v1/conversations", key: ana.key).json["conversations"] as? [Any])?.count, 0)
    }
}
