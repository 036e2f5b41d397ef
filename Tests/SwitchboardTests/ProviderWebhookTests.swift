import Foundation
import HTTPServer
import Switchboard
import TestSupport
import XCTest

/// The provider webhook formats (Twilio, Zadarma, Ringostat, Aircall), driven over real sockets
/// with the providers' payloads from samples/. One file per provider: ProviderWebhookTests+*.swift.
final class ProviderWebhookTests: XCTestCase {
    var t: TestDaemon!

    /// The URL the daemon believes it serves; Twilio signs over it.
    static let publicURL = "https://sb.example.com"

    override func setUpWithError() throws {
        t = try TestDaemon { $0.publicURL = Self.publicURL }
    }

    override func tearDown() { t.stop() }

    /// `samples/` at the top of the repository.
    static let samples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    /// One line of `samples/<provider>/manifest`.
    struct SampleDelivery {
        let file: String
        let method: String
        let path: String
        let contentType: String
        let expect: String
    }

    func sample(_ provider: String, _ file: String) throws -> String {
        try String(contentsOf: Self.samples.appendingPathComponent(provider).appendingPathComponent(file), encoding: .utf8)
    }

    func deliveries(_ provider: String) throws -> [SampleDelivery] {
        try sample(provider, "manifest").split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let field = line.split(separator: " ").map(String.init)
            guard field.count >= 5 else { return nil }
            return SampleDelivery(file: field[0], method: field[1], path: field[2], contentType: field[3], expect: field[4])
        }
    }

    /// Sends every delivery of `provider`'s samples in manifest order, with the headers `sign`
    /// adds (given the path and body), and checks each answer is the manifest's expectation.
    @discardableResult
    func replaySamples(_ provider: String, secret: String,
                       sign: (_ path: String, _ body: String) -> [(String, String)] = { _, _ in [] },
                       file: StaticString = #filePath, line: UInt = #line) throws -> [String: RawResponse] {
        var responses: [String: RawResponse] = [:]
        for delivery in try deliveries(provider) {
            let path = delivery.path.replacingOccurrences(of: "{secret}", with: secret)
            let body = delivery.file == "-" ? "" : try sample(provider, delivery.file)
            var headers = sign(path, body)
            if delivery.contentType != "-" { headers.append(("Content-Type", delivery.contentType)) }
            let response = try t.send(delivery.method, path, headers: headers, body: body)
            responses[delivery.file] = response
            XCTAssertEqual(response.status, 200, "\(delivery.file): \(response.text)", file: file, line: line)
            if delivery.expect == "echo" {
                XCTAssertEqual(response.text, path.components(separatedBy: "zd_echo=").last, file: file, line: line)
            } else {
                XCTAssertEqual(response.json["status"] as? String, delivery.expect, "\(delivery.file): \(response.text)", file: file, line: line)
            }
        }
        return responses
    }

    /// The call the provider calls `providerCallId`, as the API shows it.
    func call(_ providerCallId: String) throws -> [String: Any] {
        let id = try t.daemon.store.read { db in
            try db.scalar("SELECT id FROM calls WHERE provider_call_id = ?", providerCallId).int
        }
        let response = try t.api("GET", "/api/v1/calls/\(try XCTUnwrap(id, "no call \(providerCallId)"))")
        XCTAssertEqual(response.status, 200, response.text)
        return response.json
    }

    /// The missed-call tasks, oldest first.
    func missedCallTasks() throws -> [[String: Any]] {
        let tasks = try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]] ?? []
        return tasks.filter { $0["kind"] as? String == "missed_call" }.sorted { ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0) }
    }

    /// Checks a refusal: its status and, when given, its error code.
    func assertRefused(_ response: RawResponse, _ status: Int, _ code: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        if let code { XCTAssertEqual(response.errorCode, code, response.text, file: file, line: line) }
    }

    /// Raw events, calls, contacts and tasks, to show that a refused delivery stored nothing.
    func storedCounts() throws -> [Int] {
        [try t.count("raw_events"), try t.count("calls"), try t.count("contacts"), try t.count("tasks")]
    }

    /// Checks the three calls every provider's samples describe: call 1 answered and ended,
    /// call 2 missed (one task), and our callback to client 2 that closes that task.
    func assertSampleStory(answered: String, missed: String, callback: String, missedReason: String,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let first = try call(answered)
        XCTAssertEqual(first["outcome"] as? String, "answered", "\(first)", file: file, line: line)
        XCTAssertEqual(first["clientNumber"] as? String, "+40722123456", file: file, line: line)
        XCTAssertEqual(first["direction"] as? String, "inbound", file: file, line: line)
        XCTAssertEqual(first["ringingAt"] as? String, "2026-11-23T10:00:00.000Z", file: file, line: line)
        XCTAssertEqual(first["endedAt"] as? String, "2026-11-23T10:03:20.000Z", file: file, line: line)
        XCTAssertNotNil(first["answeredAt"] as? String, file: file, line: line)

        let second = try call(missed)
        XCTAssertEqual(second["outcome"] as? String, "missed", "\(second)", file: file, line: line)
        XCTAssertEqual(second["endReason"] as? String, missedReason, file: file, line: line)
        XCTAssertEqual(second["clientNumber"] as? String, "+40744555666", file: file, line: line)

        let back = try call(callback)
        XCTAssertEqual(back["direction"] as? String, "outbound", file: file, line: line)
        XCTAssertEqual(back["outcome"] as? String, "answered", "\(back)", file: file, line: line)
        XCTAssertEqual(back["clientNumber"] as? String, "+40744555666", file: file, line: line)

        let tasks = try missedCallTasks()
        XCTAssertEqual(tasks.count, 1, "\(tasks)", file: file, line: line)
        XCTAssertEqual(tasks.first?["callId"] as? Int, second["id"] as? Int, file: file, line: line)
        XCTAssertEqual(tasks.first?["state"] as? String, "done", file: file, line: line)
        XCTAssertEqual(tasks.first?["closedByCallId"] as? Int, back["id"] as? Int, file: file, line: line)
        XCTAssertEqual(try t.count("calls"), 3, file: file, line: line)
        XCTAssertEqual(try t.count("contacts"), 2, file: file, line: line)
    }

    /// Replaying a whole sample sequence a second time answers every delivery 200 and stores nothing.
    func assertReplayChangesNothing(_ provider: String, secret: String,
                                    sign: (_ path: String, _ body: String) -> [(String, String)] = { _, _ in [] },
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try storedCounts()
        for delivery in try deliveries(provider) where delivery.file != "-" {
            let path = delivery.path.replacingOccurrences(of: "{secret}", with: secret)
            let body = try sample(provider, delivery.file)
            let response = try t.send(delivery.method, path, headers: sign(path, body) + [("Content-Type", delivery.contentType)], body: body)
            XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
            XCTAssertTrue(["duplicate", "ignored"].contains(response.json["status"] as? String ?? ""), "\(delivery.file): \(response.text)",
                          file: file, line: line)
        }
        XCTAssertEqual(try storedCounts(), before, file: file, line: line)
    }

    /// Every example body in webhooks/ is accepted by the URL its document gives, and stored.
    func testDocumentedExamplesAreStored() throws {
        let docs = Self.samples.deletingLastPathComponent().appendingPathComponent("webhooks")
        func example(_ name: String) throws -> String { try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8) }
        func assertStored(_ response: RawResponse, _ name: String, line: UInt = #line) {
            XCTAssertEqual(response.status, 200, "\(name): \(response.text)", line: line)
            XCTAssertEqual(response.json["status"] as? String, "stored", "\(name): \(response.text)", line: line)
        }
        let json = ("Content-Type", "application/json"), form = ("Content-Type", "application/x-www-form-urlencoded")

        let native = try t.addIntegration(.native).secret
        for kind in CallEventKind.allCases {
            let name = "native-\(kind.rawValue).json"
            assertStored(try t.send("POST", "/webhooks/calls/\(kind.rawValue)", headers: [("Authorization", "Bearer \(native)"), json],
                                    body: try example(name)), name)
        }
        let twilio = try t.addIntegration(.twilio, providerSecret: Self.twilioToken).secret
        for name in ["twilio-completed.txt", "twilio-no-answer.txt"] {
            assertStored(try postTwilio(twilio, try example(name)), name)
        }
        let zadarma = try t.addIntegration(.zadarma, providerSecret: Self.zadarmaSecret).secret
        for name in ["zadarma-notify-start.txt", "zadarma-notify-end.txt"] {
            assertStored(try postZadarma(zadarma, try example(name)), name)
        }
        let ringostat = try t.addIntegration(.ringostat).secret
        for (name, type) in [("ringostat-ended.json", json), ("ringostat-ended-form.txt", form)] {
            assertStored(try t.send("POST", "/webhooks/ringostat/\(ringostat)/ended", headers: [type], body: try example(name)), name)
        }
        let aircall = try t.addIntegration(.aircall, providerSecret: Self.aircallToken).secret
        for name in ["aircall-call-ended.json", "aircall-call-ended-missed.json"] {
            assertStored(try postAircall(aircall, try example(name)), name)
        }
    }

    /// The replay script posts every provider's samples to a live daemon with curl, computing
    /// Twilio's and Zadarma's signatures with openssl, and each answer is the expected one.
    func testReplayScriptDeliversEverySampleAsExpected() throws {
        for tool in ["/usr/bin/curl", "/usr/bin/openssl"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed")
        }
        let script = Self.samples.appendingPathComponent("replay").path
        let secrets: [Integration.Provider: String] = [.twilio: "twilio-auth-token", .zadarma: "zadarma-secret-key",
                                                       .aircall: "aircall-webhook-token", .ringostat: "", .native: ""]
        for provider in Integration.Provider.allCases {
            let providerSecret = secrets[provider] ?? ""
            let created = try t.addIntegration(provider, providerSecret: providerSecret)
            let result = try Subprocess.run("/bin/bash", [script, provider.rawValue, "http://127.0.0.1:\(t.port)", created.secret]
                                                + (providerSecret.isEmpty ? [] : [providerSecret]),
                                            environment: ["SIGN_BASE_URL": Self.publicURL])
            XCTAssertEqual(result.status, 0, "\(provider.rawValue):\n\(result.stdout)\n\(result.stderr)")
            XCTAssertTrue(result.stdout.contains("0 unexpected"), result.stdout)
            // Again to the same integration: nothing new, which is no failure (every delivery was "UNEXPECTED").
            let again = try Subprocess.run("/bin/bash", [script, provider.rawValue, "http://127.0.0.1:\(t.port)", created.secret]
                                               + (providerSecret.isEmpty ? [] : [providerSecret]),
                                           environment: ["SIGN_BASE_URL": Self.publicURL])
            XCTAssertEqual(again.status, 0, "\(provider.rawValue):\n\(again.stdout)\n\(again.stderr)")
            XCTAssertTrue(again.stdout.contains("all already stored"), again.stdout)
        }
    }
}
