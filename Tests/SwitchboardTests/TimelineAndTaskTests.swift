import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

final class TimelineAndTaskTests: XCTestCase {
    var t: TestDaemon!
    var secret = ""

    override func setUpWithError() throws {
        t = try TestDaemon()
        secret = try t.addIntegration(region: "RU").secret
    }

    override func tearDown() { t.stop() }

    func testTimelineListsCallsTasksAndDealsNewestFirst() throws {
        try t.call("missed", secret: secret, ["callId": "a", "clientNumber": "8 916 123-45-67", "occurredAt": "2026-11-20T09:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "b", "clientNumber": "+79161234567", "occurredAt": "2026-11-21T09:00:00Z"])
        try t.call("answered", secret: secret, ["callId": "b", "clientNumber": "+79161234567", "occurredAt": "2026-11-21T09:00:04Z"])
        try t.call("ended", secret: secret, ["callId": "b", "clientNumber": "+79161234567", "occurredAt": "2026-11-21T09:05:00Z",
                                             "duration": 300, "recordingUrl": "https://rec.example/b.mp3", "utm_source": "google"])
        let contactId = try XCTUnwrap(try t.api("GET", "/api/v1/contacts?phone=%2B79161234567").json["contacts"] as? [[String: Any]]).first?["id"] as? Int
        let id = try XCTUnwrap(contactId)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts/\(id)/deals", body: ["title": "Sofa", "callId": 2]).status, 201)
        let page = try t.api("GET", "/api/v1/contacts/\(id)/timeline").json
        let items = try XCTUnwrap(page["items"] as? [[String: Any]])
        // The missed call and the task it filed share a moment; the task, filed after it, comes first.
        XCTAssertEqual(items.map { $0["type"] as? String }, ["deal", "call", "task", "call"])
        let call = try XCTUnwrap(items[1]["call"] as? [String: Any])
        XCTAssertEqual(call["state"] as? String, "ended")
        XCTAssertEqual(call["outcome"] as? String, "answered")
        XCTAssertEqual(call["duration"] as? Int, 300)
        XCTAssertEqual(call["recordingUrl"] as? String, "https://rec.example/b.mp3")
        XCTAssertEqual(call["utm"] as? [String: String], ["utm_source": "google"])
        XCTAssertEqual((items[3]["call"] as? [String: Any])?["outcome"] as? String, "missed")
        // The answered call closed the earlier missed-call task.
        XCTAssertEqual((items[2]["task"] as? [String: Any])?["state"] as? String, "done")
    }

    func testTimelinePaginatesAHundredThousandEntriesThroughTheIndex() throws {
        try t.call("ringing", secret: secret, ["callId": "seed", "clientNumber": "+79161234567", "occurredAt": "2026-01-01T00:00:00Z"])
        try t.daemon.store.writeAndWait { db in
            for i in 0..<100_000 {
                let at = String(format: "2025-%02d-%02dT%02d:%02d:%02d.000Z", 1 + (i / 40_000), 1 + (i / 1440) % 28, (i / 60) % 24, i % 60, i % 60)
                // Half calls, half other entries (a task's, as the missed-call rule files them), so pages merge both.
                if i % 2 == 0 {
                    try db.execute("INSERT INTO calls(integration_id, provider_call_id, contact_id, created_at, updated_at) VALUES (1, ?, 1, ?, ?)",
                                   "old-\(i)", at, at)
                } else {
                    try db.execute("INSERT INTO timeline(id, contact_id, at, kind, ref_id) VALUES (?, 1, ?, 'task', ?)",
                                   TimelineKind.task.entryId(1_000_000 + i), at, 1_000_000 + i)
                }
            }
        }
        var kinds = Set<String>()
        var paged: [String] = []
        var seen = Set<String>()
        var previous: String?
        var cursor: String?
        for _ in 0..<5 {
            let path = "/api/v1/contacts/1/timeline?limit=200" + (cursor.map { "&before=" + $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! } ?? "")
            let page = try t.api("GET", path).json
            let items = try XCTUnwrap(page["items"] as? [[String: Any]])
            XCTAssertEqual(items.count, 200)
            for item in items {
                let at = try XCTUnwrap(item["at"] as? String)
                if let previous { XCTAssertLessThanOrEqual(at, previous) }
                previous = at
                kinds.insert(item["type"] as? String ?? "")
                paged.append("\(at) \(item["type"] as? String ?? "")")
            }
            cursor = try XCTUnwrap(page["nextBefore"] as? String)
            XCTAssertTrue(seen.insert(cursor ?? "").inserted, "cursors advance")
        }
        XCTAssertEqual(kinds, ["call", "task"])
        // The five pages are the newest thousand entries, each once, in order.
        let newest = try t.daemon.store.read { db in
            try db.query("SELECT at, kind FROM (\(Timeline.allEntriesSQL)) WHERE contact_id = 1 ORDER BY at DESC, id DESC LIMIT 1000")
                .map { "\($0.string("at") ?? "") \($0.string("kind") ?? "")" }
        }
        XCTAssertEqual(paged, newest)
        for (sql, arguments) in [(Timeline.firstPageSQL, [1, 50] as [any SQLBindable]), (Timeline.pageBeforeSQL, [1, "2025-06-01", 5, 50])] {
            let plan = try t.daemon.store.read { db in
                try db.query("EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0.string("detail") ?? "" }.joined(separator: " ")
            }
            XCTAssertTrue(plan.contains("INDEX calls_timeline") && plan.contains("INDEX timeline_contact"), plan)
            XCTAssertTrue(plan.contains("MERGE"), "the two index scans merged: \(plan)")
            XCTAssertFalse(plan.contains("TEMP B-TREE"), "no sort step: \(plan)")
        }
    }

    func testTasksFilterCompleteAndReassign() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        var settings = IntegrationSettings()
        settings.missedCallTask.assigneeAgentId = manager.id
        let s = try t.addIntegration(region: "RO", settings: settings).secret
        try t.call("missed", secret: s, ["callId": "t1", "clientNumber": "+40722123456",
                                         "occurredAt": "2026-01-01T09:00:00Z"])  // its deadline long past: overdue
        try t.call("missed", secret: secret, ["callId": "t2", "clientNumber": "+79161234567"])
        let mine = try t.api("GET", "/api/v1/tasks?assignee=\(manager.id)&state=open&overdue=true").json["tasks"] as? [[String: Any]] ?? []
        XCTAssertEqual(mine.count, 1)
        let taskId = try XCTUnwrap(mine.first?["id"] as? Int)
        XCTAssertEqual((try t.api("GET", "/api/v1/tasks", key: manager.key).json["tasks"] as? [[String: Any]])?.count, 1,
                       "a manager sees only their tasks")
        let reassigned = try t.api("POST", "/api/v1/tasks/\(taskId)/reassign", body: ["agentId": t.supervisorId])
        XCTAssertEqual(reassigned.json["assigneeAgentId"] as? Int, t.supervisorId)
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks/\(taskId)", key: manager.key).status, 404)
        let done = try t.api("POST", "/api/v1/tasks/\(taskId)/complete")
        XCTAssertEqual(done.json["state"] as? String, "done")
        XCTAssertEqual(done.json["closedByAgentId"] as? Int, t.supervisorId)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(taskId)/complete").status, 409)
        // A done task records who did the work: it is not handed to someone else afterwards.
        let late = try t.api("POST", "/api/v1/tasks/\(taskId)/reassign", body: ["agentId": manager.id])
        XCTAssertEqual(late.status, 409, late.text)
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks/\(taskId)").json["assigneeAgentId"] as? Int, t.supervisorId)
        XCTAssertEqual((try t.api("GET", "/api/v1/tasks?board=calls&state=open").json["tasks"] as? [[String: Any]])?.count, 1)
    }

    /// A `before` that is no `nextBefore` (its time part garbage, or its id negative) is a 400,
    /// as documented; it was read as a time and answered a whole first page, or nothing.
    func testTimelineRefusesACursorItDidNotHandOut() throws {
        try t.call("ringing", secret: secret, ["callId": "c1", "clientNumber": "+79161234567", "occurredAt": "2026-01-01T09:00:00Z"])
        try t.call("ringing", secret: secret, ["callId": "c2", "clientNumber": "+79161234567", "occurredAt": "2026-01-01T10:00:00Z"])
        let contact = try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+79161234567'").int)
        for cursor in ["zzzz~1", "2026~-1", "2026-01-01T10:00:00.000Z~-1", "2026-01-01T10:00:00Z~1", "~1", "x"] {
            let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
            let response = try t.api("GET", "/api/v1/contacts/\(contact)/timeline?before=\(encoded)")
            XCTAssertEqual(response.status, 400, "\(cursor): \(response.text)")
        }
        let first = try t.api("GET", "/api/v1/contacts/\(contact)/timeline?limit=1").json
        let cursor = try XCTUnwrap(first["nextBefore"] as? String)
        let encoded = try XCTUnwrap(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let next = try t.api("GET", "/api/v1/contacts/\(contact)/timeline?limit=1&before=\(encoded)")
        XCTAssertEqual(next.status, 200, next.text)
        XCTAssertEqual((next.json["items"] as? [Any])?.count, 1)
    }

    func testContactsSearchUpdateAndRoleRules() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        let created = try t.api("POST", "/api/v1/contacts", key: manager.key,
                                body: ["name": "Ion Popescu", "phones": ["0722 123 456"], "region": "RO", "fields": ["City": "Iasi"]])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        XCTAssertEqual(created.json["ownerAgentId"] as? Int, manager.id)
        XCTAssertEqual((try t.api("GET", "/api/v1/contacts?q=popes").json["contacts"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual((try t.api("GET", "/api/v1/contacts?phone=0722123456&region=RO").json["contacts"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts?phone=garbage").status, 422)
        let patched = try t.api("PATCH", "/api/v1/contacts/\(id)", key: manager.key, body: ["name": "Ion P.", "fields": ["Source": "expo", "City": NSNull()]])
        XCTAssertEqual(patched.json["name"] as? String, "Ion P.")
        XCTAssertEqual(patched.json["fields"] as? [String: String], ["Source": "expo"])
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)", key: qc.key).status, 200, "quality control sees all")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(id)", key: qc.key, body: ["name": "x"]).status, 403, "and writes none")
        let other = try t.addAgent("Max", role: .manager)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(id)", key: other.key).status, 404, "managers see only their own clients")
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts", body: ["name": "Dup", "phones": ["+40722123456"]]).status, 409)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/999").status, 404)
    }

    func testIntegrationsAPIIsForSupervisorsAndHidesSecrets() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        XCTAssertEqual(try t.api("GET", "/api/v1/integrations", key: manager.key).status, 403)
        let created = try t.api("POST", "/api/v1/integrations", body: ["name": "Office PBX", "provider": "zadarma", "region": "PL",
                                                                      "providerSecret": "zd-secret",
                                                                      "settings": ["missedCallTask": ["board": "Sales"]]])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertTrue((created.json["secret"] as? String ?? "").hasPrefix("whs_"))
        XCTAssertNotNil((created.json["webhooks"] as? [String: String])?["notifications"])
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let listed = try t.api("GET", "/api/v1/integrations").text
        XCTAssertFalse(listed.contains("zd-secret"))
        XCTAssertFalse(listed.contains(created.json["secret"] as? String ?? "-"))
        let patched = try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["region": "UA", "settings": ["utm": ["fields": ["utm_source": "Source"]]]])
        XCTAssertEqual(patched.json["region"] as? String, "UA")
        XCTAssertEqual(try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["settings": ["utm": ["fields": ["utm_bogus": "X"]]]]).status, 422)
        XCTAssertEqual(try t.api("POST", "/api/v1/integrations", body: ["name": "Office PBX", "provider": "native"]).status, 409)
        XCTAssertEqual(try t.api("POST", "/api/v1/integrations", body: ["name": "X", "provider": "skype"]).status, 422)
        XCTAssertEqual(try t.api("DELETE", "/api/v1/integrations/\(id)").status, 204)
        XCTAssertEqual(try t.api("GET", "/api/v1/integrations/\(id)").status, 404)
    }
}

