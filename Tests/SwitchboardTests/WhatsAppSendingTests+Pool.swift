import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// The pool of new clients on an unsorted channel, and rebuilding WhatsApp history.
extension WhatsAppSendingTests {
    func stranger(_ digits: String, _ text: String = "Bună") throws {
        let at = Int(Date().timeIntervalSince1970 - 60)
        try deliver(messages: [["from": digits, "id": "wamid.in.\(UUID().uuidString)", "timestamp": String(at), "type": "text", "text": ["body": text]]])
    }

    func patchChannel(_ id: Int, _ settings: [String: Any]) throws {
        XCTAssertEqual(try t.api("PATCH", "/api/v1/channels/\(id)", body: ["settings": settings]).status, 200)
    }

    /// `rebuild` replayed messages with the channel's settings of the day: a stranger a sync
    /// filter had kept out became a contact, every later contact id moved (and replies with
    /// them), and deals took today's pipeline.
    func testRebuildFilesEachMessageByTheChannelRulesItArrivedUnder() throws {
        let channel = try addChannel()
        try patchChannel(channel.id, ["syncFilter": "existing"])
        try stranger("40722000200")
        try patchChannel(channel.id, ["syncFilter": "everyone", "pipeline": "Sales2"])
        try stranger("40722000201")
        try patchChannel(channel.id, ["syncFilter": "existing", "pipeline": "Sales3", "distribution": "round-robin"])
        XCTAssertEqual(try t.count("contacts"), 1, "the first stranger was kept out")
        XCTAssertEqual(try t.count("deals", "pipeline = 'Sales2'"), 1)
        let before = try dump()
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try dump(), before)
    }

    /// DESIGN: the first *manager* to answer owns an unsorted client; a supervisor's reply left
    /// the managers with 404. The task the claiming reply closes is the claimer's, so a failed
    /// send reopens it for them (it reopened with nobody assigned).
    func testOnlyAManagerClaimsAndAFailedClaimingReplyReopensTheirTask() throws {
        try addChannel()
        let ana = try t.daemon.agents.add(.init(name: "Ana", role: .manager, receivesNewClients: true))
        let contact = try clientWrites()
        XCTAssertEqual(try send(contact, ["text": "Vă preia un coleg"]).status, 202, "the supervisor")
        XCTAssertEqual(try t.count("contacts", "owner_agent_id IS NULL"), 1, "still in the pool")
        drain()
        // Another new client; Ana's reply claims them, and Meta refuses it.
        try stranger("40722000401")
        let other = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT contact_id FROM contact_phones WHERE phone = '+40722000401'").int })
        graph.then(.metaError(status: 400, code: 131047, message: "Re-engagement message"))
        XCTAssertEqual(try send(other, ["text": "Sunt Ana"], key: ana.apiKey).status, 202)
        XCTAssertEqual(try t.count("contacts", "owner_agent_id = \(ana.agent.id)"), 1)
        XCTAssertEqual(try t.count("tasks", "contact_id = \(other) AND state = 'done' AND assignee_agent_id = \(ana.agent.id)"), 1,
                       "the task her reply closed is hers")
        drain()
        let reopened = try XCTUnwrap((try t.api("GET", "/api/v1/tasks?kind=unanswered_message&state=open&contact=\(other)").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(reopened["assigneeAgentId"] as? Int, ana.agent.id, "\(reopened)")
    }

    /// A manager who receives new clients could read and take any unowned contact by naming an unsorted channel.
    func testAManagerTakesOnlyAPooledClient() throws {
        let channel = try addChannel()
        let ana = try t.daemon.agents.add(.init(name: "Ana", role: .manager, receivesNewClients: true))
        let vip = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Vlad", "phones": ["+40722000099"]]).json["id"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(vip)/messages/preview", key: ana.apiKey,
                                 body: ["channelId": channel.id, "text": "{{contact.name}}"]).status, 404)
        XCTAssertEqual(try send(vip, ["channelId": channel.id, "template": ["name": "hello", "language": "ro"]], key: ana.apiKey).status, 404)
        XCTAssertEqual(try send(vip, ["text": "x"], key: ana.apiKey).status, 404, "not a 422 listing the channels")
        XCTAssertEqual(try t.count("contacts", "owner_agent_id IS NULL"), 1)
    }

    /// Round-robin gave new clients to a quality-control agent flagged to receive them, who can
    /// write to nobody (the client's reply task sat with them), and to supervisors: DESIGN gives
    /// them to one manager at a time.
    func testNewClientsNeverGoToQualityControl() throws {
        try addChannel(distribution: .roundRobin)
        let ana = try t.daemon.agents.add(.init(name: "Ana", role: .manager, receivesNewClients: true))
        XCTAssertThrowsError(try t.daemon.agents.add(.init(name: "Quinn", role: .qualityControl, receivesNewClients: true)))
        _ = try t.daemon.agents.add(.init(name: "Sue", role: .supervisor, receivesNewClients: true))   // DESIGN: to managers
        let quinn = try t.daemon.agents.add(.init(name: "Quinn", role: .qualityControl))
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE agents SET receives_new_clients = 1 WHERE id = ?", quinn.agent.id) }
        for digits in ["40722000301", "40722000302", "40722000303"] { try stranger(digits) }
        XCTAssertEqual(try t.count("contacts", "owner_agent_id = \(ana.agent.id)"), 3)
        // Made quality control, an agent stops receiving new clients.
        let bob = try t.daemon.agents.add(.init(name: "Bob", role: .manager, receivesNewClients: true))
        XCTAssertEqual(try t.daemon.agents.update(id: bob.agent.id, .init(role: .qualityControl))?.receivesNewClients, false)
    }
}

