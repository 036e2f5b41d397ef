import Foundation
import Switchboard
import TestSupport
import XCTest

extension ProviderWebhookTests {
    /// What a user sees of calls, contacts, tasks and timelines, without ids or receipt times
    /// (rows name each other by provider call id and phone number instead).
    static func userVisibleState(_ daemon: TestDaemon) throws -> [String] {
        try daemon.daemon.store.read { db in
            let calls = try db.query("""
                SELECT c.provider_call_id, c.direction, c.client_number, c.our_number, c.agent_id, c.ringing_at, c.answered_at,
                       c.ended_at, c.missed_at, c.duration, c.talk_time, c.end_reason, c.recording_url, c.utm, c.flag, c.created_at,
                       (SELECT min(phone) FROM contact_phones p WHERE p.contact_id = c.contact_id) AS contact
                FROM calls c
                """).map { "call \($0.values)" }
            let contacts = try db.query("""
                SELECT (SELECT min(phone) FROM contact_phones p WHERE p.contact_id = k.id) AS phone, k.name, k.owner_agent_id, k.fields,
                       k.created_at, k.updated_at FROM contacts k
                """).map { "contact \($0.values)" }
            let tasks = try db.query("""
                SELECT t.kind, t.board, t.assignee_agent_id, t.title, t.deadline, t.state, t.created_at, t.closed_at,
                       (SELECT provider_call_id FROM calls WHERE id = t.call_id) AS call,
                       (SELECT provider_call_id FROM calls WHERE id = t.closed_by_call_id) AS closed_by
                FROM tasks t
                """).map { "task \($0.values)" }
            let timeline = try db.query("""
                SELECT (SELECT min(phone) FROM contact_phones p WHERE p.contact_id = e.contact_id) AS contact, e.at, e.kind,
                       CASE e.kind WHEN 'call' THEN (SELECT provider_call_id FROM calls WHERE id = e.ref_id)
                                   WHEN 'task' THEN (SELECT c.provider_call_id FROM tasks t JOIN calls c ON c.id = t.call_id WHERE t.id = e.ref_id)
                       END AS ref
                FROM timeline e
                """).map { "timeline \($0.values)" }
            return (calls + contacts + tasks + timeline).sorted()
        }
    }

    /// The native sample story delivered newest first into a second daemon ends in the same
    /// calls, contacts (owner, created and updated times), tasks and timeline as in file order.
    func testNativeSamplesInReverseOrderEndInTheSameState() throws {
        let reversed = try TestDaemon()
        defer { reversed.stop() }
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source", "utm_campaign": "Campaign"]
        for daemon in [t!, reversed] {
            _ = try daemon.addAgent("Ana", role: .manager, sip: ["ana"])
        }
        let forwardSecret = try t.addIntegration(settings: settings, name: "pbx").secret
        let reverseSecret = try reversed.addIntegration(settings: settings, name: "pbx").secret
        let story = try deliveries("native")
        for (daemon, secret, order) in [(t!, forwardSecret, story), (reversed, reverseSecret, Array(story.reversed()))] {
            for delivery in order {
                let response = try daemon.send(delivery.method, delivery.path, headers: [("Authorization", "Bearer \(secret)"),
                                                                                         ("Content-Type", delivery.contentType)],
                                               body: try sample("native", delivery.file))
                XCTAssertEqual(response.status, 200, "\(delivery.file): \(response.text)")
            }
        }
        let forward = try Self.userVisibleState(t), backward = try Self.userVisibleState(reversed)
        XCTAssertEqual(forward.count, backward.count)
        for (a, b) in zip(forward, backward) { XCTAssertEqual(a, b) }
        XCTAssertTrue(forward.contains { $0.hasPrefix("task ") }, "the story files a task")
    }
}
