import Foundation
import Switchboard
import TestSupport
import XCTest

/// `GET /api/v1/calls/{id}` under the role rules of DESIGN.md: quality control sees every
/// conversation, a manager only those with clients they own, a supervisor all.
final class CallAccessTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration(region: "RO").secret
    }

    override func tearDown() { t.stop() }

    /// The call's id as the webhook answered it.
    private func callId(_ response: RawResponse) throws -> Int {
        XCTAssertEqual(response.status, 200, response.text)
        return try XCTUnwrap((response.json["events"] as? [[String: Any]])?.first?["callId"] as? Int, response.text)
    }

    func testACallWithoutAContactIsReadByQualityControlAndSupervisorsButNotManagers() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        // An unparseable number is stored on a flagged call, and no contact is made.
        let id = try callId(try t.call("ringing", secret: secret, ["callId": "anon-1", "clientNumber": "anonymous"]))

        let bySupervisor = try t.api("GET", "/api/v1/calls/\(id)")
        XCTAssertEqual(bySupervisor.status, 200, bySupervisor.text)
        XCTAssertNil(bySupervisor.json["contactId"] as? Int)
        let byQualityControl = try t.api("GET", "/api/v1/calls/\(id)", key: qc.key)
        XCTAssertEqual(byQualityControl.status, 200, "quality control sees every conversation: \(byQualityControl.text)")
        XCTAssertEqual(byQualityControl.json["id"] as? Int, id)
        XCTAssertEqual(byQualityControl.json["clientNumberRaw"] as? String, "anonymous")
        XCTAssertNotNil(byQualityControl.json["flag"] as? String)
        let byManager = try t.api("GET", "/api/v1/calls/\(id)", key: manager.key)
        XCTAssertEqual(byManager.status, 403, "a manager owns no client on this call")
        XCTAssertNotNil((byManager.json["error"] as? [String: Any])?["message"] as? String)
    }

    func testACallWithAContactIsReadByItsOwnerQualityControlAndSupervisorsOnly() throws {
        let owner = try t.addAgent("Mia", role: .manager)
        let otherManager = try t.addAgent("Max", role: .manager)
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        // The agent on the call owns the contact it creates.
        let id = try callId(try t.call("ringing", secret: secret, ["callId": "owned-1", "clientNumber": "+40722123456",
                                                                 "agentId": owner.id]))

        XCTAssertEqual(try t.api("GET", "/api/v1/calls/\(id)").status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/\(id)", key: qc.key).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/\(id)", key: owner.key).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/\(id)", key: otherManager.key).status, 404,
                       "a manager does not learn that others' clients exist")
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/999999", key: qc.key).status, 404)
    }
}
