import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

extension CallWebhookTests {
    /// Removing an agent who owned clients left those clients owned by nobody who existed,
    /// their open tasks with them, and new missed calls from those clients filed tasks for them.
    func testAnAgentWhoOwnsClientsIsRemovedOnlyByHandingThemOver() throws {
        let cris = try t.addAgent("Cris", role: .manager, sip: ["cris"])
        let ana = try t.addAgent("Ana", role: .manager)
        let quality = try t.addAgent("Quinn", role: .qualityControl)
        try t.call("ringing", secret: secret, ["callId": "k1", "clientNumber": "+40722920001", "sipLogin": "cris"])
        try t.call("missed", secret: secret, ["callId": "k1", "clientNumber": "+40722920001"])
        let contactId = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM contacts").int })
        XCTAssertEqual(try t.daemon.agents.holdings(of: cris.id), .init(clients: 1, openTasks: 1))

        XCTAssertThrowsError(try t.daemon.agents.remove(id: cris.id, handOverTo: nil)) { error in
            XCTAssertEqual((error as? DomainError)?.status, 409)
            XCTAssertTrue("\(error)".contains("--hand-over-to"), "\(error)")
        }
        for wrong in [cris.id, quality.id, 999] {
            XCTAssertThrowsError(try t.daemon.agents.remove(id: cris.id, handOverTo: wrong)) { error in
                XCTAssertEqual((error as? DomainError)?.status, 422, "\(wrong): \(error)")
            }
        }
        XCTAssertNotNil(try t.daemon.agents.find(id: cris.id), "refused: nothing changed")

        XCTAssertEqual(try t.daemon.agents.remove(id: cris.id, handOverTo: ana.id), .init(clients: 1, openTasks: 1))
        XCTAssertNil(try t.daemon.agents.find(id: cris.id))
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contactId)", key: ana.key).json["ownerAgentId"] as? Int, ana.id)
        let tasks = try XCTUnwrap(try t.api("GET", "/api/v1/tasks", key: ana.key).json["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.map { $0["assigneeAgentId"] as? Int }, [ana.id])
        try t.call("missed", secret: secret, ["callId": "k2", "clientNumber": "+40722920001"])
        XCTAssertEqual(try t.count("tasks", "assignee_agent_id = \(ana.id) AND state = 'open'"), 2, "the client's next missed call is Ana's")

        // The hand-over is in the event log: a rebuild gives the same owner and assignees.
        let before = try t.daemon.store.read { db in try db.query("SELECT id, assignee_agent_id FROM tasks ORDER BY id").map(\.values.description) }
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.daemon.store.read { db in try db.query("SELECT id, assignee_agent_id FROM tasks ORDER BY id").map(\.values.description) }, before)
        XCTAssertEqual(try t.daemon.store.read { db in try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = ?", contactId).int }, ana.id)

        // An agent with nothing is removed at once.
        XCTAssertEqual(try t.daemon.agents.remove(id: quality.id, handOverTo: nil), .init(clients: 0, openTasks: 0))
    }
}

final class AgentRemovalCLITests: XCTestCase {
    func testAgentsRemoveRefusesAnOwnerAndHandsOverWhenTold() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        func cli(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: env)
        }
        for name in ["Cris", "Ana"] { XCTAssertEqual(try cli(["agents", "add", "--name", name, "--role", "manager"]).status, 0) }
        let store = try Store(path: dir.path("sb.db"), migrations: Schema.migrations)
        try store.writeAndWait { db in
            try db.execute("""
                INSERT INTO contacts(name, owner_agent_id, fields, created_at, updated_at) VALUES ('Ioana', 1, '{}', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')
                """)
        }
        store.close()
        let refused = try cli(["agents", "remove", "1"])
        XCTAssertEqual(refused.status, 65)
        XCTAssertTrue(refused.stderr.contains("owns 1 client(s)") && refused.stderr.contains("--hand-over-to"), refused.stderr)
        XCTAssertEqual(try cli(["agents", "remove", "1", "--hand-over-to", "x"]).status, 64)
        let handed = try cli(["agents", "remove", "1", "--hand-over-to", "2"])
        XCTAssertEqual(handed.status, 0, handed.stderr)
        XCTAssertEqual(handed.stdout, "removed agent 1; agent 2 now has their 1 client(s) and 0 open task(s)\n")
        XCTAssertFalse(try cli(["agents", "list"]).stdout.contains("Cris"))
    }
}

