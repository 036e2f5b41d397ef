import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Agents could only be added and removed: turning "receives new clients" on, or giving an
/// agent a SIP login, meant removing them (with their clients and tasks) and adding them again.
final class AgentUpdateTests: XCTestCase {
    func testAnAgentIsChangedInPlaceOverTheAPI() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let secret = try t.addIntegration().secret
        try t.call("ringing", secret: secret, ["callId": "u1", "clientNumber": "+40722100041", "sipLogin": "ana"])

        let changed = try t.api("PATCH", "/api/v1/agents/\(ana.id)", body: ["name": "Ana Pop", "sipLogins": ["ana", "100"],
                                                                            "receivesNewClients": true])
        XCTAssertEqual(changed.status, 200, changed.text)
        XCTAssertEqual(changed.json["name"] as? String, "Ana Pop")
        XCTAssertEqual(changed.json["sipLogins"] as? [String], ["ana", "100"])
        XCTAssertEqual(changed.json["receivesNewClients"] as? Bool, true)
        XCTAssertEqual(try t.api("GET", "/api/v1/me", key: ana.key).json["name"] as? String, "Ana Pop", "same key, same agent")
        // The new login finds her; her client stays hers.
        try t.call("ringing", secret: secret, ["callId": "u2", "clientNumber": "+40722100042", "sipLogin": "100"])
        XCTAssertEqual(try t.count("contacts", "owner_agent_id = \(ana.id)"), 2)

        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(bob.id)", body: ["sipLogins": ["100"]]).status, 409, "Ana's login")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(ana.id)", body: ["role": "quality-control"]).status, 409, "she owns clients")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(bob.id)", body: ["role": "boss"]).status, 422)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(bob.id)", body: ["sip": ["x"]]).status, 422, "unknown member")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(bob.id)", key: ana.key, body: ["name": "Bobby"]).status, 403)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/999", body: ["name": "X"]).status, 404)
        XCTAssertEqual(try t.api("GET", "/api/v1/agents").json["agents"].map { ($0 as? [[String: Any]])?.first { $0["id"] as? Int == bob.id }?["name"] as? String },
                       "Bob", "nothing of the refused changes stuck")
    }

    func testAgentsUpdateOnTheCommandLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        func cli(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: env)
        }
        XCTAssertEqual(try cli(["agents", "add", "--name", "Ana", "--role", "manager", "--sip", "ana"]).status, 0)
        let updated = try cli(["agents", "update", "1", "--sip", "ana", "--sip", "101", "--receives-new-clients", "--json"])
        XCTAssertEqual(updated.status, 0, updated.stderr)
        let agent = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(updated.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(agent["sipLogins"] as? [String], ["ana", "101"])
        XCTAssertEqual(agent["receivesNewClients"] as? Bool, true)
        let off = try cli(["agents", "update", "1", "--no-receives-new-clients"])
        XCTAssertEqual(off.stdout, "updated agent 1 Ana (manager); SIP logins: ana,101; new clients: no\n")
        XCTAssertEqual(try cli(["agents", "update", "1"]).status, 64, "nothing to change")
        XCTAssertEqual(try cli(["agents", "update", "1", "--no-sip"]).stdout, "updated agent 1 Ana (manager); SIP logins: -; new clients: no\n")
        XCTAssertEqual(try cli(["agents", "update", "1", "--sip", "x", "--no-sip"]).status, 64)
        XCTAssertEqual(try cli(["agents", "update", "1", "--receives-new-clients", "--no-receives-new-clients"]).status, 64)
        XCTAssertEqual(try cli(["agents", "update", "9", "--name", "X"]).status, 66)
    }
    /// A database from before migration 014 whose removed agent 5 still names a call and owns a
    /// client: the next agent is not 5 (they inherited that client and call).
    func testAnAgentRemovedBeforeIdsWereKeptIsNotReborn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("old.db")
        let legacy = try legacyDatabase(at: path, before: "014_agent_ids_never_reused")
        try legacy.execute("INSERT INTO contacts(name, owner_agent_id, fields, created_at, updated_at) VALUES ('Tina''s client', 5, '{}', 'x', 'x')")
        try legacy.execute("""
            INSERT INTO calls(integration_id, provider_call_id, agent_id, contact_id, created_at, updated_at) VALUES (1, 'c-9101', 5, 1, 'x', 'x')
            """)
        try legacy.execute("""
            INSERT INTO agents(id, name, role, api_key_hash, created_at) VALUES (2, 'Sam', 'supervisor', 'h2', 'x')
            """)
        let store = try Store(path: path, migrations: Schema.migrations)
        defer { store.close() }
        let created = try AgentDirectory(store: store).add(.init(name: "Nina", role: .manager))
        XCTAssertEqual(created.agent.id, 6, "past agent 5, whom a call and a client still name")
    }
}
