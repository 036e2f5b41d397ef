import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// A name or region in a request body that is well-formed JSON but cannot be used is a 422, as
/// for contacts and deals (agents, integrations and channels answered 400 `invalid_request`,
/// which clients treat as a malformed request), and names with line breaks or other control
/// characters are refused: an agent named "Ana\nPop" split the CLI's table and the log line.
final class NameValidationTests: XCTestCase {
    func testUnusableNamesAndRegionsInABodyAre422() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let ana = try t.addAgent("Ana", role: .manager)
        let integration = try t.addIntegration()

        let refusals: [(String, String, [String: Any], String)] = [
            ("PATCH", "/api/v1/agents/\(ana.id)", ["name": " "], "name"),
            ("PATCH", "/api/v1/agents/\(ana.id)", ["name": "Ana\nPop"], "name"),
            ("PATCH", "/api/v1/agents/\(ana.id)", ["sipLogins": [" "]], "SIP login"),
            ("PATCH", "/api/v1/integrations/\(integration.integration.id)", ["name": " "], "name"),
            ("PATCH", "/api/v1/integrations/\(integration.integration.id)", ["name": "shop\r\nfront"], "name"),
            ("PATCH", "/api/v1/integrations/\(integration.integration.id)", ["region": "XX"], "region"),
            ("POST", "/api/v1/integrations", ["name": "shop", "provider": "native", "region": "ROM"], "region"),
            ("POST", "/api/v1/channels", ["name": "pl shop"], "channel name"),
            ("POST", "/api/v1/channels", ["name": "pl-shop", "region": "XX"], "region"),
        ]
        for (method, path, body, names) in refusals {
            let refused = try t.api(method, path, body: body)
            XCTAssertEqual(refused.status, 422, "\(method) \(path) \(body): \(refused.text)")
            XCTAssertEqual((refused.json["error"] as? [String: Any])?["code"] as? String, "unprocessable", refused.text)
            XCTAssertTrue(refused.errorMessage?.contains(names) == true, "\(body) names \(names): \(refused.text)")
        }
        let agents = try t.api("GET", "/api/v1/agents").json["agents"] as? [[String: Any]]
        XCTAssertEqual(agents?.compactMap { $0["name"] as? String }.sorted(), ["Ana", "Sam Supervisor"], "nothing stored")
        XCTAssertEqual(try t.count("integrations"), 1)
        XCTAssertEqual(try t.count("channels"), 0)
    }

    /// A login with an @ (an Aircall email) finds its agent in any case, so it is taken in any
    /// case too: `Ana@Example.com` beside `ana@example.com` made a webhook pick one silently.
    func testAnEmailLoginIsTakenInAnyCase() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana@example.com"])
        let bob = try t.addAgent("Bob", role: .manager)
        let taken = try t.api("PATCH", "/api/v1/agents/\(bob.id)", body: ["sipLogins": ["Ana@Example.com"]])
        XCTAssertEqual(taken.status, 409, taken.text)
        XCTAssertTrue(taken.errorMessage?.contains("agent \(ana.id)") == true, taken.text)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(bob.id)", body: ["sipLogins": ["BOB", "bob"]]).status, 200,
                       "logins without an @ stay case-sensitive SIP user names")
    }

    func testTheCommandLineRefusesANameWithALineBreak() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        let refused = try Subprocess.run(Subprocess.switchboardBinary, ["agents", "add", "--name", "Ana\nPop", "--role", "manager"],
                                         environment: env)
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("control characters"), refused.stderr)
    }
}
