import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// A manager learns nothing of clients they may not see: no message text on the live stream,
/// no contact id in a refusal. (Found by an access-control audit.)
final class ManagerVisibilityTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    /// A Meta text message from `from` (international digits).
    func message(_ id: String, from: String, _ text: String) -> [String: Any] {
        ["from": from, "id": id, "timestamp": metaTime(ago: 0), "type": "text", "text": ["body": text]]
    }

    func testAnUnownedCallersMessageOnARoundRobinChannelReachesNoPoolManager() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(ana.id)", body: ["receivesNewClients": true]).status, 200)
        let sup = try t.addAgent("Sue", role: .supervisor)
        var roundRobin = ChannelSettings()
        roundRobin.distribution = .roundRobin
        _ = try t.daemon.channels.add(.init(name: "rr", phoneNumberId: "222", region: "RO", appSecret: "meta-app-secret",
                                        verifyToken: "verify-me", accessToken: "EAAG", settings: roundRobin), baseURL: "http://x")
        try t.addMetaChannel("pool", phoneNumberId: "111")
        // A caller nobody took: a contact nobody owns, in no pool.
        let secret = try t.addIntegration(region: "RO").secret
        XCTAssertEqual(try t.call("missed", secret: secret, ["callId": "m-1", "clientNumber": "0722000003",
                                                           "occurredAt": "2026-12-01T10:00:00Z"]).status, 200)
        let caller = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+40722000003'").int)
        let anaEvents = try t.openEvents(key: ana.key)
        let supEvents = try t.openEvents(key: sup.key)
        XCTAssertEqual(try t.postMeta([message("wamid.c1", from: "40722000003", "my card ends 4242")], channel: "rr",
                                      phoneNumberId: "222", from: "40722000003", name: "Cali").status, 200)
        // Then a stranger writes on the pooling channel: that one Ana is told about.
        XCTAssertEqual(try t.postMeta([message("wamid.s1", from: "40722000077", "Bună ziua")], channel: "pool",
                                      phoneNumberId: "111", from: "40722000077", name: "Stan").status, 200)
        let stranger = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+40722000077'").int)
        XCTAssertEqual(try anaEvents.nextEvent(named: "whatsapp.message")["contactId"] as? Int, stranger,
                       "the first message Ana hears of is the pooled stranger's, not the unowned caller's")
        XCTAssertEqual(try supEvents.nextEvent(named: "whatsapp.message")["contactId"] as? Int, caller,
                       "someone who may read the unowned caller is told")
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(caller)", key: ana.key).status, 404)
    }

    func testCallingAnotherManagersClientByNumberNamesNoContact() throws {
        let fake = try FakeRingostat()
        defer { fake.stop() }
        let (ana, bob) = try t.addDialingManagers(fake)
        let created = try t.api("POST", "/api/v1/contacts", key: bob.key, body: ["name": "Bob's client", "phones": ["+40722000002"]])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let refused = try t.api("POST", "/api/v1/calls", key: ana.key, body: ["number": "0722 000 002"])
        XCTAssertEqual(refused.status, 403, refused.text)
        XCTAssertFalse(refused.text.contains("contact \(id)"), refused.text)
        XCTAssertEqual(try t.count("calls"), 0, "nothing dialled")
        XCTAssertEqual(try t.api("POST", "/api/v1/calls", key: bob.key, body: ["number": "0722 000 002"]).status, 201, "the owner may")
    }

    func testMediaOfAnotherManagersClientIsAnsweredAsAMessageThatDoesNotExist() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        try t.addMetaChannel()
        XCTAssertEqual(try t.postMeta([message("wamid.b1", from: "40722123456", "Bună")]).status, 200)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM wa_messages").int)
        let messageId = try XCTUnwrap(try t.value("SELECT id FROM wa_messages").int)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["ownerAgentId": bob.id]).status, 200)
        let hidden = try t.api("GET", "/api/v1/messages/\(messageId)/media/abc", key: ana.key)
        let missing = try t.api("GET", "/api/v1/messages/999/media/abc", key: ana.key)
        XCTAssertEqual(hidden.status, 404)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(hidden.json["error"] as? NSDictionary, ["code": "not_found", "message": "no message \(messageId)"] as NSDictionary,
                       hidden.text)
        XCTAssertFalse(hidden.text.contains("contact"), hidden.text)
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(messageId)/media/abc", key: bob.key).status, 404, "no such media, for Bob")
    }
    func testAManagerTheCallRangWhoDoesNotOwnTheClientGetsNoRecording() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts", key: bob.key, body: ["name": "Bob's client", "phones": ["+40722000002"]]).status, 201)
        let secret = try t.addIntegration(region: "RO").secret
        let anaEvents = try t.openEvents(key: ana.key)
        let bobEvents = try t.openEvents(key: bob.key)
        let recording = "https://pbx.example.com/recordings/r-1.mp3"
        for (kind, fields) in [("ringing", ["sipLogin": "ana", "occurredAt": "2026-12-01T10:00:00Z"]),
                               ("answered", ["sipLogin": "bob", "occurredAt": "2026-12-01T10:00:05Z"]),
                               ("ended", ["occurredAt": "2026-12-01T10:03:00Z", "talkTime": 175, "recordingUrl": recording])] as [(String, [String: Any])] {
            let body = fields.merging(["callId": "r-1", "clientNumber": "0722000002"]) { a, _ in a }
            XCTAssertEqual(try t.call(kind, secret: secret, body).status, 200)
        }
        let toAna = try anaEvents.nextEvent(named: "call.ended")
        XCTAssertNil((toAna["call"] as? [String: Any])?["recordingUrl"], "Ana was rung, but the conversation is Bob's client's")
        XCTAssertNotNil(toAna["contact"], "she still learns who called and that the call ended")
        XCTAssertEqual((try bobEvents.nextEvent(named: "call.ended")["call"] as? [String: Any])?["recordingUrl"] as? String, recording)
    }
}
