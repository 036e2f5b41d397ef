import Foundation
@testable import Switchboard
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
                FROM (\(Timeline.allEntriesSQL)) e
                """).map { "timeline \($0.values)" }
            return (calls + contacts + tasks + timeline).sorted()
        }
    }

    /// Each provider's sample story delivered newest first into a second daemon ends in the same
    /// calls, contacts (owner, created and updated times), tasks and timeline as in file order.
    /// Times taken from our clock (moments a provider does not date) are masked: they differ
    /// between the two deliveries by the milliseconds between them.
    func testEveryProvidersSamplesInReverseOrderEndInTheSameState() throws {
        let clock = ISO8601DateFormatter()
        clock.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let started = clock.string(from: Date())
        for provider in ["native", "twilio", "zadarma", "ringostat", "aircall"] {
            let reversed = try TestDaemon { $0.publicURL = Self.publicURL }
            defer { reversed.stop() }
            let forward = try TestDaemon { $0.publicURL = Self.publicURL }
            defer { forward.stop() }
            var settings = IntegrationSettings()
            settings.utm.fields = ["utm_source": "Source", "utm_campaign": "Campaign"]
            let providerSecret = ["twilio": Self.twilioToken, "zadarma": Self.zadarmaSecret, "aircall": Self.aircallToken][provider] ?? ""
            let story = try deliveries(provider).filter { $0.method == "POST" && $0.file != "-" }
            var states: [[String]] = []
            for (daemon, order) in [(forward, story), (reversed, Array(story.reversed()))] {
                _ = try daemon.addAgent("Ana", role: .manager, sip: ["ana", "100", "ana@example.com"])
                _ = try daemon.addAgent("Bogdan", role: .manager, sip: ["bogdan"])
                let secret = try daemon.addIntegration(Integration.Provider(rawValue: provider) ?? .native, providerSecret: providerSecret,
                                                       settings: settings, name: "pbx").secret
                for delivery in order {
                    let path = delivery.path.replacingOccurrences(of: "{secret}", with: secret)
                    let body = try sample(provider, delivery.file)
                    var headers = [("Content-Type", delivery.contentType)]
                    switch provider {
                    case "native": headers.append(("Authorization", "Bearer \(secret)"))
                    case "twilio": headers = Self.twilioHeaders(path, body)
                    case "zadarma": headers.append(("Signature", Self.zadarmaSignature(body)))
                    default: break
                    }
                    let response = try daemon.send("POST", path, headers: headers, body: body)
                    XCTAssertEqual(response.status, 200, "\(provider) \(delivery.file): \(response.text)")
                }
                states.append(try Self.userVisibleState(daemon).map { Self.maskingClockTimes($0, since: started) })
            }
            XCTAssertEqual(states[0].count, states[1].count, provider)
            for (a, b) in zip(states[0], states[1]) { XCTAssertEqual(a, b, provider) }
            XCTAssertTrue(states[0].contains { $0.hasPrefix("task ") }, "\(provider): the story files a task")
        }
    }

    /// `row` with every time at or after `since` (our clock's, not the story's) replaced by `<now>`.
    static func maskingClockTimes(_ row: String, since: String) -> String {
        var masked = ""
        var rest = row[...]
        while let range = rest.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#, options: .regularExpression) {
            masked += rest[..<range.lowerBound]
            masked += rest[range] >= since ? "<now>" : String(rest[range])
            rest = rest[range.upperBound...]
        }
        return masked + rest
    }
}
