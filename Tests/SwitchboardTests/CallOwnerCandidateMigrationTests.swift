import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Migration 043 keeps what was stored before it as it was: calls keep their agent as the one who
/// can own, and events that kept their agent before it (no `agent_owns`) rebuild under the old rule.
final class CallOwnerCandidateMigrationTests: XCTestCase {
    func testCallsAndEventsStoredBeforeKeepTheOldRule() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("switchboard.db")
        do {
            let db = try legacyDatabase(at: path, before: "043_call_owner_candidate")
            try db.execute("""
                INSERT INTO calls(id, integration_id, provider_call_id, agent_id, agent_rank, created_at, updated_at)
                VALUES (1, 1, 'old', 7, '12026-11-20T09:00:00.000Z000000000007', '2026-11-20T09:00:00.000Z', '2026-11-20T09:00:00.000Z')
                """)
        }
        let store = try Store(path: path, migrations: Schema.migrations)
        let migrated = try store.read { db in try db.queryOne("SELECT owner_candidate, owner_rank, agent_rank FROM calls WHERE id = 1") }
        XCTAssertEqual(migrated?.int("owner_candidate"), 7)
        XCTAssertEqual(migrated?.string("owner_rank"), migrated?.string("agent_rank"))
        store.close()

        // An event whose agent was kept before 043 (no agent_owns): quality control then owned the client, and still does in a rebuild.
        let t = try TestDaemon()
        defer { t.stop() }
        let secret = try t.addIntegration(region: "RO").secret
        let quinn = try t.addAgent("Quinn QC", role: .qualityControl, sip: ["qc-1"])
        try t.call("ringing", secret: secret, ["callId": "q7", "clientNumber": "+40722930007", "sipLogin": "qc-1"])
        XCTAssertNil(try t.value("SELECT owner_agent_id FROM contacts").int)
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE raw_events SET agent_owns = NULL") }
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.value("SELECT owner_agent_id FROM contacts").int, quinn.id)
    }
}