extension WhatsAppSendingTests {
    /// A pooled client whose latest thread is on a round-robin channel: a manager's preview
    /// without channelId answered 404 "no contact" (the latest thread's channel was picked),
    /// though naming the unsorted channel worked. The unsorted thread is picked for them.
    func testAPooledClientIsWrittenToOnItsUnsortedThreadByDefault() throws {
        try addChannel()
        let service = try addChannel("ro-service", phoneNumberId: "2222", distribution: .roundRobin)
        let ana = try t.daemon.agents.add(.init(name: "Ana", role: .manager, receivesNewClients: true))
        let contact = try clientWrites("Bună", ago: 120)   // on ro-sales (unsorted): a new, pooled client
        // Later the same client writes to the round-robin number: known already, they stay pooled.
        let value: [String: Any] = ["messaging_product": "whatsapp", "metadata": ["display_phone_number": "40312000222", "phone_number_id": "2222"],
                                    "contacts": [["profile": ["name": "Ioana Pop"], "wa_id": "40722123456"]],
                                    "messages": [["from": "40722123456", "id": "wamid.in.rr", "timestamp": String(Int(Date().timeIntervalSince1970 - 30)),
                                                  "type": "text", "text": ["body": "Și aici"]]]]
        let root: [String: Any] = ["object": "whatsapp_business_account", "entry": [["id": "1", "changes": [["value": value, "field": "messages"]]]]]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]), as: UTF8.self)
        let sign = "sha256=" + Crypto.hmacSHA256(key: Array(appSecret.utf8), data: Array(body.utf8)).hexString
        XCTAssertEqual(try t.send("POST", "/webhooks/whatsapp/\(service.name)", headers: [("X-Hub-Signature-256", sign), ("Content-Type", "application/json")],
                                  body: body).status, 200)
        XCTAssertEqual(try t.count("contacts", "owner_agent_id IS NULL"), 1)
        let preview = try t.api("POST", "/api/v1/contacts/\(contact)/messages/preview", key: ana.apiKey, body: ["text": "Bună, sunt Ana"])
        XCTAssertEqual(preview.status, 200, preview.text)
    }
}

extension WhatsAppSendingTests {
    /// An earlier message of an unanswered streak delivered after a later one: the reply task is
    /// due from the streak's first message, as when they arrive in order (it stayed dated by the
    /// later message, so the list of overdue replies put it after clients who wrote later).
    func testAReplyTaskIsDueFromTheStreaksFirstMessageInAnyOrder() throws {
        try addChannel()
        let contact = try clientWrites("Mai e valabil?", id: "later", ago: 60)
        _ = try clientWrites("Bună ziua", id: "earlier", ago: 600)
        let tasks = try t.api("GET", "/api/v1/tasks?kind=unanswered_message&contact=\(contact)").json["tasks"] as? [[String: Any]] ?? []
        XCTAssertEqual(tasks.count, 1)
        let earliest = try XCTUnwrap(try t.daemon.store.read { db in
            try db.scalar("SELECT min(sent_at) FROM wa_messages WHERE contact_id = ?", contact).string
        })
        XCTAssertEqual(tasks.first?["deadline"] as? String, earliest)
        let timeline = try t.api("GET", "/api/v1/contacts/\(contact)/timeline").json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(timeline.first { $0["type"] as? String == "task" }?["at"] as? String, earliest)
    }
}
