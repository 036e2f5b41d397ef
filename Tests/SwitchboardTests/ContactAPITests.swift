import Foundation
import Switchboard
import TestSupport
import XCTest

/// The contacts API and a contact's timeline, driven over HTTP: who sees which contacts, what
/// input is refused, and how an owner change carries the contact's tasks along.
final class ContactAPITests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    /// Creates a contact as the supervisor and returns its id.
    func createContact(_ name: String, owner: Int?, phones: [String] = []) throws -> Int {
        var body: [String: Any] = ["name": name, "phones": phones]
        if let owner { body["ownerAgentId"] = owner }
        let created = try t.api("POST", "/api/v1/contacts", body: body)
        XCTAssertEqual(created.status, 201, created.text)
        return try XCTUnwrap(created.json["id"] as? Int, created.text)
    }

    func names(_ response: RawResponse) -> [String] {
        (response.json["contacts"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    // MARK: - Search

    /// A client whose answer was lost retries with the same Idempotency-Key and learns what the
    /// first request made; the same key on a different request is refused.
    func testARetryWithTheSameIdempotencyKeyAnswersWithTheFirstResult() throws {
        func post(_ path: String, key: String, _ body: [String: Any]) throws -> RawResponse {
            let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            return try t.send("POST", path, headers: [("Authorization", "Bearer \(t.supervisorKey)"), ("Content-Type", "application/json"),
                                                      ("Idempotency-Key", key)], body: text)
        }
        let first = try post("/api/v1/contacts", key: "k-1", ["name": "Idem"])
        XCTAssertEqual(first.status, 201, first.text)
        let again = try post("/api/v1/contacts", key: "k-1", ["name": "Idem"])
        XCTAssertEqual(again.status, 201, again.text)
        XCTAssertEqual(again.json["id"] as? Int, first.json["id"] as? Int)
        XCTAssertEqual(try t.count("contacts"), 1, "created once")
        let other = try post("/api/v1/contacts", key: "k-1", ["name": "Someone else"])
        XCTAssertEqual(other.status, 422, other.text)
        let contactId = try XCTUnwrap(first.json["id"] as? Int)
        let deal = try post("/api/v1/contacts/\(contactId)/deals", key: "d-1", ["title": "Big deal"])
        XCTAssertEqual(deal.status, 201, deal.text)
        let dealAgain = try post("/api/v1/contacts/\(contactId)/deals", key: "d-1", ["title": "Big deal"])
        XCTAssertEqual(dealAgain.json["id"] as? Int, deal.json["id"] as? Int, dealAgain.text)
        XCTAssertEqual(try t.count("deals"), 1)
        // A deal without a title is named after the contact when applied: a retry after a
        // rename is still the same request.
        let untitled = try post("/api/v1/contacts/\(contactId)/deals", key: "d-2", [:])
        XCTAssertEqual(untitled.json["title"] as? String, "Deal with Idem", untitled.text)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contactId)", body: ["name": "Renamed"]).status, 200)
        let untitledAgain = try post("/api/v1/contacts/\(contactId)/deals", key: "d-2", [:])
        XCTAssertEqual(untitledAgain.status, 201, untitledAgain.text)
        XCTAssertEqual(untitledAgain.json["id"] as? Int, untitled.json["id"] as? Int)
    }

    func testManagerSearchFindsOwnContactsBehindOthersMoreRecentOnes() throws {
        let m1 = try t.addAgent("Mia", role: .manager)
        let m2 = try t.addAgent("Max", role: .manager)
        _ = try createContact("Ivan Own", owner: m1.id)
        for n in 1...6 { _ = try createContact("Ivan Other \(n)", owner: m2.id) }

        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?q=Ivan&limit=1", key: m1.key)), ["Ivan Own"])
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?limit=1", key: m1.key)), ["Ivan Own"])
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?q=Ivan", key: m1.key)), ["Ivan Own"])
        // The limit is exact and the order is the newest update first, for everyone.
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?q=Ivan&limit=2", key: m2.key)), ["Ivan Other 6", "Ivan Other 5"])
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?q=Ivan&limit=3")), ["Ivan Other 6", "Ivan Other 5", "Ivan Other 4"])
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?limit=200")).count, 7)
    }

    func testManagerPhoneSearchFindsOnlyOwnContacts() throws {
        let m1 = try t.addAgent("Mia", role: .manager)
        let m2 = try t.addAgent("Max", role: .manager)
        _ = try createContact("Theirs", owner: m2.id, phones: ["+40722123456"])
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?phone=%2B40722123456", key: m1.key)), [])
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?phone=%2B40722123456", key: m2.key)), ["Theirs"])
    }

    func testPhoneSearchReadsAnUnencodedPlusAsThePlus() throws {
        _ = try createContact("Ion", owner: nil, phones: ["+40722123456"])
        // `+` in a query string decodes to a space; `%2B` is the proper encoding, and both work.
        for query in ["phone=+40722123456", "phone=%2B40722123456", "phone=+40+722+123+456", "phone=0722123456&region=RO"] {
            let found = try t.api("GET", "/api/v1/contacts?\(query)")
            XCTAssertEqual(found.status, 200, "\(query): \(found.text)")
            XCTAssertEqual(names(found), ["Ion"], query)
        }
        // A leading space before a national number (a country code never starts with 0) is no plus.
        XCTAssertEqual(names(try t.api("GET", "/api/v1/contacts?phone=%200722123456&region=RO")), ["Ion"])
    }

    // MARK: - Limits

    func testLimitOutsideOneTo200OrNotAnIntegerIsRefused() throws {
        let id = try createContact("Ion", owner: nil)
        try t.assertLimitIsChecked("/api/v1/contacts", maximum: 200)
        try t.assertLimitIsChecked("/api/v1/contacts/\(id)/timeline", maximum: 200)
    }

    // MARK: - Timeline

    func testTimelineLastPageThatIsExactlyFullHasNoCursor() throws {
        let secret = try t.addIntegration(region: "RO").secret
        for n in 0..<11 {
            try t.call("ringing", secret: secret, ["callId": "tl-\(n)", "clientNumber": "+40722123456",
                                                   "occurredAt": String(format: "2026-03-01T09:%02d:00Z", n)])
        }
        let id = try XCTUnwrap((try t.api("GET", "/api/v1/contacts?phone=%2B40722123456").json["contacts"] as? [[String: Any]])?.first?["id"] as? Int)
        let full = try t.api("GET", "/api/v1/contacts/\(id)/timeline?limit=11").json
        XCTAssertEqual((full["items"] as? [Any])?.count, 11)
        XCTAssertNil(full["nextBefore"], "absent on the last page")

        let first = try t.api("GET", "/api/v1/contacts/\(id)/timeline?limit=10").json
        XCTAssertEqual((first["items"] as? [Any])?.count, 10)
        let cursor = try XCTUnwrap(first["nextBefore"] as? String)
        let encoded = try XCTUnwrap(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let last = try t.api("GET", "/api/v1/contacts/\(id)/timeline?limit=10&before=\(encoded)").json
        XCTAssertEqual(((last["items"] as? [[String: Any]])?.first?["call"] as? [String: Any])?["providerCallId"] as? String, "tl-0")
        XCTAssertEqual((last["items"] as? [Any])?.count, 1)
        XCTAssertNil(last["nextBefore"])
    }

    // MARK: - Owners

    func testOwnerMustBeAnAgentWhoIsNotQualityControl() throws {
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        let manager = try t.addAgent("Mia", role: .manager)
        for owner in [999, qc.id, 0] {
            let created = try t.api("POST", "/api/v1/contacts", body: ["name": "x", "ownerAgentId": owner])
            XCTAssertEqual(created.status, 422, "owner \(owner): \(created.text)")
        }
        XCTAssertEqual(try t.count("contacts"), 0)
        let id = try createContact("Ion", owner: manager.id)
        for owner in [999, qc.id, 0] {
            let patched = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": owner])
            XCTAssertEqual(patched.status, 422, "owner \(owner): \(patched.text)")
        }
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)").json["ownerAgentId"] as? Int, manager.id)
    }

    func testOwnerChangeMovesTheContactsOpenTasksThatFollowTheOwner() throws {
        let m1 = try t.addAgent("Mia", role: .manager)
        let m2 = try t.addAgent("Max", role: .manager)
        let secret = try t.addIntegration(region: "RO").secret   // no assignee configured: tasks go to the owner
        let number = "+40722123456"
        // A missed call (its task closed by the answered call after it), then two more missed calls.
        try t.call("missed", secret: secret, ["callId": "c1", "clientNumber": number, "agentId": m1.id, "occurredAt": "2026-03-01T09:00:00Z"])
        try t.call("answered", secret: secret, ["callId": "c2", "clientNumber": number, "agentId": m1.id, "occurredAt": "2026-03-01T10:00:00Z"])
        try t.call("missed", secret: secret, ["callId": "c3", "clientNumber": number, "agentId": m1.id, "occurredAt": "2026-03-01T11:00:00Z"])
        try t.call("missed", secret: secret, ["callId": "c4", "clientNumber": number, "agentId": m1.id, "occurredAt": "2026-03-01T12:00:00Z"])
        let contact = try XCTUnwrap((try t.api("GET", "/api/v1/contacts?phone=%2B40722123456").json["contacts"] as? [[String: Any]])?.first)
        let id = try XCTUnwrap(contact["id"] as? Int)
        XCTAssertEqual(contact["ownerAgentId"] as? Int, m1.id)
        let tasks = try XCTUnwrap(try t.api("GET", "/api/v1/tasks?contact=\(id)").json["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.count, 3)
        XCTAssertTrue(tasks.allSatisfy { $0["assigneeAgentId"] as? Int == m1.id })
        let taskId = { (callId: Int) in tasks.first { $0["callId"] as? Int == callId }?["id"] as? Int ?? 0 }
        let (done, followsOwner, reassigned) = (taskId(1), taskId(3), taskId(4))
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(reassigned)/reassign", body: ["agentId": t.supervisorId]).status, 200)

        let events = try t.openEvents(key: m2.key)
        let oldOwnerEvents = try t.openEvents(key: m1.key)
        let supervisorEvents = try t.openEvents(key: t.supervisorKey)
        let patched = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": m2.id])
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual(patched.json["ownerAgentId"] as? Int, m2.id)
        let assigned = try events.nextEvent(named: "task.assigned")
        XCTAssertEqual(assigned["id"] as? Int, followsOwner)
        XCTAssertEqual(assigned["assigneeAgentId"] as? Int, m2.id)
        // The old owner's screen drops the task (told only its id: the client is no longer theirs),
        // and a supervisor watching the board sees it move.
        let unassigned = try oldOwnerEvents.nextEvent(named: "task.unassigned")
        XCTAssertEqual(unassigned["taskId"] as? Int, followsOwner)
        XCTAssertEqual(unassigned["assigneeAgentId"] as? Int, m2.id)
        XCTAssertNil(unassigned["title"], "nothing about the client beyond the task's id")
        XCTAssertEqual(try supervisorEvents.nextEvent(named: "task.assigned")["id"] as? Int, followsOwner)
        // A supervisor hands the task back by hand: Mia hears it came; Max, who still owns the
        // client, sees it go to her (task.assigned, not told to drop a client he sees).
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(followsOwner)/reassign", body: ["agentId": m1.id]).status, 200)
        XCTAssertEqual(try events.nextEvent(named: "task.assigned")["assigneeAgentId"] as? Int, m1.id)
        XCTAssertEqual(try oldOwnerEvents.nextEvent(named: "task.assigned")["id"] as? Int, followsOwner)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(followsOwner)/reassign", body: ["agentId": m2.id]).status, 200)
        XCTAssertEqual(try events.nextEvent(named: "task.assigned")["id"] as? Int, followsOwner)

        func assignee(_ task: Int) throws -> Int? { try t.api("GET", "/api/v1/tasks/\(task)").json["assigneeAgentId"] as? Int }
        XCTAssertEqual(try assignee(followsOwner), m2.id, "an open task that went to the owner follows the owner")
        XCTAssertEqual(try assignee(done), m1.id, "a done task stays with whoever had it")
        XCTAssertEqual(try assignee(reassigned), t.supervisorId, "a task given by hand stays where it was given")
        XCTAssertEqual((try t.api("GET", "/api/v1/tasks", key: m1.key).json["tasks"] as? [[String: Any]])?.compactMap { $0["id"] as? Int },
                       [done], "the old owner keeps only what they did")
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks/\(followsOwner)", key: m1.key).status, 404)

        // The owner was set by hand: the contact's calls no longer move it.
        try t.call("answered", secret: secret, ["callId": "c0", "clientNumber": number, "agentId": m1.id, "occurredAt": "2026-02-01T09:00:00Z"])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)").json["ownerAgentId"] as? Int, m2.id)
        XCTAssertEqual(try assignee(followsOwner), m2.id)
    }

    /// A client left without an owner leaves its owner-following task with nobody: the agent
    /// who had it and everyone who sees the client hear so.
    func testATaskLeftWithNobodyIsAnnouncedToItsOldAssigneeAndTheClientsViewers() throws {
        let mia = try t.addAgent("Mia", role: .manager)
        let secret = try t.addIntegration(region: "RO").secret
        try t.call("missed", secret: secret, ["callId": "o1", "clientNumber": "+40722123456", "agentId": mia.id])
        let contact = try XCTUnwrap((try t.api("GET", "/api/v1/contacts?phone=%2B40722123456").json["contacts"] as? [[String: Any]])?.first)
        let id = try XCTUnwrap(contact["id"] as? Int)
        let supervisor = try t.openEvents(key: t.supervisorKey)
        let miaEvents = try t.openEvents(key: mia.key)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": NSNull()]).status, 200)
        let unassigned = try miaEvents.nextEvent(named: "task.unassigned")
        XCTAssertTrue(unassigned.keys.contains("assigneeAgentId") && unassigned["assigneeAgentId"] is NSNull, "\(unassigned)")
        let seen = try supervisor.nextEvent(named: "task.assigned")
        XCTAssertEqual(seen["contactId"] as? Int, id)
        XCTAssertTrue(seen["assigneeAgentId"] == nil || seen["assigneeAgentId"] is NSNull, "\(seen)")
    }

    /// A manager who still owns the client sees a task handed to someone else as
    /// `task.assigned` (to its new assignee) and is not told to drop it.
    func testAnOwnerWhoStillSeesTheClientIsNotToldToDropAHandedOverTask() throws {
        let mia = try t.addAgent("Mia", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        let secret = try t.addIntegration(region: "RO").secret
        try t.call("missed", secret: secret, ["callId": "h1", "clientNumber": "+40722123456", "agentId": mia.id])
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks", key: mia.key).json["tasks"] as? [[String: Any]])?.first?["id"] as? Int)
        let miaEvents = try t.openEvents(key: mia.key)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(task)/reassign", body: ["agentId": bob.id]).status, 200)
        XCTAssertEqual(try miaEvents.nextEvent(named: "task.assigned")["assigneeAgentId"] as? Int, bob.id)
        // A marker meant for Mia after the reassignment: nothing told her to drop the task before it.
        try t.call("ringing", secret: secret, ["callId": "marker", "clientNumber": "+40722123456", "agentId": mia.id])
        let text = try miaEvents.read(until: "marker")
        XCTAssertFalse(text.contains("task.unassigned"), text)
    }

    func testNullOwnerLeavesTheContactUnownedForSupervisorsOnly() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let secret = try t.addIntegration(region: "RO").secret
        try t.call("missed", secret: secret, ["callId": "n1", "clientNumber": "+40722123456", "agentId": manager.id])
        let id = try XCTUnwrap((try t.api("GET", "/api/v1/contacts?phone=%2B40722123456").json["contacts"] as? [[String: Any]])?.first?["id"] as? Int)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", key: manager.key, body: ["ownerAgentId": NSNull()]).status, 403)

        let cleared = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": NSNull()])
        XCTAssertEqual(cleared.status, 200, cleared.text)
        XCTAssertNil(cleared.json["ownerAgentId"])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)", key: manager.key).status, 404, "managers see no unowned contact")
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks?contact=\(id)").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertNil(task["assigneeAgentId"], "the task that followed the owner is nobody's now")
        // Other changes leave the owner alone.
        let renamed = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["name": "Ion"])
        XCTAssertNil(renamed.json["ownerAgentId"])
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["ownerAgentId": manager.id]).json["ownerAgentId"] as? Int, manager.id)
    }

    // MARK: - Bad input

    func testWrongTypesAndEmptyNamesAreRefused() throws {
        let refusedCreates: [[String: Any]] = [
            ["name": "F", "fields": ["a": 1]],
            ["name": "F", "fields": "a"],
            ["name": "F", "phones": "0733"],
            ["name": "F", "phones": [733]],
            ["name": ""],
            ["name": "   "],
            ["name": 5],
        ]
        for body in refusedCreates {
            let response = try t.api("POST", "/api/v1/contacts", body: body)
            XCTAssertEqual(response.status, 422, "\(body): \(response.text)")
        }
        XCTAssertEqual(try t.count("contacts"), 0)

        let id = try createContact("Ion", owner: nil, phones: ["+40722123456"])
        let refusedPatches: [[String: Any]] = [
            ["phones": "0733"],
            ["phones": [1]],
            ["name": ""],
            ["name": NSNull()],
            ["name": 5],
            ["fields": ["a": 1]],
            ["fields": [1]],
            ["ownerAgentId": "someone"],
        ]
        for body in refusedPatches {
            let response = try t.api("PATCH", "/api/v1/contacts/\(id)", body: body)
            XCTAssertEqual(response.status, 422, "\(body): \(response.text)")
        }
        let contact = try t.api("GET", "/api/v1/contacts/\(id)").json
        XCTAssertEqual(contact["name"] as? String, "Ion")
        XCTAssertEqual(contact["phones"] as? [String], ["+40722123456"])

        // Null field values on create are simply not set, as on update they clear.
        let created = try t.api("POST", "/api/v1/contacts", body: ["name": "G", "fields": ["City": "Iasi", "Source": NSNull()]])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.json["fields"] as? [String: String], ["City": "Iasi"])
    }
}

