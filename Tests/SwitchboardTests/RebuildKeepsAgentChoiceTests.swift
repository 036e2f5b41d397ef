import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// `rebuild` found each call's agent again by today's SIP logins and gave each new WhatsApp
/// client to today's round-robin turn: after `agents update` moved a login to another agent
/// (or the rota changed), a rebuild handed past calls and clients to other agents, and with them
/// the clients' ownership and tasks. The agent an event picked is kept with it.
extension CallWebhookTests {
    func testRebuildKeepsTheAgentEachCallFoundWhenItArrived() throws {
        let ana = try t.addAgent("Ana", role: .manager, sip: ["100"])
        try t.call("ringing", secret: secret, ["callId": "kept-1", "clientNumber": "+40722930001", "sipLogin": "100"])
        try t.call("missed", secret: secret, ["callId": "kept-1", "clientNumber": "+40722930001"])
        try t.call("ringing", secret: secret, ["callId": "kept-2", "clientNumber": "+40722930002", "sipLogin": "101"])
        func state() throws -> [String] {
            try t.daemon.store.read { db in
                try db.query("SELECT provider_call_id, agent_id FROM calls ORDER BY id").map(\.values.description)
                    + db.query("SELECT id, owner_agent_id FROM contacts ORDER BY id").map(\.values.description)
                    + db.query("SELECT id, assignee_agent_id FROM tasks ORDER BY id").map(\.values.description)
            }
        }
        let before = try state()
        XCTAssertEqual(try t.daemon.store.read { db in try db.scalar("SELECT agent_id FROM calls WHERE provider_call_id = 'kept-1'").int }, ana.id)

        // Ana's login moves to 200; Bob gets 100 and, later, the login 101 nobody had.
        _ = try t.daemon.agents.update(id: ana.id, .init(sipLogins: ["200"]))
        _ = try t.addAgent("Bob", role: .manager, sip: ["100", "101"])
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try state(), before, "the calls keep their agents, the clients their owners, the tasks their assignees")
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try state(), before, "and again")
    }
}

extension WhatsAppSendingTests {
    func testRebuildKeepsTheRoundRobinOwnerOfEachNewClient() throws {
        try addChannel(distribution: .roundRobin)
        let olga = try t.addAgent("Olga", role: .manager)
        _ = try t.daemon.agents.update(id: olga.id, .init(receivesNewClients: true))
        let contact = try clientWrites()
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contact)").json["ownerAgentId"] as? Int, olga.id)
        // Olga stops receiving new clients and Mihai starts: today's turn would be his.
        _ = try t.daemon.agents.update(id: olga.id, .init(receivesNewClients: false))
        let mihai = try t.addAgent("Mihai", role: .manager)
        _ = try t.daemon.agents.update(id: mihai.id, .init(receivesNewClients: true))
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contact)").json["ownerAgentId"] as? Int, olga.id)
    }
}

/// `rebuild` applied every past call with the integration's settings of the day of the rebuild:
/// a new missed-call title, board or UTM mapping rewrote the tasks and contact fields of calls
/// that had come in under the old ones. Each call event records the settings version it was
/// applied with.
extension CallWebhookTests {
    func testRebuildAppliesEachCallWithTheSettingsItArrivedUnder() throws {
        let id = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM integrations").int })
        func patch(_ settings: [String: Any], region: String? = nil) throws {
            var body: [String: Any] = ["settings": settings]
            if let region { body["region"] = region }
            let response = try t.api("PATCH", "/api/v1/integrations/\(id)", body: body)
            XCTAssertEqual(response.status, 200, response.text)
        }
        try patch(["missedCallTask": ["title": "Old {{contact.phone}}", "board": "old"], "utm": ["fields": ["utm_source": "Source"]]])
        try t.call("missed", secret: secret, ["callId": "v1", "clientNumber": "0722940001", "occurredAt": "2026-11-23T10:00:00Z",
                                              "utm_source": "google"])
        try patch(["missedCallTask": ["title": "New {{contact.phone}}", "board": "new"], "utm": ["fields": ["utm_source": "Origin"]]],
                  region: "MD")
        try t.call("missed", secret: secret, ["callId": "v2", "clientNumber": "069123456", "occurredAt": "2026-11-23T11:00:00Z",
                                              "utm_source": "bing"])
        func state() throws -> [String] {
            try t.daemon.store.read { db in
                try db.query("SELECT title, board FROM tasks ORDER BY id").map(\.values.description)
                    + db.query("SELECT id, fields FROM contacts ORDER BY id").map(\.values.description)
                    + db.query("SELECT client_number FROM calls ORDER BY id").map(\.values.description)
            }
        }
        let before = try state()
        XCTAssertEqual(before.count, 6, "\(before)")
        XCTAssertTrue(before[0].contains("Old +40722940001") && before[0].contains("old"), "\(before)")
        XCTAssertTrue(before[1].contains("New +37369123456") && before[1].contains("new"), "\(before)")
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try state(), before)

        // The kept versions hold what projections read, not the dialer's credentials, which
        // removal and secret rotation forget.
        try patch(["dialer": ["apiBase": "https://api.example.com", "apiKey": "SECRET-KEY-1"]])
        XCTAssertEqual(try t.api("DELETE", "/api/v1/integrations/\(id)").status, 204)
        let kept = try t.daemon.store.read { db in try db.query("SELECT settings FROM integration_settings").compactMap { $0.string("settings") } }
        XCTAssertEqual(kept.count, 4, "\(kept)")
        XCTAssertFalse(kept.contains { $0.contains("SECRET-KEY-1") || $0.contains("dialer") }, "\(kept)")
    }
}
