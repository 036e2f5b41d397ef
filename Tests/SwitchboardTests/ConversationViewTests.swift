import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// `GET /api/v1/conversations` filters and `GET /api/v1/conversations/{contactId}/messages` paging,
/// with the role rules: quality control and supervisors see every thread, managers their own clients'.
final class ConversationViewTests: XCTestCase {
    var t: TestDaemon!
    var ana: (id: Int, key: String)!
    var bob: (id: Int, key: String)!
    var quality: (id: Int, key: String)!
    let day: TimeInterval = 86_400

    override func setUpWithError() throws {
        t = try TestDaemon()
        ana = try t.addAgent("Ana Manager", role: .manager)
        bob = try t.addAgent("Bob Manager", role: .manager)
        quality = try t.addAgent("Quinn QC", role: .qualityControl)
        try t.addMetaChannel()
    }

    override func tearDown() { t.stop() }

    /// A client who wrote `ago` seconds ago, owned by `owner`.
    @discardableResult
    func client(_ phone: String, name: String, wroteAgo ago: TimeInterval, owner: Int?) throws -> Int {
        var message = metaText("wamid.\(phone).\(Int(ago))", "Salut", ago: ago)
        message["from"] = phone
        XCTAssertEqual(try t.postMeta([message], from: phone, name: name).status, 200)
        let id = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = ?", "+" + phone).int)
        if let owner { try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": owner]) }
        return id
    }

    /// An agent's reply `ago` seconds ago, as the sender leaves it once sent.
    func reply(to contact: Int, by agent: Int, ago: TimeInterval, status: String = "sent") throws {
        let at = Timestamp.format(Date().addingTimeInterval(-ago))
        try t.daemon.store.writeAndWait { db in
            try db.execute("""
                INSERT INTO wa_messages(channel_id, wamid, direction, contact_id, type, text, status, status_rank, agent_id, sent_at, created_at)
                VALUES (1, ?, 'outbound', ?, 'text', 'Bună!', ?, 1, ?, ?, ?)
                """, "wamid.out.\(contact).\(Int(ago))", contact, status, agent, at, at)
        }
    }

    func list(_ query: String, key: String? = nil) throws -> [Int] {
        let response = try t.api("GET", "/api/v1/conversations\(query)", key: key)
        XCTAssertEqual(response.status, 200, response.text)
        return (response.json["conversations"] as? [[String: Any]] ?? []).compactMap { $0["contactId"] as? Int }
    }

    func testFiltersFindTheThreadsATeamLeadAsksFor() throws {
        let waiting = try client("40722000001", name: "Waiting five days", wroteAgo: 5 * day, owner: ana.id)
        let fresh = try client("40722000002", name: "Wrote an hour ago", wroteAgo: 3600, owner: ana.id)
        let answered = try client("40722000003", name: "Answered yesterday", wroteAgo: 4 * day, owner: bob.id)
        try reply(to: answered, by: bob.id, ago: day)
        let old = try client("40722000004", name: "Answered long ago", wroteAgo: 60 * day, owner: bob.id)
        try reply(to: old, by: ana.id, ago: 59 * day)
        let failed = try client("40722000005", name: "Reply failed", wroteAgo: 10 * day, owner: nil)
        try reply(to: failed, by: ana.id, ago: 9 * day, status: "failed")

        XCTAssertEqual(try list(""), [fresh, answered, waiting, failed, old], "most recent activity first")
        XCTAssertEqual(try list("?notRepliedFor=3d"), [waiting, failed], "a failed send is no reply")
        XCTAssertEqual(try list("?notRepliedFor=1w"), [failed])
        XCTAssertEqual(try list("?repliedWithin=2w"), [answered])
        XCTAssertEqual(try list("?repliedWithin=3m"), [answered, old])
        XCTAssertEqual(try list("?messageWithin=2d"), [fresh, answered])
        XCTAssertEqual(try list("?owner=\(bob.id)"), [answered, old])
        XCTAssertEqual(try list("?repliedBy=\(ana.id)"), [old], "a send that failed is no reply")
        XCTAssertEqual(try list("?owner=\(bob.id)&repliedBy=\(ana.id)"), [old])
        XCTAssertEqual(try list("?notRepliedFor=3d&owner=\(ana.id)"), [waiting])

        let first = try t.api("GET", "/api/v1/conversations?notRepliedFor=3d").json["conversations"] as? [[String: Any]] ?? []
        XCTAssertEqual(first.first?["awaitingReply"] as? Bool, true)
        XCTAssertEqual(first.first?["unanswered"] as? Int, 1)
        XCTAssertEqual(first.first?["channelName"] as? String, "ro-sales")
        XCTAssertEqual((first.first?["lastMessage"] as? [String: Any])?["text"] as? String, "Salut")
        XCTAssertEqual(first.first?["messages"] as? String, "/api/v1/conversations/\(waiting)/messages?channelId=1")

        XCTAssertEqual(try t.api("GET", "/api/v1/conversations?notRepliedFor=3days").status, 400)
        XCTAssertEqual(try t.api("GET", "/api/v1/conversations?owner=ana").status, 400)
    }

    func testManagersSeeOnlyTheirOwnClientsAndQualityControlSeesAll() throws {
        let anas = try client("40722000001", name: "Ana's", wroteAgo: 2 * day, owner: ana.id)
        let bobs = try client("40722000002", name: "Bob's", wroteAgo: day, owner: bob.id)
        let nobodys = try client("40722000003", name: "Unsorted", wroteAgo: 3 * day, owner: nil)
        XCTAssertEqual(try list("", key: ana.key), [anas])
        XCTAssertEqual(try list("", key: bob.key), [bobs])
        XCTAssertEqual(try list("?owner=\(bob.id)", key: ana.key), [], "a filter never widens what a manager sees")
        XCTAssertEqual(try list("", key: quality.key), [bobs, anas, nobodys])
        XCTAssertEqual(try list(""), [bobs, anas, nobodys])
        XCTAssertEqual(try t.api("GET", "/api/v1/conversations/\(bobs)/messages", key: ana.key).status, 404)
        XCTAssertEqual(try t.api("GET", "/api/v1/conversations/\(bobs)/messages", key: quality.key).status, 200)
    }

    func testAThreadsMessagesComeNewestFirstPageByPage() throws {
        let id = try client("40722000001", name: "Ioana", wroteAgo: 5 * day, owner: ana.id)
        try reply(to: id, by: ana.id, ago: 4 * day)
        var later = metaText("wamid.later", "Mulțumesc", ago: 3 * day)
        later["from"] = "40722000001"
        try t.postMeta([later], from: "40722000001")
        var page = try t.api("GET", "/api/v1/conversations/\(id)/messages?channelId=1&limit=2", key: ana.key).json
        var texts = (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        XCTAssertEqual(texts, ["Mulțumesc", "Bună!"])
        XCTAssertEqual(((page["messages"] as? [[String: Any]])?.first?["attachments"] as? [Any])?.count, 0)
        let cursor = try XCTUnwrap(page["nextBefore"] as? String)
        page = try t.api("GET", "/api/v1/conversations/\(id)/messages?channelId=1&limit=2&before=\(cursor)", key: ana.key).json
        texts = (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        XCTAssertEqual(texts, ["Salut"])
        XCTAssertNil(page["nextBefore"] as? String)
        XCTAssertEqual((try t.api("GET", "/api/v1/conversations/\(id)/messages?channelId=2", key: ana.key).json["messages"] as? [Any])?.count, 0)
        XCTAssertEqual(try t.api("GET", "/api/v1/conversations/\(id)/messages?before=yesterday").status, 400)
    }

    func testConversationListPagesWithACursor() throws {
        let ids = try (1...5).map { try client("4072200000\($0)", name: "Client \($0)", wroteAgo: Double($0) * 3600, owner: nil) }
        let first = try t.api("GET", "/api/v1/conversations?limit=3").json
        XCTAssertEqual((first["conversations"] as? [[String: Any]])?.compactMap { $0["contactId"] as? Int }, Array(ids.prefix(3)))
        let cursor = try XCTUnwrap(first["nextBefore"] as? String)
        XCTAssertEqual(try list("?limit=3&before=\(cursor)"), Array(ids.suffix(2)))
    }
}

extension ConversationViewTests {
    /// A `limit` out of range or not a number is a 400 naming it, as for contacts and tasks;
    /// it used to be clamped silently (limit=1000 gave 200 rows and no hint).
    func testALimitOutOfRangeIsRefusedNotClamped() throws {
        let id = try client("40722000009", name: "Client", wroteAgo: 3600, owner: nil)
        for path in ["/api/v1/conversations", "/api/v1/conversations/\(id)/messages"] {
            for limit in ["0", "201", "abc"] {
                let response = try t.api("GET", "\(path)?limit=\(limit)")
                XCTAssertEqual(response.status, 400, "\(path) limit=\(limit): \(response.text)")
                XCTAssertTrue(response.text.contains("limit"), response.text)
            }
            XCTAssertEqual(try t.api("GET", "\(path)?limit=200").status, 200)
        }
    }
}