extension TestDaemon {
    /// Asserts that `path` answers 400 naming `limit` for every limit that is not an integer
    /// from 1 to `maximum`, and 200 for both ends of that range.
    func assertLimitIsChecked(_ path: String, maximum: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        for bad in ["0", "-5", "abc", "1.5", "\(maximum + 1)", "99999999999999999999999", ""] {
            let response = try api("GET", "\(path)?limit=\(bad)")
            XCTAssertEqual(response.status, 400, "\(path)?limit=\(bad): \(response.text)", file: file, line: line)
            XCTAssertEqual(response.errorCode, "invalid_request", response.text, file: file, line: line)
            XCTAssertTrue(response.errorMessage?.contains("limit") ?? false, response.text, file: file, line: line)
        }
        for good in ["1", "\(maximum)"] {
            XCTAssertEqual(try api("GET", "\(path)?limit=\(good)").status, 200, "\(path)?limit=\(good)", file: file, line: line)
        }
    }
}

extension ContactAPITests {
    /// The same number twice (as written, or in two spellings) is one phone: it was a 500 that
    /// showed the SQL (UNIQUE constraint failed: contact_phones.phone).
    func testANumberGivenTwiceIsKeptOnce() throws {
        let created = try t.api("POST", "/api/v1/contacts", body: ["name": "Dup", "phones": ["+40744000001", "0744000001"], "region": "RO"])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.json["phones"] as? [String], ["+40744000001"])
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let patched = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["phones": ["+40744000009", "+40744000002", "+40744000009"]])
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual((try t.api("GET", "/api/v1/contacts/\(id)").json["phones"] as? [String])?.sorted(), ["+40744000002", "+40744000009"])
        // The number it no longer has is free: nobody is found by it, and another contact can take it.
        XCTAssertEqual((try t.api("GET", "/api/v1/contacts?phone=%2B40744000001").json["contacts"] as? [[String: Any]])?.count, 0)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts", body: ["name": "Next", "phones": ["+40744000001"]]).status, 201)
    }

    /// A manager who gives their contact a number another manager's client has is told it is
    /// taken, not which contact has it: a manager does not learn others' clients exist.
    func testATakenNumberDoesNotNameAContactTheManagerCannotSee() throws {
        let ana = try t.addAgent("Ana", role: .manager)
        let bob = try t.addAgent("Bob", role: .manager)
        let anas = try createContact("Ana's client", owner: ana.id, phones: ["+40722123456"])
        let bobs = try createContact("Bob's client", owner: bob.id)
        let refused = try t.api("PATCH", "/api/v1/contacts/\(bobs)", key: bob.key, body: ["phones": ["+40722123456"]])
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertFalse(refused.text.contains("contact \(anas)"), refused.text)
        XCTAssertTrue(refused.text.contains("another contact"), refused.text)
    }
}