extension TimelineAndTaskTests {
    /// Older versions applied a reassignment of a done task; `rebuild` replays such a stored
    /// event as it was applied (only new requests are refused with 409).
    func testRebuildReplaysAReassignmentOfADoneTaskThatOlderVersionsStored() throws {
        let mia = try t.addAgent("Mia", role: .manager)
        try t.call("missed", secret: secret, ["callId": "old", "clientNumber": "+79161234567"])
        let task = try XCTUnwrap(try t.value("SELECT id FROM tasks").int)
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(task)/complete").status, 200)
        // As an older version stored it: applied, after the completion, before the rule came in.
        let event = DomainEvent.taskReassigned(taskId: task, agentId: mia.id)
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE rule_epochs SET since = ? WHERE name = 'done-tasks-stay'", Timestamp.now())
            try db.execute("""
                INSERT INTO raw_events(source, idempotency_key, kind, received_at, payload) VALUES ('api', 'api:old-reassign', ?, ?, ?)
                """, event.kind, "2026-01-01T00:00:00.000Z", JSONText.string(event))
            try db.execute("UPDATE tasks SET assignee_agent_id = ? WHERE id = ?", mia.id, task)
        }
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.value("SELECT assignee_agent_id FROM tasks WHERE id = ?", task).int, mia.id)
        XCTAssertEqual(try t.value("SELECT count(*) FROM raw_events WHERE outcome = 'skipped'").int, 0)
    }
}

