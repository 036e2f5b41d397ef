import Foundation
import Switchboard
import TestSupport
import XCTest

/// A key that may have leaked is replaced: the agent's own, or anyone's by a supervisor; the
/// old key stops working at once. Keys were shown once and could only be dropped with the agent.
final class AgentKeyTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    func testAnAgentReplacesTheirKeyAndASupervisorAnyones() throws {
        let mara = try t.addAgent("Mara", role: .manager)
        let own = try t.api("POST", "/api/v1/me/key", key: mara.key)
        XCTAssertEqual(own.status, 201, own.text)
        let newKey = try XCTUnwrap(own.json["apiKey"] as? String)
        XCTAssertNotEqual(newKey, mara.key)
        XCTAssertEqual(own.json["id"] as? Int, mara.id)
        XCTAssertEqual(try t.api("GET", "/api/v1/me", key: mara.key).status, 401, "the old key stops working at once")
        XCTAssertEqual(try t.api("GET", "/api/v1/me", key: newKey).json["name"] as? String, "Mara")

        XCTAssertEqual(try t.api("POST", "/api/v1/agents/\(t.supervisorId)/key", key: newKey).status, 403, "a manager replaces only their own")
        let bySupervisor = try t.api("POST", "/api/v1/agents/\(mara.id)/key")
        XCTAssertEqual(bySupervisor.status, 201, bySupervisor.text)
        let third = try XCTUnwrap(bySupervisor.json["apiKey"] as? String)
        XCTAssertEqual(try t.api("GET", "/api/v1/me", key: newKey).status, 401)
        XCTAssertEqual(try t.api("GET", "/api/v1/me", key: third).status, 200)
        XCTAssertEqual(try t.api("POST", "/api/v1/agents/9999/key").status, 404)
    }

    /// A stream opened with a key that was replaced ends at once: it kept receiving the
    /// clients' names and numbers after the key (perhaps leaked) was replaced.
    func testAStreamOpenedWithTheOldKeyEnds() throws {
        let mara = try t.addAgent("Mara", role: .supervisor)
        let stream = try t.openEvents(key: mara.key)
        XCTAssertEqual(try t.api("POST", "/api/v1/me/key", key: mara.key).status, 201)
        XCTAssertTrue(stream.waitForClose(), "the stream opened with the old key is closed (it stayed open and was fed)")
    }
}
