import Foundation
@testable import Switchboard
import Store
import Synchronization
import TestSupport
import XCTest

/// A request checks the caller's rights on a read connection and the writer applies it a moment
/// later; what changed in between (a client given to someone else, an agent made quality
/// control) is checked again by the writer. Each test holds the writer, lets the request pass
/// its first check and queue, makes the change in the held job, and then lets both run, in
/// that order. (Found by a concurrency audit, where these races happened 10–70% of the time.)
final class ConcurrentWriteTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    /// Runs `request` while the writer is held; `meanwhile` runs in the held job once the
    /// request's write is queued behind it, so it commits first. Returns the request's answer.
    func race(_ request: @escaping @Sendable () throws -> RawResponse, meanwhile: @escaping @Sendable (Database) throws -> Void) throws -> RawResponse {
        let store = t.daemon.store
        let queued = DispatchSemaphore(value: 0)
        let held = DispatchSemaphore(value: 0)
        let firstRun = Flag()
        store.write({ db in
            // A job body may run again (its batch rerun after another job threw): only its first run waits.
            if firstRun.takeFirst() {
                held.signal()
                queued.wait()
            }
            try meanwhile(db)
        }, completion: { result in if case .failure(let error) = result { XCTFail("the change failed: \(error)") } })
        held.wait()
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            answer.set(Result { try request() })
            done.signal()
        }
        // The request has passed its check on a read connection once its write waits behind the held one.
        let deadline = Date().addingTimeInterval(10)
        while store.queuedWrites == 0 && Date() < deadline { usleep(200) }
        XCTAssertEqual(store.queuedWrites, 1, "the request's write is queued")
        queued.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "the request was answered")
        return try answer.get()
    }

    /// Records `event` as a supervisor's API write would.
    static func apply(_ event: DomainEvent, in db: Database) throws {
        _ = try EventLog.record(event, source: "api", integrationId: nil, key: "test:\(UUID().uuidString)", rawBody: nil,
                                receivedAt: Timestamp.now(), in: db, settings: .fromDatabase, wantsLiveUpdates: false)
    }

    func testAManagersWritesToAClientGivenAwayMeanwhileAreRefusedNotStored() throws {
        let t = self.t!
        let ana = try t.addAgent("Ana", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        let created = try t.api("POST", "/api/v1/contacts", key: ana.key, body: ["name": "Ioana", "phones": ["+40722000001"]])
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let giveToBob = { @Sendable (db: Database) in try Self.apply(.contactUpdated(contactId: id, patch: ContactPatch(ownerAgentId: bob.id)), in: db) }
        let renamed = try race({ try t.api("PATCH", "/api/v1/contacts/\(id)", key: ana.key, body: ["name": "Ioana (Ana's)"]) },
                               meanwhile: giveToBob)
        XCTAssertEqual(renamed.status, 404, renamed.text)
        let contact = try t.api("GET", "/api/v1/contacts/\(id)", key: bob.key)
        XCTAssertEqual(contact.json["name"] as? String, "Ioana", "the rename was not stored")

        // Bob's client goes back to Ana while Bob opens a deal on it.
        let dealt = try race({ try t.api("POST", "/api/v1/contacts/\(id)/deals", key: bob.key, body: ["title": "Bob's deal"]) },
                             meanwhile: { db in try Self.apply(.contactUpdated(contactId: id, patch: ContactPatch(ownerAgentId: ana.id)), in: db) })
        XCTAssertEqual(dealt.status, 404, dealt.text)
        XCTAssertEqual(try t.count("deals"), 0)
    }

    func testATaskCompletedByAManagerWhoLostTheClientMeanwhileStaysOpen() throws {
        let t = self.t!
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask = .init()
        let secret = try t.addIntegration(region: "RO", settings: settings).secret
        for (kind, at) in [("ringing", "10:00:00"), ("missed", "10:00:30")] {
            XCTAssertEqual(try t.call(kind, secret: secret, ["callId": "m-1", "clientNumber": "0722000002", "sipLogin": "ana",
                                                             "occurredAt": "2026-12-01T\(at)Z"]).status, 200)
        }
        let task = try XCTUnwrap(try t.value("SELECT id FROM tasks").int)
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM tasks").int)
        XCTAssertEqual(try t.value("SELECT assignee_agent_id FROM tasks").int, ana.id)
        let answer = try race({ try t.api("POST", "/api/v1/tasks/\(task)/complete", key: ana.key) }, meanwhile: { db in
            try Self.apply(.contactUpdated(contactId: contact, patch: ContactPatch(ownerAgentId: bob.id)), in: db)
        })
        XCTAssertEqual(answer.status, 404, answer.text)
        XCTAssertEqual(try t.value("SELECT state || ' ' || assignee_agent_id FROM tasks").string, "open \(bob.id)",
                       "the task followed its client to Bob, open")
    }

    func testWorkGivenToAnAgentMadeQualityControlMeanwhileIsRefused() throws {
        let t = self.t!
        let cora = try t.addAgent("Cora", role: .manager)
        let makeQC = { @Sendable (db: Database) in _ = try db.execute("UPDATE agents SET role = 'quality-control' WHERE id = ?", cora.id) }
        let created = try race({ try t.api("POST", "/api/v1/contacts", body: ["name": "Zed", "ownerAgentId": cora.id]) }, meanwhile: makeQC)
        XCTAssertEqual(created.status, 422, created.text)
        XCTAssertEqual(created.errorCode, "invalid_field")
        XCTAssertEqual(try t.count("contacts"), 0)
    }

    func testTwoManagersClickingTheSameNewNumberDialItOnce() throws {
        let t = self.t!
        let fake = try FakeRingostat()
        defer { fake.stop() }
        let (ana, bob) = try t.addDialingManagers(fake)
        // Bob's click on the same new number is recorded first: the number becomes his client.
        let bobsClient = ContactInput(name: "+40722000009", phones: ["+40722000009"], ownerAgentId: bob.id, fields: [:])
        let answer = try race({ try t.api("POST", "/api/v1/calls", key: ana.key, body: ["number": "0722 000 009"]) },
                              meanwhile: { db in try Self.apply(.contactCreated(bobsClient), in: db) })
        XCTAssertEqual(answer.status, 403, answer.text)
        XCTAssertEqual(try t.count("click_to_call"), 0, "nothing dialled for Ana")
        XCTAssertEqual(try t.count("calls"), 0)
    }
}

/// True for the first caller only.
private final class Flag: Sendable {
    private let taken = Mutex(false)
    func takeFirst() -> Bool { taken.withLock { was in defer { was = true }; return !was } }
}

/// A result handed from the request's thread to the test's.
final class Answer: @unchecked Sendable {
    // @unchecked: written once before `done` is signalled, read after it.
    private var result: Result<RawResponse, Error>?
    func set(_ value: Result<RawResponse, Error>) { result = value }
    func get() throws -> RawResponse {
        guard let result else { throw StoreError.closed }
        return try result.get()
    }
}