extension TimelineAndTaskTests {
    /// While webhooks fail because the disk is full, `/readyz` says 503: its own one-row write
    /// still fitted in pages the database had, so it answered "ready" and a load balancer kept
    /// sending traffic that could not be stored.
    func testReadyzIsNotReadyWhileWritesFailForWantOfDisk() throws {
        XCTAssertEqual(try t.send("GET", "/readyz").status, 200)
        // The database may not grow by another page: as on a full disk.
        try t.daemon.store.writeAndWait { db in
            let pages = try db.scalar("PRAGMA page_count").int ?? 0
            _ = try db.scalar("PRAGMA max_page_count = \(pages)")
        }
        var failed = 0
        for n in 0..<2000 where failed == 0 {
            let response = try t.call("ringing", secret: secret, ["callId": "full-\(n)", "clientNumber": "+7916\(String(format: "%07d", n))"])
            if response.status >= 500 { failed += 1 } else { XCTAssertEqual(response.status, 200, response.text) }
        }
        XCTAssertEqual(failed, 1, "the disk filled up")
        let ready = try t.send("GET", "/readyz")
        XCTAssertEqual(ready.status, 503, ready.text)
        XCTAssertTrue(ready.text.contains("full"), ready.text)
        try t.daemon.store.writeAndWait { db in _ = try db.scalar("PRAGMA max_page_count = 1073741823") }
    }
}