extension ContactAPITests {
    /// A deal's title, pipeline or stage of the wrong type is a 422 naming it, as for contacts;
    /// it was ignored and the deal made with defaults.
    func testADealMemberOfTheWrongTypeIsRefused() throws {
        let id = try createContact("Ion", owner: nil)
        for body: [String: Any] in [["title": true], ["pipeline": ["a": 1]], ["stage": [1]], ["title": 5]] {
            let response = try t.api("POST", "/api/v1/contacts/\(id)/deals", body: body)
            XCTAssertEqual(response.status, 422, "\(body): \(response.text)")
            XCTAssertTrue(response.text.contains(body.keys.first ?? "?"), response.text)
        }
        XCTAssertEqual(try t.count("deals"), 0)
        let made = try t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["title": "Kitchen", "stage": NSNull()])
        XCTAssertEqual(made.status, 201, made.text)
        XCTAssertEqual(made.json["stage"] as? String, "new")
    }
}

extension ContactAPITests {
    /// Names are found however they are typed: in any case and without their diacritics, in
    /// Romanian and Cyrillic too. SQLite's LIKE folds only ASCII, so "ștefan" did not find
    /// "Ștefan Ionescu" and "иван" did not find "Иван".
    func testNameSearchIgnoresCaseAndDiacriticsBeyondASCII() throws {
        _ = try createContact("Ștefan Ionescu", owner: nil)
        _ = try createContact("Иван Петров", owner: nil)
        _ = try createContact("Ion 50%_off", owner: nil)
        for (query, expected) in [("ștefan", ["Ștefan Ionescu"]), ("STEFAN", ["Ștefan Ionescu"]), ("ionescu", ["Ștefan Ionescu"]),
                                  ("иван", ["Иван Петров"]), ("ПЕТРОВ", ["Иван Петров"]), ("50%_", ["Ion 50%_off"]),
                                  ("%", ["Ion 50%_off"]), ("ion", ["Ion 50%_off", "Ștefan Ionescu"])] {
            let encoded = try XCTUnwrap(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let found = try t.api("GET", "/api/v1/contacts?q=\(encoded)")
            XCTAssertEqual(found.status, 200, found.text)
            XCTAssertEqual(names(found).sorted(), expected.sorted(), query)
        }
    }
}

extension ContactAPITests {
    /// A task an agent completes leaves everyone's board: its assignee and whoever sees the
    /// client hear `task.completed` with the task as it now is. Nothing was sent, so other
    /// screens kept showing it open.
    func testCompletingATaskIsAnnouncedToItsAssigneeAndTheClientsViewers() throws {
        let mia = try t.addAgent("Mia", role: .manager)
        let secret = try t.addIntegration(region: "RO").secret
        try t.call("missed", secret: secret, ["callId": "c1", "clientNumber": "+40722123456", "agentId": mia.id])
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks", key: mia.key).json["tasks"] as? [[String: Any]])?.first?["id"] as? Int)
        let supervisor = try t.openEvents(key: t.supervisorKey)
        let miaEvents = try t.openEvents(key: mia.key)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(task)/complete").status, 200)
        for stream in [miaEvents, supervisor] {
            let completed = try stream.nextEvent(named: "task.completed")
            XCTAssertEqual(completed["id"] as? Int, task)
            XCTAssertEqual(completed["state"] as? String, "done")
            XCTAssertEqual(completed["closedByAgentId"] as? Int, t.supervisorId)
        }
    }
}

extension ContactAPITests {
    /// A member that does not exist (`phone` for `phones`, a typo) is a 422 naming it, as for
    /// integrations; it was ignored and the request answered 200 as if it had been applied.
    func testUnknownMembersAreRefusedNotIgnored() throws {
        let refused = try t.api("POST", "/api/v1/contacts", body: ["name": "Ion", "phone": "+40722123456"])
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("unknown field phone"), refused.text)
        XCTAssertEqual(try t.count("contacts"), 0)
        let id = try createContact("Ion", owner: nil)
        let patched = try t.api("PATCH", "/api/v1/contacts/\(id)", body: ["nmae": "Ioan"])
        XCTAssertEqual(patched.status, 422, patched.text)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)").json["name"] as? String, "Ion")
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["titel": "Kitchen"]).status, 422)
        XCTAssertEqual(try t.count("deals"), 0)
    }
}

extension ContactAPITests {
    /// A missed-call task that goes because the call turns out answered is withdrawn from the
    /// board of the agent it was assigned to, also one who does not own the client: they heard
    /// `task.created` but never `task.withdrawn`, and kept a task that no longer exists.
    func testAWithdrawnTaskLeavesItsAssigneesBoard() throws {
        let owner = try t.addAgent("Ana", role: .manager)
        let assignee = try t.addAgent("Cid", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask.assigneeAgentId = assignee.id
        let secret = try t.addIntegration(region: "RO", settings: settings).secret
        _ = try createContact("Client", owner: owner.id, phones: ["+40722123456"])
        let stream = try t.openEvents(key: assignee.key)
        try t.call("missed", secret: secret, ["callId": "w1", "clientNumber": "+40722123456", "occurredAt": "2026-01-01T10:00:00Z"])
        let created = try stream.nextEvent(named: "task.created")
        try t.call("answered", secret: secret, ["callId": "w1", "clientNumber": "+40722123456", "occurredAt": "2026-01-01T09:59:00Z"])
        let withdrawn = try stream.nextEvent(named: "task.withdrawn")
        XCTAssertEqual(withdrawn["taskId"] as? Int, created["id"] as? Int)
    }
}
