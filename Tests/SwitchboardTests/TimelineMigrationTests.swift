import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Migration 008 gives timeline entries ids derived from what they point at and drops the
/// UNIQUE (kind, ref_id) index; a database written before it must keep its history.
final class TimelineMigrationTests: XCTestCase {
    func testEntriesWrittenBeforeTheMigrationKeepTheirHistoryAndTakeDerivedIds() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("switchboard.db")
        do {
            let db = try legacyDatabase(at: path, before: "008_timeline_id_from_reference")
            // The old table numbered entries as they came; a redelivery could not add a second one.
            for (contact, at, kind, ref) in [(1, "2026-11-20T09:00:00.000Z", "call", 7), (1, "2026-11-20T09:00:00.000Z", "task", 2),
                                             (1, "2026-11-21T10:00:00.000Z", "deal", 3), (1, "2026-11-19T08:00:00.000Z", "message", 5),
                                             (2, "2026-11-22T08:00:00.000Z", "call", 8)] {
                try db.execute("INSERT INTO timeline(contact_id, at, kind, ref_id) VALUES (?, ?, ?, ?)", contact, at, kind, ref)
            }
            XCTAssertThrowsError(try db.execute("INSERT INTO timeline(contact_id, at, kind, ref_id) VALUES (1, 'x', 'call', 7)"))
        }
        // Up to the migration that takes the calls' entries out of this table (041, tested below).
        let store = try Store(path: path, migrations: Array(Schema.migrations.prefix { $0.name != "041_call_timeline_from_calls" }))
        defer { store.close() }
        let rows = try store.read { db in
            try db.query("SELECT id, contact_id, at, kind, ref_id FROM timeline ORDER BY contact_id, at, id").map { row in
                "\(row.int("contact_id") ?? 0) \(row.string("at") ?? "") \(row.string("kind") ?? "") \(row.int("ref_id") ?? 0) \(row.int("id") ?? 0)"
            }
        }
        XCTAssertEqual(rows, [
            "1 2026-11-19T08:00:00.000Z message 5 \(TimelineKind.message.entryId(5))",
            "1 2026-11-20T09:00:00.000Z call 7 \(TimelineKind.call.entryId(7))",
            "1 2026-11-20T09:00:00.000Z task 2 \(TimelineKind.task.entryId(2))",
            "1 2026-11-21T10:00:00.000Z deal 3 \(TimelineKind.deal.entryId(3))",
            "2 2026-11-22T08:00:00.000Z call 8 \(TimelineKind.call.entryId(8))",
        ])
        let indexes = try store.read { db in
            try db.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'timeline' ORDER BY name").compactMap { $0.string("name") }
        }
        XCTAssertEqual(indexes, ["timeline_contact"], "only the contact's index is left")
    }

    /// Migration 041: a call's entry is the call itself. A database written before it keeps every
    /// call on its contact's timeline, at the call's start, merged with the entries left in the table.
    func testCallsStayOnTheTimelineWhenTheirEntriesLeaveTheTable() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("switchboard.db")
        do {
            let db = try legacyDatabase(at: path, before: "041_call_timeline_from_calls")
            try db.execute("INSERT INTO contacts(id, name, created_at, updated_at) VALUES (1, 'Ana', '2026-11-20T08:00:00.000Z', '2026-11-20T08:00:00.000Z')")
            // A call known from its ringing, and one whose after-call report said when it began.
            try db.execute("""
                INSERT INTO calls(id, integration_id, provider_call_id, contact_id, ringing_at, answered_at, created_at, updated_at)
                VALUES (7, 1, 'a', 1, '2026-11-20T09:00:00.000Z', '2026-11-20T09:00:05.000Z', '2026-11-20T09:00:00.000Z', '2026-11-20T09:00:05.000Z')
                """)
            try db.execute("""
                INSERT INTO calls(id, integration_id, provider_call_id, contact_id, ended_at, began_at, created_at, updated_at)
                VALUES (8, 1, 'b', 1, '2026-11-21T10:05:00.000Z', '2026-11-21T10:00:00.000Z', '2026-11-21T10:05:00.000Z', '2026-11-21T10:05:00.000Z')
                """)
            for (at, kind, ref) in [("2026-11-20T09:00:00.000Z", TimelineKind.call, 7), ("2026-11-20T09:00:00.000Z", .task, 2),
                                    ("2026-11-21T10:00:00.000Z", .call, 8), ("2026-11-22T08:00:00.000Z", .message, 5)] {
                try db.execute("INSERT INTO timeline(id, contact_id, at, kind, ref_id) VALUES (?, 1, ?, ?, ?)", kind.entryId(ref), at, kind.rawValue, ref)
            }
        }
        let store = try Store(path: path, migrations: Schema.migrations)
        defer { store.close() }
        let (left, indexes) = try store.read { db in
            (try db.query("SELECT kind FROM timeline ORDER BY id").compactMap { $0.string("kind") },
             try db.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'calls' ORDER BY name").compactMap { $0.string("name") })
        }
        XCTAssertEqual(left, ["task", "message"])
        XCTAssertEqual(indexes, ["calls_answered", "calls_talked_unanswered", "calls_timeline", "sqlite_autoindex_calls_1"])
        // Newest first; at one instant the task comes before the call that filed it. The calls come with what they hold.
        let page = try store.read { db in try Timeline.page(db, contactId: 1, limit: 10, before: nil) }
        XCTAssertEqual(page.items.map { "\($0.type) \($0.at)" }, ["message 2026-11-22T08:00:00.000Z", "call 2026-11-21T10:00:00.000Z",
                                                                 "task 2026-11-20T09:00:00.000Z", "call 2026-11-20T09:00:00.000Z"])
        XCTAssertEqual(page.items.compactMap { $0.call?.id }, [8, 7])
        // Page by page, the same.
        var cursor: String?
        var paged: [String] = []
        repeat {
            let next = try store.read { db in try Timeline.page(db, contactId: 1, limit: 1, before: cursor) }
            paged += next.items.map { "\($0.type) \($0.at)" }
            cursor = next.nextBefore
        } while cursor != nil
        XCTAssertEqual(paged, page.items.map { "\($0.type) \($0.at)" })
    }

    func testAnEntryIsOnePerReferencedRowWithoutTheUniqueIndex() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let secret = try t.addIntegration(region: "RO").secret
        try t.call("ringing", secret: secret, ["callId": "m1", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:05Z"])
        try t.call("ringing", secret: secret, ["callId": "m1", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:01Z"])
        try t.call("missed", secret: secret, ["callId": "m1", "clientNumber": "+40722123456", "occurredAt": "2026-11-23T10:00:30Z"])
        let entries = try t.daemon.store.read { db in
            try db.query("SELECT id, kind, ref_id, at FROM (\(Timeline.allEntriesSQL)) ORDER BY id").map { row in
                "\(row.string("kind") ?? "") \(row.int("ref_id") ?? 0) \(row.string("at") ?? "") \(row.int("id") == TimelineKind(rawValue: row.string("kind") ?? "")?.entryId(row.int("ref_id") ?? 0))"
            }
        }
        // One entry for the call, at its earliest moment; one for the task the miss filed.
        XCTAssertEqual(entries, ["call 1 2026-11-23T10:00:01.000Z true", "task 1 2026-11-23T10:00:30.000Z true"])
    }

    func testTheDaemonLogsEachMigrationOfAnUpgradeBeforeItListens() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("switchboard.db")
        _ = try legacyDatabase(at: path, before: "008_timeline_id_from_reference")
        let daemon = try RunningDaemon(environment: ["SWITCHBOARD_DATABASE": path, "SWITCHBOARD_DATA_DIRECTORY": dir.path("data")])
        XCTAssertEqual(try daemon.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
        XCTAssertEqual(daemon.stop(), 0)
        let lines = daemon.log.split(separator: "\n").map(String.init)
        let applying = try XCTUnwrap(lines.firstIndex { $0.contains(#""msg":"applying migration""#) && $0.contains("008_timeline_id_from_reference") },
                                     daemon.log)
        let applied = try XCTUnwrap(lines.firstIndex { $0.contains(#""msg":"migration applied""#) && $0.contains("008_timeline_id_from_reference") && $0.contains(#""ms":"#) },
                                    daemon.log)
        XCTAssertLessThan(applying, applied)
        XCTAssertFalse(lines.contains { $0.contains("007_drop_contacts_name_index") }, "only pending migrations are logged")
        let listening = try XCTUnwrap(lines.firstIndex { $0.contains(#""msg":"listening""#) }, daemon.log)
        XCTAssertLessThan(applied, listening, "migrations finish before the daemon listens")
    }
}
