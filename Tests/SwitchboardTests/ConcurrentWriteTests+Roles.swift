import Foundation
@testable import Switchboard
import Store
import TestSupport
import XCTest

/// Every write of an API request is refused once the caller was given another role, removed or
/// re-keyed while it was handled (`WriteGuard`), whatever route it came through.
extension ConcurrentWriteTests {
    static func demote(_ id: Int, to role: String) -> @Sendable (Database) throws -> Void {
        { db in _ = try db.execute("UPDATE agents SET role = ? WHERE id = ?", role, id) }
    }

    func testASupervisorDemotedMeanwhileGetsNoOtherAgentsKey() throws {
        let t = self.t!
        let sue = try t.addAgent("Sue", role: .supervisor)
        let vic = try t.addAgent("Vic", role: .manager)
        let rotated = try race({ try t.api("POST", "/api/v1/agents/\(vic.id)/key", key: sue.key) }, meanwhile: Self.demote(sue.id, to: "manager"))
        XCTAssertEqual(rotated.status, 403, rotated.text)
        XCTAssertNil(rotated.json["apiKey"], "no key handed out")
        XCTAssertEqual(try t.api("GET", "/api/v1/me", key: vic.key).status, 200, "Vic's key still works")
    }

    func testASupervisorDemotedMeanwhileCreatesNoContactForAnother() throws {
        let t = self.t!
        let sue = try t.addAgent("Sue", role: .supervisor)
        let bob = try t.addAgent("Bob", role: .manager)
        let created = try race({ try t.api("POST", "/api/v1/contacts", key: sue.key, body: ["name": "Zed", "ownerAgentId": bob.id]) },
                               meanwhile: Self.demote(sue.id, to: "manager"))
        XCTAssertEqual(created.status, 403, created.text)
        XCTAssertEqual(try t.count("contacts"), 0)
    }

    func testAManagerMadeQualityControlMeanwhileResetsNoConversation() throws {
        let t = self.t!
        let ana = try t.addAgent("Ana", role: .manager)
        try t.addMetaChannel()
        XCTAssertEqual(try t.postMeta([metaText("wamid.q1", "Bună")]).status, 200)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM wa_messages").int)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["ownerAgentId": ana.id]).status, 200)
        let reset = try race({ try t.api("POST", "/api/v1/contacts/\(contact)/conversation/reset", key: ana.key, body: [:]) },
                             meanwhile: Self.demote(ana.id, to: "quality-control"))
        XCTAssertEqual(reset.status, 403, reset.text)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1, "the reply task stays open")
    }

    func testAClickForAClientGivenAwayMeanwhileDialsNothing() throws {
        let t = self.t!
        let fake = try FakeRingostat()
        defer { fake.stop() }
        let (ana, bob) = try t.addDialingManagers(fake)
        let created = try t.api("POST", "/api/v1/contacts", key: ana.key, body: ["name": "Ioana", "phones": ["+40722000005"]])
        let id = try XCTUnwrap(created.json["id"] as? Int)
        // Meanwhile the client goes to Bob with another number: the one Ana's click would dial is nobody's.
        let patch = ContactPatch(ownerAgentId: bob.id, phones: ["+40722000006"])
        let click = try race({ try t.api("POST", "/api/v1/calls", key: ana.key, body: ["contactId": id]) },
                             meanwhile: { db in try Self.apply(.contactUpdated(contactId: id, patch: patch), in: db) })
        XCTAssertEqual(click.status, 404, click.text)
        XCTAssertEqual(try t.count("click_to_call"), 0, "nothing dialled")
    }
    /// What the provider did is recorded whatever happened to the caller meanwhile: promoted (or
    /// re-keyed) while the call was being dialled, the request stayed `dialing` for ever.
    func testAClickRecordsItsOutcomeWhenTheCallerChangesWhileDialling() throws {
        let t = self.t!
        let fake = try FakeRingostat()
        defer { fake.stop() }
        let (ana, _) = try t.addDialingManagers(fake)
        let gate = FakeRingostat.Gate()
        fake.set { $0.behaviour = .held(gate) }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            answer.set(Result { try t.api("POST", "/api/v1/calls", key: ana.key, body: ["number": "0722 000 010"]) })
            done.signal()
        }
        XCTAssertEqual(gate.arrived.wait(timeout: .now() + 30), .success, "the provider is dialling")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/agents/\(ana.id)", body: ["role": "supervisor"]).status, 200)
        gate.release.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        let click = try answer.get()
        XCTAssertEqual(click.status, 201, click.text)
        XCTAssertEqual(try t.value("SELECT state FROM click_to_call").string, "dialed")
    }
}
