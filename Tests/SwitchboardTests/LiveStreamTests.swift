import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// Who hears what on `/api/v1/events`, and for how long.
final class LiveStreamTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration().secret
    }

    override func tearDown() { t.stop() }

    /// `agents remove` runs in another process; at its next heartbeat the daemon finds the
    /// agent gone and ends their open streams (the key already opens no new one).
    func testARemovedAgentsOpenStreamEndsAtTheNextCheck() throws {
        let gone = try t.addAgent("Gone", role: .supervisor)
        let stays = try t.addAgent("Stays", role: .supervisor)
        let goneStream = try t.openEvents(key: gone.key)
        let staysStream = try t.openEvents(key: stays.key)
        XCTAssertTrue(try t.daemon.agents.remove(id: gone.id))
        t.daemon.hub.recheckAgents()   // what each heartbeat does
        XCTAssertTrue(goneStream.waitForClose(), "the removed agent's stream is ended")
        try t.call("ringing", secret: secret, ["callId": "after", "clientNumber": "+40722000901"])
        XCTAssertEqual(try staysStream.nextEvent(named: "call.ringing")["type"] as? String, "call.ringing")
    }

    /// A missed-call task that goes to a fixed assignee is announced to them and to everyone who
    /// sees the client; when a callback closes it, its assignee hears which tasks closed.
    func testTaskEventsReachTheAssigneeAndTheClientsViewers() throws {
        let owner = try t.addAgent("Mara", role: .manager, sip: ["mara"])
        let assignee = try t.addAgent("Ion", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask.assigneeAgentId = assignee.id
        let s = try t.addIntegration(settings: settings).secret
        let assigneeStream = try t.openEvents(key: assignee.key)
        let supervisorStream = try t.openEvents(key: t.supervisorKey)
        try t.call("ringing", secret: s, ["callId": "c1", "clientNumber": "+40722000902", "agentId": owner.id,
                                          "occurredAt": "2026-11-24T09:00:00Z"])
        try t.call("missed", secret: s, ["callId": "c2", "clientNumber": "+40722000902", "occurredAt": "2026-11-24T10:00:00Z"])
        let created = try supervisorStream.nextEvent(named: "task.created")
        let taskId = try XCTUnwrap(created["id"] as? Int)
        XCTAssertEqual(try assigneeStream.nextEvent(named: "task.created")["id"] as? Int, taskId)
        try t.call("answered", secret: s, ["callId": "c3", "direction": "outbound", "clientNumber": "+40722000902",
                                           "agentId": owner.id, "occurredAt": "2026-11-24T10:30:00Z"])
        let closed = try assigneeStream.nextEvent(named: "tasks.closed")
        XCTAssertEqual(closed["taskIds"] as? [Int], [taskId])
        XCTAssertEqual((try supervisorStream.nextEvent(named: "tasks.closed"))["taskIds"] as? [Int], [taskId])
    }
}
