import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// A member a write does not have is a 422 naming it, as contacts, deals and integrations
/// answer: reassigning a task with `{"agentId": 2, "deadline": …}` answered 200 as if the
/// deadline had changed, and a message with `chanelId` went to another thread than the one meant.
final class UnknownMembersTests: XCTestCase {
    func testWritesNameTheMemberTheyDoNotHave() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let ana = try t.addAgent("Ana", role: .manager)
        let secret = try t.addIntegration().secret
        XCTAssertEqual(try t.call("missed", secret: secret, ["callId": "m1", "clientNumber": "+40722100500"]).status, 200)
        let task = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM tasks").int })
        let contact = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM contacts").int })

        let refusals: [(String, [String: Any], String)] = [
            ("/api/v1/tasks/\(task)/reassign", ["agentId": ana.id, "deadline": "2026-12-08T09:00:00Z"], "deadline"),
            ("/api/v1/contacts/\(contact)/messages", ["text": "Hello", "chanelId": 1], "chanelId"),
            ("/api/v1/contacts/\(contact)/messages/preview", ["text": "Hello", "chanelId": 1], "chanelId"),
            ("/api/v1/contacts/\(contact)/messages", ["template": ["name": "hello", "language": "ro", "params": ["Ana"]]], "template.params"),
            ("/api/v1/contacts/\(contact)/messages", ["attachments": [["type": "image", "link": "https://x/a.png", "title": "a"]]],
             "attachments[0].title"),
            ("/api/v1/contacts/\(contact)/conversation/reset", ["channel": 1], "channel"),
            ("/api/v1/canned-answers", ["name": "hi", "text": "Hello", "module": "whatsapp", "shared": true], "shared"),
            ("/api/v1/channels", ["name": "ro-sales", "phoneNumberID": "1055", "appSecret": "s"], "phoneNumberID"),
        ]
        for (path, body, member) in refusals {
            let refused = try t.api("POST", path, body: body)
            XCTAssertEqual(refused.status, 422, "\(path): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.contains("unknown field \(member)") == true, "\(path): \(refused.text)")
        }
        XCTAssertEqual(try t.count("tasks", "assignee_agent_id IS NULL"), 1, "the task was not reassigned")
        XCTAssertEqual(try t.count("canned_answers"), 0)
        XCTAssertEqual(try t.count("channels"), 0)
        XCTAssertEqual(try t.count("wa_outbox"), 0)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(task)/reassign", body: ["agentId": ana.id]).status, 200, "the known member alone works")
    }

    /// A member of the wrong type is a 422 naming it, not read as "no change": a PATCH of an
    /// agent with `{"role": true}` and of a contact with `{"region": 5}` answered 200.
    func testMembersOfTheWrongTypeAreRefused() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let ana = try t.addAgent("Ana", role: .manager)
        let contact = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ion", "phones": ["0722100500"], "region": "RO"])
            .json["id"] as? Int)
        let refusals: [(String, [String: Any], String)] = [
            ("/api/v1/agents/\(ana.id)", ["role": true], "role"), ("/api/v1/agents/\(ana.id)", ["role": []], "role"),
            ("/api/v1/agents/\(ana.id)", ["role": NSNull()], "role"),
            ("/api/v1/contacts/\(contact)", ["region": 5], "region"), ("/api/v1/contacts/\(contact)", ["region": ["RO"]], "region"),
            ("/api/v1/contacts/\(contact)", ["phones": ["0722100501"], "region": true], "region"),
        ]
        let before = try t.api("GET", "/api/v1/contacts/\(contact)").text
        for (path, body, member) in refusals {
            let refused = try t.api("PATCH", path, body: body)
            XCTAssertEqual(refused.status, 422, "\(path) \(body): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.contains(member) == true, "\(path) \(body): \(refused.text)")
        }
        XCTAssertEqual(try t.count("agents", "id = \(ana.id) AND role = 'manager'"), 1)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(contact)").text, before, "the contact is as it was")
        let created = try t.api("POST", "/api/v1/contacts", body: ["name": "Ana", "phones": ["0722100502"], "region": 40])
        XCTAssertEqual(created.status, 422, created.text)
        XCTAssertEqual(try t.count("contacts"), 1)
        // An empty region is no region, as before: a national number cannot be read without one.
        let noRegion = try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["phones": ["0722100501"], "region": ""])
        XCTAssertEqual(noRegion.status, 422, noRegion.text)
        XCTAssertTrue(noRegion.errorMessage?.contains("no default region") == true, noRegion.text)
        // A null region is no region, as before.
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["phones": ["+40722100500"], "region": NSNull()]).status, 200)
    }
}
