import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Quality control owns no clients and completes no tasks (the API and `agents update` refuse
/// both), whatever the calls say: a call can still name them as its agent.
extension CallWebhookTests {
    /// The owner and assignee as the API shows them, for the client `number`.
    private func ownership(of number: String) throws -> (owner: Int?, callAgent: Int?, taskAssignee: Int?) {
        let contact = try XCTUnwrap((t.api("GET", "/api/v1/contacts?phone=\(number.replacingOccurrences(of: "+", with: "%2B"))")
            .json["contacts"] as? [[String: Any]])?.first)
        let id = try XCTUnwrap(contact["id"] as? Int)
        let items = try XCTUnwrap(t.api("GET", "/api/v1/contacts/\(id)/timeline").json["items"] as? [[String: Any]])
        let call = items.compactMap { $0["call"] as? [String: Any] }.first
        let task = items.compactMap { $0["task"] as? [String: Any] }.first
        return (contact["ownerAgentId"] as? Int, call?["agentId"] as? Int, task?["assigneeAgentId"] as? Int)
    }

    func testACallQualityControlTookLeavesANewClientUnownedAndItsTaskUnassigned() throws {
        let quinn = try t.addAgent("Quinn QC", role: .qualityControl, sip: ["qc-1"])
        try t.call("ringing", secret: secret, ["callId": "q1", "clientNumber": "+40722930001", "sipLogin": "qc-1", "occurredAt": "2026-11-23T10:00:00Z"])
        try t.call("missed", secret: secret, ["callId": "q1", "clientNumber": "+40722930001", "sipLogin": "qc-1", "occurredAt": "2026-11-23T10:00:30Z"])
        let found = try ownership(of: "+40722930001")
        XCTAssertEqual(found.callAgent, quinn.id, "the call still says who it rang")
        XCTAssertNil(found.owner, "quality control owns nobody")
        XCTAssertNil(found.taskAssignee, "nor gets a task they cannot complete")
        XCTAssertEqual((try t.api("GET", "/api/v1/tasks?assignee=\(quinn.id)").json["tasks"] as? [[String: Any]])?.count, 0)

        // A manager the client's next call reaches owns them, and that answer closes the task, now theirs.
        let mia = try t.addAgent("Mia", role: .manager, sip: ["mia-1"])
        try t.call("answered", secret: secret, ["callId": "q2", "clientNumber": "+40722930001", "sipLogin": "mia-1", "occurredAt": "2026-11-23T11:00:00Z"])
        XCTAssertEqual(try ownership(of: "+40722930001").owner, mia.id)
        let task = try XCTUnwrap((t.api("GET", "/api/v1/tasks?assignee=\(mia.id)").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["state"] as? String, "done")
    }

    /// Within one call: an answer by quality control does not take the client from the manager
    /// the call rang first, in either arrival order.
    func testTheManagerACallRangOwnsTheClientQualityControlAnswered() throws {
        _ = try t.addAgent("Quinn QC", role: .qualityControl, sip: ["qc-1"])
        let mia = try t.addAgent("Mia", role: .manager, sip: ["mia-1"])
        let ringing: [String: Any] = ["clientNumber": "+40722930002", "sipLogin": "mia-1", "occurredAt": "2026-11-23T10:00:00Z"]
        let answered: [String: Any] = ["clientNumber": "+40722930002", "sipLogin": "qc-1", "occurredAt": "2026-11-23T10:00:05Z"]
        try t.call("ringing", secret: secret, ringing.merging(["callId": "q3"]) { $1 })
        try t.call("answered", secret: secret, answered.merging(["callId": "q3"]) { $1 })
        XCTAssertEqual(try ownership(of: "+40722930002").owner, mia.id)
        try t.call("answered", secret: secret, answered.merging(["callId": "q4", "clientNumber": "+40722930003"]) { $1 })
        try t.call("ringing", secret: secret, ringing.merging(["callId": "q4", "clientNumber": "+40722930003"]) { $1 })
        XCTAssertEqual(try ownership(of: "+40722930003").owner, mia.id, "answer first, ringing second")
    }

    /// Whether the agent could own is kept with the event: a rebuild after quality control became
    /// a manager gives the same owners and assignees as live.
    func testARebuildAfterARoleChangeKeepsWhoCouldOwnWhenTheCallCame() throws {
        let quinn = try t.addAgent("Quinn QC", role: .qualityControl, sip: ["qc-1"])
        try t.call("missed", secret: secret, ["callId": "q5", "clientNumber": "+40722930004", "sipLogin": "qc-1"])
        XCTAssertNotNil(try t.daemon.agents.update(id: quinn.id, .init(role: .manager)))
        try t.call("missed", secret: secret, ["callId": "q6", "clientNumber": "+40722930005", "sipLogin": "qc-1"])
        let state = { try self.t.daemon.store.read { db in
            try db.query("SELECT c.phones, c.owner_agent_id, t.assignee_agent_id FROM contacts c LEFT JOIN tasks t ON t.contact_id = c.id ORDER BY c.id")
                .map { "\($0.values)" }
        } }
        let live = try state()
        XCTAssertEqual(try ownership(of: "+40722930004").owner, nil)
        XCTAssertEqual(try ownership(of: "+40722930005").owner, quinn.id, "a manager by then")
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try state(), live)
    }
}
