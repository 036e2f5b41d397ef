import Foundation
import TestSupport
import XCTest

/// The daemon binary under crash and rebuild: acknowledged means stored, exactly once.
final class DurabilityTests: XCTestCase {
    var dir: TemporaryDirectory!
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        dir = try TemporaryDirectory()
        environment = ["SWITCHBOARD_DATABASE": dir.path("sb.db"), "SWITCHBOARD_LOG_REQUESTS": "false"]
    }

    private func cli(_ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: environment)
    }

    private func integrationSecret(region: String = "RO") throws -> String {
        let added = try cli(["integrations", "add", "--name", "pbx", "--provider", "native", "--region", region, "--json"])
        XCTAssertEqual(added.status, 0, added.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(json?["secret"] as? String)
    }

    func testEveryAcknowledgedEventSurvivesSIGKILLExactlyOnce() throws {
        let secret = try integrationSecret()
        let acknowledged = AckLog()
        let nextCall = Counter(0)
        for cycle in 0..<4 {
            let daemon = try RunningDaemon(environment: environment)
            let port = daemon.port
            let stop = StopFlag()
            let group = DispatchGroup()
            for worker in 0..<8 {
                DispatchQueue.global().async(group: group) {
                    guard let connection = try? RawConnection(port: port, timeout: 5) else { return }
                    while !stop.isSet {
                        let n = nextCall.next()
                        // Every 7th event repeats an earlier id: duplicates are normal traffic.
                        let callId = n % 7 == 6 ? "call-\(n - 3)" : "call-\(n)"
                        let body = #"{"callId":"\#(callId)","clientNumber":"+4072212\#(String(format: "%04d", n % 10_000))","eventId":"\#(callId)"}"#
                        let request = "POST /webhooks/calls/ringing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(secret)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                        guard (try? connection.send(request)) != nil, let response = try? connection.readResponse() else { return }
                        if response.status == 200 { acknowledged.add(callId) }
                    }
                    _ = worker
                }
            }
            // Kill at a random point: after a random number of further acknowledgements.
            let target = acknowledged.count + Int.random(in: 200...1200)
            while acknowledged.count < target { usleep(2_000) }
            daemon.kill()
            stop.set()
            group.wait()
            _ = cycle
        }
        let stored = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"),
            "SELECT json_extract(payload, '$.call.callId'), count(*) FROM raw_events GROUP BY 1"])
        var counts: [String: Int] = [:]
        for line in stored.stdout.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count == 2 { counts[String(parts[0])] = Int(parts[1]) }
        }
        let acked = acknowledged.all
        XCTAssertGreaterThan(acked.count, 800)
        for id in acked { XCTAssertEqual(counts[id], 1, "\(id) acknowledged but stored \(counts[id] ?? 0) times") }
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "no event is stored twice")
        let integrity = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "PRAGMA integrity_check"])
        XCTAssertEqual(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
        let calls = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT count(*) FROM calls"])
        XCTAssertEqual(Int(calls.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), counts.count, "one call per stored event")
    }

    func testRebuildFromRawEventsYieldsTheSameState() throws {
        let secret = try integrationSecret(region: "RU")
        let daemon = try RunningDaemon(environment: environment)
        let key = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(try cli(["agents", "add", "--name", "Sam", "--role", "supervisor", "--json"]).stdout.utf8)) as? [String: Any])?["apiKey"] as? String)
        func post(_ path: String, _ body: String, auth: String) throws -> RawResponse {
            try daemon.request("POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(auth)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        for i in 0..<30 {
            let number = "8 916 123-45-\(String(format: "%02d", i % 7))"
            let kind = ["ringing", "missed", "answered", "ended"][i % 4]
            let body = #"{"callId":"r\#(i / 2)","clientNumber":"\#(number)","occurredAt":"2026-11-2\#(i % 3)T10:\#(String(format: "%02d", i)):00Z","utm_source":"src\#(i)"}"#
            XCTAssertEqual(try post("/webhooks/calls/\(kind)", body, auth: secret).status, 200)
        }
        XCTAssertEqual(try post("/api/v1/contacts/1/deals", #"{"title":"Deal A"}"#, auth: key).status, 201)
        let patch = #"{"name":"Olga","fields":{"City":"Omsk"}}"#
        _ = try daemon.request("PATCH /api/v1/contacts/2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Length: \(patch.utf8.count)\r\n\r\n\(patch)")
        let openTask = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT min(id) FROM tasks WHERE state = 'open'"])
        let taskId = try XCTUnwrap(Int(openTask.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "the scenario leaves an open task")
        XCTAssertEqual(try post("/api/v1/tasks/\(taskId)/complete", "", auth: key).status, 200)
        XCTAssertEqual(daemon.stop(), 0)

        let before = try dump()
        let rebuilt = try cli(["rebuild"])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.stderr)
        XCTAssertTrue(rebuilt.stderr.contains("rebuild: 33/33 events"), rebuilt.stderr)
        XCTAssertEqual(try dump(), before)
        XCTAssertTrue(before.contains("Olga") && before.contains("Deal A") && before.contains("done"))
    }

    private func dump() throws -> String {
        var out = ""
        for table in ["contacts", "contact_phones", "calls", "deals", "tasks", "timeline"] {
            out += try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT * FROM \(table) ORDER BY 1"]).stdout
        }
        return out
    }

    /// A second daemon on the same database would send every queued WhatsApp message again,
    /// and `rebuild` beside a running daemon replaces what it writes meanwhile: both are
    /// refused while a daemon serves the file, and work again once it has stopped, SIGKILL included.
    func testOneDaemonPerDatabaseAndNoRebuildBesideIt() throws {
        _ = try integrationSecret()
        let daemon = try RunningDaemon(environment: environment)
        let pid = daemon.process.processIdentifier

        let rebuild = try cli(["rebuild"])
        XCTAssertEqual(rebuild.status, 1, rebuild.stdout)
        XCTAssertTrue(rebuild.stderr.contains("another switchboard (serve pid \(pid)) is using this database"), rebuild.stderr)
        XCTAssertFalse(rebuild.stderr.contains("rebuild: "), "nothing was rebuilt: \(rebuild.stderr)")
        let migrate = try cli(["migrate"])
        XCTAssertEqual(migrate.status, 1, migrate.stdout)
        XCTAssertTrue(migrate.stderr.contains("serve pid \(pid)"), migrate.stderr)

        var second = environment
        second["SWITCHBOARD_LISTEN"] = "127.0.0.1:\(try RunningDaemon.freePort())"
        let serve = try Subprocess.run(Subprocess.switchboardBinary, ["serve"], environment: second)
        XCTAssertEqual(serve.status, 1)
        XCTAssertTrue(serve.stderr.contains("serve pid \(pid)") && serve.stderr.contains("stop it first"), serve.stderr)
        XCTAssertEqual(try daemon.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200, "the first daemon serves on")

        kill(pid, SIGKILL)
        daemon.process.waitUntilExit()
        let after = try cli(["rebuild"])
        XCTAssertEqual(after.status, 0, after.stderr)
        let restarted = try RunningDaemon(environment: environment)
        XCTAssertEqual(restarted.stop(), 0)
    }
}

/// Thread-safe set of acknowledged ids.
final class AckLog: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []
    func add(_ id: String) { lock.withLock { ids.append(id) } }
    var count: Int { lock.withLock { ids.count } }
    var all: Set<String> { lock.withLock { Set(ids) } }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// A shared counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int
    init(_ value: Int) { self.value = value }
    func next() -> Int { lock.withLock { value += 1; return value } }
}
