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

extension ChannelTests {
    /// A PATCH of one setting put every other one back to its default (pipeline, stage, the
    /// sync filter and its exceptions…), and members it did not read answered 200 unchanged.
    func testPatchingOneSettingKeepsTheOthers() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let created = try t.api("POST", "/api/v1/channels", body: [
            "name": "ro-sales", "phoneNumberId": "11", "region": "RO", "appSecret": "s",
            "settings": ["pipeline": "Sales", "stage": "Incoming", "syncFilter": "except", "exceptions": ["+40700000001"]]])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let patched = try t.api("PATCH", "/api/v1/channels/\(id)", body: ["settings": ["distribution": "round-robin"]])
        XCTAssertEqual(patched.status, 200, patched.text)
        let settings = try XCTUnwrap(try t.api("GET", "/api/v1/channels/\(id)").json["settings"] as? [String: Any])
        XCTAssertEqual(settings["distribution"] as? String, "round-robin")
        XCTAssertEqual(settings["pipeline"] as? String, "Sales")
        XCTAssertEqual(settings["stage"] as? String, "Incoming")
        XCTAssertEqual(settings["syncFilter"] as? String, "except")
        XCTAssertEqual(settings["exceptions"] as? [String], ["+40700000001"])

        // null puts one setting back to its default; exceptions are read with the channel's region.
        let reset = try t.api("PATCH", "/api/v1/channels/\(id)", body: ["settings": ["stage": NSNull(), "exceptions": ["0722 123 456"]]])
        XCTAssertEqual(reset.status, 200, reset.text)
        let after = try XCTUnwrap(reset.json["settings"] as? [String: Any])
        XCTAssertEqual(after["stage"] as? String, "new")
        XCTAssertEqual(after["pipeline"] as? String, "Sales")
        XCTAssertEqual(after["exceptions"] as? [String], ["+40722123456"])

        // Members it cannot change, or does not know, are refused, and nothing of the body is applied.
        for body: [String: Any] in [["name": "renamed"], ["provider": "wazzup"], ["phoneNumberID": "9", "region": "PL"],
                                    ["settings": ["pipeline": ""]], ["settings": ["stage": " "]], ["settings": ["syncFiltr": "existing"]],
                                    ["settings": "everyone"], ["region": 40]] {
            let refused = try t.api("PATCH", "/api/v1/channels/\(id)", body: body)
            XCTAssertEqual(refused.status, 422, "\(body): \(refused.text)")
        }
        let named = try t.api("PATCH", "/api/v1/channels/\(id)", body: ["name": "renamed"])
        XCTAssertTrue(named.text.contains("webhook URL"), named.text)
        let channel = try t.api("GET", "/api/v1/channels/\(id)").json
        XCTAssertEqual(channel["name"] as? String, "ro-sales")
        XCTAssertEqual(channel["region"] as? String, "RO")
        XCTAssertEqual((channel["settings"] as? [String: Any])?["pipeline"] as? String, "Sales")

        // The numbers it shows and sends from can change; one another channel has is a conflict.
        XCTAssertEqual(try t.api("POST", "/api/v1/channels", body: ["name": "other", "phoneNumberId": "22"]).status, 201)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/channels/\(id)", body: ["phoneNumberId": "22"]).status, 409)
        let renumbered = try t.api("PATCH", "/api/v1/channels/\(id)", body: ["phoneNumberId": "33", "displayNumber": "+40 31 000 0000"])
        XCTAssertEqual(renumbered.json["phoneNumberId"] as? String, "33", renumbered.text)
        XCTAssertEqual(renumbered.json["displayNumber"] as? String, "+40 31 000 0000")
        XCTAssertNil(try t.api("PATCH", "/api/v1/channels/\(id)", body: ["displayNumber": NSNull()]).json["displayNumber"])
    }
}

extension ChannelTests {
    /// A removed channel's id went to the next channel, and the removed one's conversations
    /// (which keep their channel id) appeared under the new one.
    func testARemovedChannelsIdIsNeverGivenAgain() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        func add(_ name: String, _ number: String) throws -> Int {
            let created = try t.api("POST", "/api/v1/channels", body: ["name": name, "phoneNumberId": number, "appSecret": "s"])
            XCTAssertEqual(created.status, 201, created.text)
            return try XCTUnwrap(created.json["id"] as? Int)
        }
        let first = try add("cx", "999")
        try t.daemon.store.writeAndWait { db in
            try db.execute("INSERT INTO wa_threads(channel_id, contact_id, unanswered) VALUES (?, 1, 0)", first)
        }
        XCTAssertEqual(try t.api("DELETE", "/api/v1/channels/\(first)").status, 204)
        let second = try add("cy", "998")
        XCTAssertGreaterThan(second, first)
    }

    /// A database from before migration 032 whose removed channel left threads behind: the
    /// next channel's id is past them too.
    func testTheMigrationStartsIdsPastEveryChannelIdAlreadyUsed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("old.db")
        let legacy = try legacyDatabase(at: path, before: "032_channel_ids_never_reused")
        try legacy.execute("INSERT INTO wa_threads(channel_id, contact_id, unanswered) VALUES (7, 1, 0)")
        let store = try Store(path: path, migrations: Schema.migrations)
        defer { store.close() }
        let channels = ChannelDirectory(store: store)
        let created = try channels.add(.init(name: "fresh", phoneNumberId: "1", region: "RO"), baseURL: "http://x")
        XCTAssertEqual(created.channel.id, 8, "past channel 7, whose threads remain")
    }
}
