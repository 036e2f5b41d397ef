import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

final class ChannelTests: XCTestCase {
    func testChannelsCLIAddListRemoveNeverShowTokens() throws {
        let dir = try TemporaryDirectory()
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db"), "SWITCHBOARD_PUBLIC_URL": "https://sb.example.com"]
        let added = try Subprocess.run(Subprocess.switchboardBinary, [
            "channels", "add", "--name", "ro-sales", "--phone-number-id", "1065", "--region", "RO", "--app-secret", "app-s3cret",
            "--verify-token", "v3rify", "--access-token", "EAAG-token", "--settings", #"{"syncFilter":"existing","distribution":"round-robin"}"#, "--json",
        ], environment: env)
        XCTAssertEqual(added.status, 0, added.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["webhook"] as? String, "https://sb.example.com/webhooks/whatsapp/ro-sales")
        XCTAssertEqual((json["settings"] as? [String: Any])?["syncFilter"] as? String, "existing")
        let listed = try Subprocess.run(Subprocess.switchboardBinary, ["channels", "list", "--json"], environment: env).stdout
        for secret in ["app-s3cret", "v3rify", "EAAG-token"] { XCTAssertFalse(listed.contains(secret)) }
        XCTAssertTrue(listed.contains("ro-sales"))
        XCTAssertEqual(try Subprocess.run(Subprocess.switchboardBinary, ["channels", "add", "--name", "bad name!"], environment: env).status, 65)
        // A setting with a value it cannot have is invalid data (65), as for integrations.
        let badValue = try Subprocess.run(Subprocess.switchboardBinary, ["channels", "add", "--name", "x", "--settings", "{\"syncFilter\":\"some\"}"],
                                          environment: env)
        XCTAssertEqual(badValue.status, 65)
        // Named in words, not as Swift's DecodingError(codingPath: …) dump.
        XCTAssertTrue(badValue.stderr.contains("settings.syncFilter:"), badValue.stderr)
        XCTAssertFalse(badValue.stderr.contains("codingPath"), badValue.stderr)
        XCTAssertEqual(try Subprocess.run(Subprocess.switchboardBinary, ["channels", "remove", "ro-sales"], environment: env).status, 0)
        XCTAssertEqual(try Subprocess.run(Subprocess.switchboardBinary, ["channels", "remove", "ro-sales"], environment: env).status, 66)
    }

    func testChannelsAPIIsForSupervisors() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let manager = try t.addAgent("Mia", role: .manager)
        XCTAssertEqual(try t.api("GET", "/api/v1/channels", key: manager.key).status, 403)
        let created = try t.api("POST", "/api/v1/channels", body: ["name": "pl-shop", "phoneNumberId": "77", "region": "PL",
                                                                  "appSecret": "s", "settings": ["createAs": "contact"]])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        XCTAssertEqual(try t.api("POST", "/api/v1/channels", body: ["name": "pl-shop"]).status, 409)
        XCTAssertEqual(try t.api("POST", "/api/v1/channels", body: ["name": "other", "phoneNumberId": "77"]).status, 409)
        let maybe = try t.api("POST", "/api/v1/channels", body: ["name": "x", "settings": ["createAs": "maybe"]])
        XCTAssertEqual(maybe.status, 422)
        XCTAssertTrue(maybe.text.contains("settings.createAs") && !maybe.text.contains("codingPath"), maybe.text)
        let patched = try t.api("PATCH", "/api/v1/channels/\(id)", body: ["settings": ["closedDealsPolicy": "new-deal"]])
        XCTAssertEqual((patched.json["settings"] as? [String: Any])?["closedDealsPolicy"] as? String, "new-deal")
        XCTAssertFalse(try t.api("GET", "/api/v1/channels").text.contains("\"appSecret\""))
        XCTAssertEqual(try t.api("DELETE", "/api/v1/channels/\(id)").status, 204)
    }
}

extension ChannelTests {
    /// `channels remove 2` removes channel 2, not a channel an older version let be named "2"
    /// (whose webhook URL keeps using the name).
    func testRemovingByIdRemovesThatChannel() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        for name in ["a", "b"] {
            XCTAssertEqual(try Subprocess.run(Subprocess.switchboardBinary, ["channels", "add", "--name", name, "--phone-number-id", name],
                                              environment: env).status, 0)
        }
        let store = try Store(path: dir.path("sb.db"), migrations: Schema.migrations)
        try store.writeAndWait { db in try db.execute("UPDATE channels SET name = '2' WHERE id = 1") }
        store.close()
        XCTAssertEqual(try Subprocess.run(Subprocess.switchboardBinary, ["channels", "remove", "2"], environment: env).status, 0)
        let left = try Subprocess.run(Subprocess.switchboardBinary, ["channels", "list"], environment: env).stdout
        let rows = left.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.count, 2, left)
        XCTAssertEqual(rows.first?.prefix(3), ["ID", "NAME", "PROVIDER"], left)
        XCTAssertEqual(rows.last?.prefix(2), ["1", "2"], "the channel named 2 stays; b went")
    }
}