extension TimelineAndTaskTests {
    /// A completion that commits between a reassignment's check at the request and its write:
    /// the reassignment reached the done task (the check read a snapshot). Now it is refused
    /// when applied, and nothing of it is stored.
    func testAReassignmentThatLosesTheRaceWithACompletionIsRefused() throws {
        let mia = try t.addAgent("Mia", role: .manager)
        try t.call("missed", secret: secret, ["callId": "race", "clientNumber": "+79161234567"])
        let task = try XCTUnwrap(try t.value("SELECT id FROM tasks").int)
        let assignee = try t.value("SELECT assignee_agent_id FROM tasks WHERE id = ?", task).int
        XCTAssertEqual(try t.api("POST", "/api/v1/tasks/\(task)/complete").status, 200)
        // What the reassignment's request writes once its check has passed.
        XCTAssertThrowsError(try t.daemon.store.writeAndWait { db in
            try EventLog.record(.taskReassigned(taskId: task, agentId: mia.id), source: "api", integrationId: nil, key: "api:late-reassign",
                                rawBody: nil, receivedAt: Timestamp.now(), in: db, settings: .fromDatabase)
        }) { error in XCTAssertEqual((error as? DomainError)?.status, 409, "\(error)") }
        XCTAssertEqual(try t.value("SELECT assignee_agent_id FROM tasks WHERE id = ?", task).int, assignee)
        XCTAssertEqual(try t.count("raw_events", "idempotency_key = 'api:late-reassign'"), 0)
    }
}

extension TimelineAndTaskTests {
    /// The task list stopped at 500 tasks by deadline with no way further: the newest tasks of a
    /// busy board could not be reached. Pages now follow `nextAfter`; a misspelt kind is a 400.
    func testTheTaskListPagesThroughEveryTask() throws {
        // Tasks filed in the same second share a deadline: the cursor's id keeps them apart.
        for i in 0..<7 {
            try t.call("missed", secret: secret, ["callId": "p\(i)", "clientNumber": "+7916123450\(i)",
                                                  "occurredAt": "2026-01-0\(1 + i % 2)T09:00:00Z"])
        }
        var seen: [Int] = []
        var after: String?
        var pages = 0
        repeat {
            let path = "/api/v1/tasks?state=open&limit=3" + (after.map { "&after=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "")
            let page = try t.api("GET", path).json
            let tasks = try XCTUnwrap(page["tasks"] as? [[String: Any]])
            seen += tasks.compactMap { $0["id"] as? Int }
            after = page["nextAfter"] as? String
            pages += 1
        } while after != nil && pages < 10
        XCTAssertEqual(pages, 3, "3 + 3 + 1, and no empty page after the last")
        XCTAssertEqual(Set(seen).count, 7)
        let all = try XCTUnwrap(try t.api("GET", "/api/v1/tasks?state=open").json["tasks"] as? [[String: Any]])
        XCTAssertEqual(seen, all.compactMap { $0["id"] as? Int }, "the pages are the list, in its order")
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks?after=garbage").status, 400)
        XCTAssertEqual(try t.api("GET", "/api/v1/tasks?kind=missed-call").status, 400)
    }
}
