import Foundation
import Switchboard
import TestSupport
import XCTest

/// The tasks API, driven over HTTP: filters that say what they mean or are refused, and
/// reassignment only to agents who complete tasks.
final class TaskAPITests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration(region: "RO").secret
    }

    override func tearDown() { t.stop() }

    func taskIds(_ path: String) throws -> [Int] {
        let response = try t.api("GET", path)
        XCTAssertEqual(response.status, 200, "\(path): \(response.text)")
        return (response.json["tasks"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }

    func testLimitOutsideOneTo500OrNotAnIntegerIsRefused() throws {
        try t.assertLimitIsChecked("/api/v1/tasks", maximum: 500)
    }

    func testContactAndOverdueFiltersAreValidated() throws {
        try t.call("missed", secret: secret, ["callId": "a", "clientNumber": "+40722123456", "occurredAt": "2026-01-01T09:00:00Z"])
        try t.call("missed", secret: secret, ["callId": "b", "clientNumber": "+40722123457"])   // due in the future
        XCTAssertEqual(try taskIds("/api/v1/tasks").count, 2)
        XCTAssertEqual(try taskIds("/api/v1/tasks?contact=1"), [1])
        XCTAssertEqual(try taskIds("/api/v1/tasks?overdue=true"), [1])
        XCTAssertEqual(try taskIds("/api/v1/tasks?overdue=false"), [1, 2], "false, the default: no such filter")
        for bad in ["contact=abc", "contact=1.5", "contact=", "overdue=1", "overdue=yes", "overdue=", "assignee=x"] {
            let response = try t.api("GET", "/api/v1/tasks?\(bad)")
            XCTAssertEqual(response.status, 400, "\(bad): \(response.text)")
            let name = String(bad.prefix { $0 != "=" })
            XCTAssertTrue(response.errorMessage?.contains(name) ?? false, "\(bad): \(response.text)")
        }
    }

    /// A supervisor hands out what nobody has: `assignee=none` lists the unassigned tasks
    /// (it was a 400, so only reading every task found them).
    func testUnassignedTasksAreListedWithAssigneeNone() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        try t.call("missed", secret: secret, ["callId": "a", "clientNumber": "+40722123456"])
        try t.call("missed", secret: secret, ["callId": "b", "clientNumber": "+40722123457"])
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/1/reassign", body: ["agentId": ana.id]).status, 200)
        XCTAssertEqual(try taskIds("/api/v1/tasks?assignee=none"), [2])
        XCTAssertEqual(try taskIds("/api/v1/tasks?assignee=\(ana.id)"), [1])
        XCTAssertEqual(try taskIds("/api/v1/tasks?assignee=none&state=done"), [])
    }

    func testTasksCannotBeGivenToQualityControlOrNobody() throws {
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        let manager = try t.addAgent("Mia", role: .manager)
        try t.call("missed", secret: secret, ["callId": "a", "clientNumber": "+40722123456", "agentId": manager.id])
        for target in [qc.id, 999] {
            let response = try t.api("POST", "/api/v1/tasks/1/reassign", body: ["agentId": target])
            XCTAssertEqual(response.status, 422, "agent \(target): \(response.text)")
        }
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks/1").json["assigneeAgentId"] as? Int, manager.id)
        XCTAssertEqual(try t.count("raw_events", "kind = 'task.reassigned'"), 0, "nothing refused is recorded")
        let reassigned = try t.api("POST", "/api/v1/tasks/1/reassign", body: ["agentId": t.supervisorId])
        XCTAssertEqual(reassigned.status, 200, reassigned.text)
        XCTAssertEqual(reassigned.json["assigneeAgentId"] as? Int, t.supervisorId)
    }
}
