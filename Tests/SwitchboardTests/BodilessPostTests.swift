import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// The POSTs that take no body (key and secret rotation, completing a task) answered 201/200 to
/// any body, malformed JSON included, where every endpoint with a body answers 400 or 422: a
/// client that sent `{"note": "called back"}` with a completion was told it was done as sent.
final class BodilessPostTests: XCTestCase {
    func testABodyIsRefusedAndNothingChangesButNoneOrAnEmptyObjectWorks() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let ana = try t.addAgent("Ana", role: .manager)
        let integration = try t.addIntegration()
        let channel = try t.daemon.channels.add(.init(name: "wz", provider: .wazzup, phoneNumberId: "wz-1", region: "RU"),
                                               baseURL: "http://x")
        XCTAssertEqual(try t.call("missed", secret: integration.secret, ["callId": "m1", "clientNumber": "+40722100500"]).status, 200)
        let task = try XCTUnwrap(try t.daemon.store.read { db in try db.scalar("SELECT id FROM tasks").int })

        // Each endpoint, the row it would change, and the request that works.
        let endpoints: [(path: String, key: String?, table: String, row: Int, works: Int)] = [
            ("/api/v1/me/key", ana.key, "agents", ana.id, 201),
            ("/api/v1/agents/\(ana.id)/key", nil, "agents", ana.id, 201),
            ("/api/v1/integrations/\(integration.integration.id)/secret", nil, "integrations", integration.integration.id, 201),
            ("/api/v1/channels/\(channel.channel.id)/secret", nil, "channels", channel.channel.id, 201),
            ("/api/v1/tasks/\(task)/complete", nil, "tasks", task, 200),
        ]
        var anaKey = ana.key   // replaced along the way
        for endpoint in endpoints {
            let key = endpoint.key == nil ? t.supervisorKey : anaKey
            let before = try row(endpoint.table, endpoint.row, in: t)
            let malformed = try t.send("POST", endpoint.path, headers: headers(key), body: #"{"note": "#)
            XCTAssertEqual(malformed.status, 400, "\(endpoint.path): \(malformed.text)")
            let member = try t.send("POST", endpoint.path, headers: headers(key), body: #"{"note": "called back"}"#)
            XCTAssertEqual(member.status, 422, "\(endpoint.path): \(member.text)")
            XCTAssertTrue(member.errorMessage?.contains("unknown field note") == true, "\(endpoint.path): \(member.text)")
            let notAnObject = try t.send("POST", endpoint.path, headers: headers(key), body: "[]")
            XCTAssertEqual(notAnObject.status, 400, "\(endpoint.path): \(notAnObject.text)")
            XCTAssertEqual(try row(endpoint.table, endpoint.row, in: t), before, "\(endpoint.path): a refused request changed nothing")

            let empty = try t.send("POST", endpoint.path, headers: headers(key), body: " {} \n")
            XCTAssertEqual(empty.status, endpoint.works, "\(endpoint.path): \(empty.text)")
            XCTAssertNotEqual(try row(endpoint.table, endpoint.row, in: t), before, "\(endpoint.path): an empty object works")
            if endpoint.table == "agents", let replaced = empty.json["apiKey"] as? String { anaKey = replaced }
        }
        XCTAssertEqual(try t.count("tasks", "state = 'done'"), 1)

        // No body at all, as before.
        let bare = try t.send("POST", "/api/v1/me/key", headers: [("Authorization", "Bearer \(anaKey)")])
        XCTAssertEqual(bare.status, 201, bare.text)
        if let replaced = bare.json["apiKey"] as? String { anaKey = replaced }
        // `null`, which some clients send for no body, is no body too.
        let null = try t.send("POST", "/api/v1/me/key", headers: headers(anaKey), body: " null ")
        XCTAssertEqual(null.status, 201, null.text)
    }

    private func headers(_ key: String) -> [(String, String)] {
        [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")]
    }

    /// The row as text, every column: any change shows.
    private func row(_ table: String, _ id: Int, in t: TestDaemon) throws -> String {
        try t.daemon.store.read { db in
            try db.queryOne("SELECT * FROM \(table) WHERE id = ?", id).map { "\($0.values)" } ?? "none"
        }
    }
}