extension CallWebhookTests {
    /// `rebuild` skipped events that no longer apply without a word ("45/45 events", then
    /// "rebuilt projections from 44 events"): each is named, with why.
    func testRebuildNamesTheEventsItSkips() throws {
        try t.call("missed", secret: secret, ["callId": "s1", "clientNumber": "+40722920011"])
        let contactId = try XCTUnwrap(try t.value("SELECT id FROM contacts").int)
        // An API event that applies, and one the world no longer fits (its task was deleted by hand, say).
        let stray = DomainEvent.contactUpdated(contactId: contactId, patch: ContactPatch(name: "Stray"))
        let later = DomainEvent.taskCompleted(taskId: 999, agentId: 1)
        try t.daemon.store.writeAndWait { db in
            for (n, event) in [stray, later].enumerated() {
                _ = try db.execute("""
                    INSERT INTO raw_events(source, idempotency_key, kind, received_at, payload) VALUES ('api', ?, ?, ?, ?)
                    """, "test:\(n)", event.kind, Timestamp.now(), JSONText.string(event))
            }
        }
        var skipped: [(Int, String)] = []
        _ = try Rebuild.run(store: t.daemon.store, progress: { _, _ in }, skipped: { skipped.append(($0, $1)) })
        XCTAssertEqual(skipped.count, 1, "\(skipped)")
        XCTAssertTrue(skipped.first?.1.contains("no task 999") == true, "\(skipped)")
        XCTAssertEqual(try t.value("SELECT name FROM contacts WHERE id = ?", contactId).string, "Stray", "the applicable one applied")
    }

    /// An event naming an agent removed since applies in `rebuild` as it did live: a task
    /// reassigned to an agent who then completed it and left stays theirs (it became unassigned).
    func testRebuildKeepsWorkOfAnAgentRemovedSince() throws {
        let yan = try t.addAgent("Yan", role: .manager)
        try t.call("missed", secret: secret, ["callId": "s2", "clientNumber": "+40722920012"])
        let taskId = try XCTUnwrap(try t.value("SELECT id FROM tasks").int)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/reassign", body: ["agentId": yan.id]).status, 200)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/complete", key: yan.key).status, 200)
        XCTAssertNotNil(try t.daemon.agents.remove(id: yan.id, handOverTo: nil), "Yan holds nothing open")
        let live = try t.value("SELECT state || ' ' || assignee_agent_id || ' ' || closed_by_agent_id FROM tasks").string
        var skipped: [(Int, String)] = []
        _ = try Rebuild.run(store: t.daemon.store, progress: { _, _ in }, skipped: { skipped.append(($0, $1)) })
        XCTAssertEqual(skipped.count, 0, "\(skipped)")
        XCTAssertEqual(try t.value("SELECT state || ' ' || assignee_agent_id || ' ' || closed_by_agent_id FROM tasks").string, live)
    }
    /// Missed-call tasks an integration sent to its configured agent stay theirs in `rebuild` after
    /// the agent is removed (they went to the clients' owners), and the removal takes the agent out
    /// of the integration's settings (new tasks go to the owners, as the daemon already did).
    func testAConfiguredAssigneesTasksStayTheirsInARebuild() throws {
        let yan = try t.addAgent("Yan", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask.assigneeAgentId = yan.id
        let office = try t.addIntegration(region: "RO", settings: settings)
        XCTAssertEqual(try t.call("missed", secret: office.secret, ["callId": "y1", "clientNumber": "+40722920013"]).status, 200)
        let taskId = try XCTUnwrap(try t.value("SELECT id FROM tasks").int)
        XCTAssertEqual(try t.value("SELECT assignee_agent_id FROM tasks").int, yan.id)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/complete", key: yan.key).status, 200)
        XCTAssertNotNil(try t.daemon.agents.remove(id: yan.id, handOverTo: nil))
        let kept = try t.api("GET", "/api/v1/integrations/\(office.integration.id)").json["settings"] as? [String: Any]
        XCTAssertNil((kept?["missedCallTask"] as? [String: Any])?["assigneeAgentId"], "the integration no longer names Yan")
        let live = try t.value("SELECT state || ' ' || assignee_agent_id || ' ' || closed_by_agent_id FROM tasks").string
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.value("SELECT state || ' ' || assignee_agent_id || ' ' || closed_by_agent_id FROM tasks").string, live)
    }
}
