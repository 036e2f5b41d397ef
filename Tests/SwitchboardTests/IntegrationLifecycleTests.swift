import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// An integration's life: created, changed in part, renamed, removed. Removal keeps its row
/// (its id is never handed out again and `rebuild` still replays its calls); settings are
/// changed by JSON merge patch and refused, naming the key, when a key is unknown.
final class IntegrationLifecycleTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }

    override func tearDown() { t.stop() }

    // MARK: Removal

    /// The reviewer's case: remove integration 8, add another, and it was integration 8 again,
    /// so its webhooks changed the removed integration's calls and deleted their tasks.
    func testARemovedIntegrationsIdIsNeverReusedAndItsCallsStayItsOwn() throws {
        let old = try createIntegration(["name": "office", "provider": "native", "region": "RO"])
        XCTAssertEqual(try t.call("missed", secret: old.secret, ["callId": "c1", "clientNumber": "+40722123456",
                                                                 "occurredAt": "2026-11-23T10:00:00Z"]).status, 200)
        let oldCallId = try XCTUnwrap(try onlyCall(integrationId: old.id)["id"] as? Int)
        let oldCall = try t.api("GET", "/api/v1/calls/\(oldCallId)").text
        XCTAssertEqual(try t.count("tasks", "call_id = \(oldCallId) AND state = 'open'"), 1)

        XCTAssertEqual(try t.api("DELETE", "/api/v1/integrations/\(old.id)").status, 204)
        XCTAssertEqual(try t.call("answered", secret: old.secret, ["callId": "c1", "clientNumber": "+40722123456",
                                                                   "occurredAt": "2026-11-23T10:05:00Z"]).status, 401,
                       "a removal through the API takes effect at once")
        for (method, body) in [("GET", nil), ("PATCH", ["region": "PL"]), ("DELETE", nil)] as [(String, [String: Any]?)] {
            XCTAssertEqual(try t.api(method, "/api/v1/integrations/\(old.id)", body: body).status, 404, "\(method) a removed integration")
        }

        // Its name is free again; its id is not.
        let new = try createIntegration(["name": "office", "provider": "native", "region": "RO"])
        XCTAssertNotEqual(new.id, old.id)
        XCTAssertEqual(try t.call("answered", secret: new.secret, ["callId": "c1", "clientNumber": "+40733000111",
                                                                   "occurredAt": "2026-11-24T09:00:00Z"]).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/\(oldCallId)").text, oldCall, "the removed integration's call is untouched")
        XCTAssertEqual(try t.count("tasks", "call_id = \(oldCallId) AND state = 'open'"), 1, "and its task is still open")
        XCTAssertEqual(try onlyCall(integrationId: new.id)["clientNumber"] as? String, "+40733000111")

        let listed = try XCTUnwrap(try t.api("GET", "/api/v1/integrations").json["integrations"] as? [[String: Any]])
        XCTAssertEqual(listed.compactMap { $0["id"] as? Int }, [new.id], "a removed integration is not listed")
        XCTAssertNil(listed.first?["removedAt"])
        let all = try XCTUnwrap(try t.api("GET", "/api/v1/integrations?removed=true").json["integrations"] as? [[String: Any]])
        XCTAssertEqual(all.compactMap { $0["id"] as? Int }, [old.id, new.id], "unless asked for")
        XCTAssertNotNil(all.first?["removedAt"] as? String)
        XCTAssertEqual(all.first?["name"] as? String, "office", "a removed integration keeps its name")
    }

    /// Removal forgets the credentials the integration held (the provider's secret, the whole
    /// dialer: a template dialer carries its credentials in its URL and headers) but keeps the
    /// settings `rebuild` reads.
    func testARemovedIntegrationKeepsItsSettingsButNotItsCredentials() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let created = try createIntegration(["name": "zd", "provider": "zadarma", "providerSecret": "zd-secret",
                                             "settings": ["missedCallTask": ["assigneeAgentId": manager.id],
                                                          "dialer": ["apiKey": "zd-key", "apiBase": "http://127.0.0.1:1"]]])
        XCTAssertEqual(try t.api("DELETE", "/api/v1/integrations/\(created.id)").status, 204)
        let row = try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT * FROM integrations WHERE id = ?", created.id) })
        let kept = Integration(row: row)
        XCTAssertEqual(kept.providerSecret, "")
        XCTAssertNil(kept.settings.dialer, "no dialer settings, credentials included, are kept")
        XCTAssertEqual(kept.settings.missedCallTask.assigneeAgentId, manager.id)
        XCTAssertNotNil(row.string("removed_at"))
    }

    /// `rebuild` after a removal used to skip the removed integration's events ("integration 9
    /// is gone"), so every later contact, call, deal and task id shifted and the hand edits
    /// and deals that name those ids were lost.
    func testRebuildAfterARemovalGivesTheSameViews() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let environment = ["SWITCHBOARD_DATABASE": dir.path("sb.db"), "SWITCHBOARD_LOG_REQUESTS": "false"]
        func cli(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: environment)
        }
        func added(_ arguments: [String]) throws -> [String: Any] {
            let result = try cli(arguments + ["--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        }
        let firstAdded = try added(["integrations", "add", "--name", "first", "--provider", "native", "--region", "RO"])
        let (first, firstId) = (try XCTUnwrap(firstAdded["secret"] as? String), try XCTUnwrap(firstAdded["id"] as? Int))
        let second = try XCTUnwrap(try added(["integrations", "add", "--name", "second", "--provider", "native", "--region", "RO"])["secret"] as? String)
        let key = try XCTUnwrap(try added(["agents", "add", "--name", "Sam", "--role", "supervisor"])["apiKey"] as? String)

        let daemon = try RunningDaemon(environment: environment)
        func request(_ method: String, _ path: String, _ body: String, auth: String) throws -> RawResponse {
            try daemon.request("\(method) \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(auth)\r\n"
                               + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        func call(_ kind: String, _ secret: String, _ callId: String, _ number: String, minute: Int) throws {
            let body = #"{"callId":"\#(callId)","clientNumber":"\#(number)","occurredAt":"2026-11-23T10:\#(String(format: "%02d", minute)):00Z"}"#
            XCTAssertEqual(try request("POST", "/webhooks/calls/\(kind)", body, auth: secret).status, 200)
        }
        // The first integration's clients come first, so every later id depends on its events.
        try call("missed", first, "a1", "+40722000001", minute: 0)
        try call("missed", first, "a2", "+40722000002", minute: 1)
        try call("missed", second, "b1", "+40722000003", minute: 2)
        try call("missed", second, "b2", "+40722000004", minute: 3)
        XCTAssertEqual(try request("DELETE", "/api/v1/integrations/\(firstId)", "", auth: key).status, 204)
        try call("answered", second, "b3", "+40722000005", minute: 4)
        // Hand edits name contacts and tasks by id: contact 3 is the second integration's first client.
        XCTAssertEqual(try request("POST", "/api/v1/contacts/3/deals", #"{"title":"Deal B"}"#, auth: key).status, 201)
        XCTAssertEqual(try request("PATCH", "/api/v1/contacts/4", #"{"name":"Olga"}"#, auth: key).status, 200)
        let task = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT id FROM tasks WHERE contact_id = 3"])
        let taskId = try XCTUnwrap(Int(task.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), task.stdout)
        XCTAssertEqual(try request("POST", "/api/v1/tasks/\(taskId)/complete", "", auth: key).status, 200)
        XCTAssertEqual(daemon.stop(), 0)

        func dump() throws -> String {
            var out = ""
            for table in ["contacts", "contact_phones", "calls", "deals", "tasks", "timeline"] {
                out += "\(table):\n" + (try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT * FROM \(table) ORDER BY 1"]).stdout)
            }
            return out
        }
        let before = try dump()
        XCTAssertTrue(before.contains("Olga") && before.contains("Deal B") && before.contains("done"), before)
        let rebuilt = try cli(["rebuild"])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.stderr)
        XCTAssertEqual(try dump(), before)
        let skipped = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT count(*) FROM raw_events WHERE outcome = 'skipped'"])
        XCTAssertEqual(skipped.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0", "no event is skipped")
    }

    /// A database upgraded from before removal kept rows: an integration deleted then left its
    /// raw events and calls behind. The migration gives it a removed row again, so its id is
    /// not handed out to the next integration and `rebuild` replays its calls (with the
    /// default settings: its own were deleted with it).
    func testAnIntegrationDeletedBeforeTheUpgradeGetsARemovedRowBack() throws {
        let gone = try t.addIntegration(name: "gone")
        let kept = try t.addIntegration(name: "kept")
        for (index, secret) in [gone.secret, kept.secret, gone.secret].enumerated() {
            XCTAssertEqual(try t.call("missed", secret: secret, ["callId": "m\(index)", "clientNumber": "+4072200000\(index)",
                                                                 "occurredAt": "2026-11-23T10:0\(index):00Z"]).status, 200)
        }
        let live = try dump(t.dir.path("switchboard.db"))

        // The same raw events in a database at migration 010, where the removal deleted the row.
        let legacyPath = t.dir.path("legacy.db")
        do {
            let legacy = try Database(path: legacyPath)
            try Migrator.migrate(legacy, Schema.migrations.filter { $0.name < "011" })
            try legacy.execute("ATTACH DATABASE ? AS live", t.dir.path("switchboard.db"))
            try legacy.execute("""
                INSERT INTO raw_events(id, integration_id, source, idempotency_key, kind, received_at, payload, raw_body, outcome, note)
                SELECT id, integration_id, source, idempotency_key, kind, received_at, payload, raw_body, outcome, note FROM live.raw_events
                """)
            try legacy.execute("""
                INSERT INTO integrations(id, name, provider, region, secret_hash, provider_secret, settings, created_at)
                SELECT id, name, provider, region, secret_hash, provider_secret, settings, created_at FROM live.integrations WHERE id = ?
                """, kept.integration.id)
            try legacy.execute("DETACH DATABASE live")
        }
        let store = try Store(path: legacyPath, migrations: Schema.migrations)
        defer { store.close() }
        let directory = IntegrationDirectory(store: store)
        XCTAssertEqual(try directory.list().map(\.id), [kept.integration.id], "the restored row is a removed one")
        XCTAssertNil(try directory.find(id: gone.integration.id))
        let next = try directory.add(.init(name: "gone", provider: .native, region: "RO"), baseURL: "http://x")
        XCTAssertGreaterThan(next.integration.id, max(gone.integration.id, kept.integration.id), "its id is not handed out again")
        XCTAssertEqual(try Rebuild.run(store: store) { _, _ in }, 3)
        XCTAssertEqual(try dump(legacyPath), live, "its calls are replayed")
    }

    // MARK: Settings merge

    /// The reviewer's case: a PATCH naming only the time zone put the UTM fields and the
    /// missed-call task back to their defaults.
    func testAPartialSettingsPatchChangesOnlyWhatItNames() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let created = try createIntegration([
            "name": "office", "provider": "native", "region": "RO",
            "settings": ["missedCallTask": ["assigneeAgentId": manager.id, "title": "Sună {{contact.phone}}", "deadlineMinutes": 30],
                         "utm": ["fields": ["utm_source": "Source"], "write": ["utm_source"], "mode": "last-touch"],
                         "dialer": ["apiKey": "k-123", "template": ["method": "POST", "url": "http://127.0.0.1:1/dial"]]],
        ])
        let path = "/api/v1/integrations/\(created.id)"
        func settings() throws -> [String: Any] {
            try XCTUnwrap(try t.api("GET", path).json["settings"] as? [String: Any])
        }
        func patch(_ body: [String: Any], status: Int = 200) throws {
            let response = try t.api("PATCH", path, body: body)
            XCTAssertEqual(response.status, status, "\(body): \(response.text)")
        }
        let original = try settings()

        try patch(["settings": ["timeZone": "Europe/Bucharest"]])
        var expected = original
        expected["timeZone"] = "Europe/Bucharest"
        XCTAssertEqual(try settings() as NSDictionary, expected as NSDictionary)

        // Objects merge key by key, at any depth.
        try patch(["settings": ["missedCallTask": ["deadlineMinutes": 15], "utm": ["fields": ["utm_campaign": "Campaign"]]]])
        var now = try settings()
        XCTAssertEqual(now["missedCallTask"] as? NSDictionary, ["enabled": true, "board": "calls", "assigneeAgentId": manager.id,
                                                                "title": "Sună {{contact.phone}}", "deadlineMinutes": 15] as NSDictionary)
        XCTAssertEqual(now["utm"] as? NSDictionary, ["fields": ["utm_source": "Source", "utm_campaign": "Campaign"],
                                                     "write": ["utm_source"], "mode": "last-touch"] as NSDictionary)

        // The merged result is checked as a whole: dropping a field that `write` names is refused, and nothing changes.
        let beforeRefusal = try t.api("GET", path).text
        let refused = try t.api("PATCH", path, body: ["region": "PL", "settings": ["utm": ["fields": ["utm_source": NSNull()]]]])
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.errorMessage?.contains("settings.utm.write") == true, refused.text)
        XCTAssertEqual(try t.api("GET", path).text, beforeRefusal)

        // null deletes a key: the setting goes back to its default.
        try patch(["settings": ["timeZone": NSNull(), "missedCallTask": ["assigneeAgentId": NSNull(), "title": NSNull()],
                                "utm": ["write": NSNull()]]])
        now = try settings()
        XCTAssertNil(now["timeZone"])
        XCTAssertEqual(now["missedCallTask"] as? NSDictionary, ["enabled": true, "board": "calls", "title": "Call back {{contact.name}}",
                                                                "deadlineMinutes": 15] as NSDictionary)
        XCTAssertEqual(now["utm"] as? NSDictionary, ["fields": ["utm_source": "Source", "utm_campaign": "Campaign"],
                                                     "mode": "last-touch"] as NSDictionary)

        // The settings as GET shows them, sent back whole, change nothing; the dialer key shown as "(set)" is kept.
        XCTAssertEqual((now["dialer"] as? [String: Any])?["apiKey"] as? String, "(set)")
        try patch(["settings": now])
        XCTAssertEqual(try settings() as NSDictionary, now as NSDictionary)
        XCTAssertEqual(try t.daemon.integrations.find(id: created.id)?.settings.dialer?.apiKey, "k-123")

        // `"settings": null` puts every setting back to its default.
        try patch(["settings": NSNull()])
        XCTAssertEqual(try settings() as NSDictionary, ["missedCallTask": ["enabled": true, "board": "calls",
                                                                           "title": "Call back {{contact.name}}", "deadlineMinutes": 60],
                                                        "utm": ["fields": [String: String](), "mode": "first-touch"]] as NSDictionary)
    }

    // MARK: Unknown keys and fields

    /// Settings documents with a key nothing reads, each with the key its error must name.
    private var unknownKeys: [(settings: [String: Any], key: String)] {
        [
            (["unknownKey": 1], "settings.unknownKey"),
            (["missedCalTask": ["enabled": false]], "settings.missedCalTask"),
            (["missedCallTask": ["deadline": 5]], "settings.missedCallTask.deadline"),
            (["utm": ["mod": "last-touch"]], "settings.utm.mod"),
            (["dialer": ["apikey": "k"]], "settings.dialer.apikey"),
            (["dialer": ["template": ["method": "GET", "url": "http://x", "header": ["A": "b"]]]], "settings.dialer.template.header"),
            (["timezone": "Europe/Kyiv"], "settings.timezone"),
        ]
    }

    func testUnknownSettingsKeysAreRefusedNamingTheKey() throws {
        for (settings, key) in unknownKeys {
            let refused = try t.api("POST", "/api/v1/integrations", body: ["name": "office", "provider": "native", "settings": settings])
            XCTAssertEqual(refused.status, 422, "\(settings): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.contains(key) == true, "\(settings): the error names \(key): \(refused.text)")
        }
        XCTAssertEqual((try t.api("GET", "/api/v1/integrations").json["integrations"] as? [[String: Any]])?.count, 0)

        let created = try createIntegration(["name": "office", "provider": "native"])
        let before = try t.api("GET", "/api/v1/integrations/\(created.id)").text
        for (settings, key) in unknownKeys {
            let refused = try t.api("PATCH", "/api/v1/integrations/\(created.id)", body: ["settings": settings])
            XCTAssertEqual(refused.status, 422, "\(settings): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.contains(key) == true, "\(settings): the error names \(key): \(refused.text)")
        }
        for wrong in [["settings": "{}"], ["settings": ["missedCallTask": ["deadlineMinutes": "soon"]]],
                      ["settings": ["utm": ["mode": "sometimes"]]]] as [[String: Any]] {
            let refused = try t.api("PATCH", "/api/v1/integrations/\(created.id)", body: wrong)
            XCTAssertEqual(refused.status, 422, "\(wrong): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.hasPrefix("settings") == true, refused.text)
        }
        XCTAssertEqual(try t.api("GET", "/api/v1/integrations/\(created.id)").text, before, "nothing changed")
    }

    /// `{"name": "renamed"}` answered 200 and changed nothing; fields that are not the
    /// integration's were ignored the same way.
    func testRenamingAndUnknownFields() throws {
        let office = try createIntegration(["name": "office", "provider": "native"])
        _ = try createIntegration(["name": "shop", "provider": "native"])
        let path = "/api/v1/integrations/\(office.id)"

        let renamed = try t.api("PATCH", path, body: ["name": "  head office "])
        XCTAssertEqual(renamed.status, 200, renamed.text)
        XCTAssertEqual(renamed.json["name"] as? String, "head office")
        XCTAssertEqual(try t.api("GET", path).json["name"] as? String, "head office")
        XCTAssertEqual(try t.api("PATCH", path, body: ["name": "shop"]).status, 409, "names are unique")
        XCTAssertEqual(try t.api("PATCH", path, body: ["name": " "]).status, 422)
        XCTAssertEqual(try t.api("PATCH", path, body: ["name": 7]).status, 422)
        XCTAssertEqual(try t.api("PATCH", path, body: ["region": 7]).status, 422)

        let before = try t.api("GET", path).text
        for (body, field) in [(["nmae": "x"], "nmae"), (["provider": "twilio"], "provider"), (["id": 9, "region": "PL"], "id")]
            as [([String: Any], String)] {
            let refused = try t.api("PATCH", path, body: body)
            XCTAssertEqual(refused.status, 422, "\(body): \(refused.text)")
            XCTAssertTrue(refused.errorMessage?.contains(field) == true, "\(body): names \(field): \(refused.text)")
        }
        let unknownOnCreate = try t.api("POST", "/api/v1/integrations", body: ["name": "x", "provider": "native", "regoin": "RO"])
        XCTAssertEqual(unknownOnCreate.status, 422, unknownOnCreate.text)
        XCTAssertTrue(unknownOnCreate.errorMessage?.contains("regoin") == true, unknownOnCreate.text)
        XCTAssertEqual(try t.api("GET", path).text, before, "nothing changed")

        // The name of a removed integration is free; renaming onto it works.
        XCTAssertEqual(try t.api("DELETE", "/api/v1/integrations/\(office.id)").status, 204)
        let shopId = try XCTUnwrap((try t.api("GET", "/api/v1/integrations").json["integrations"] as? [[String: Any]])?.first?["id"] as? Int)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/integrations/\(shopId)", body: ["name": "head office"]).status, 200)
    }

    // MARK: CLI

    func testTheCLIRefusesUnknownAndUndecodableSettingsWithExit65() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        func switchboard(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: env)
        }
        for (settings, names) in [(#"{"unknownKey":1}"#, "settings.unknownKey"),
                                  (#"{"missedCalTask":{}}"#, "settings.missedCalTask"),
                                  (#"{"utm":{"fields":{},"mode":"first-touch","wirte":[]}}"#, "settings.utm.wirte"),
                                  (#"{"missedCallTask":{"deadlineMinutes":"soon"}}"#, "settings.missedCallTask.deadlineMinutes"),
                                  (#"{"utm":{"mode":"sometimes"}}"#, "settings.utm.mode"),
                                  (#"{"dialer":{"template":{"method":"GET"}}}"#, "settings.dialer.template.url"),
                                  (#"[1, 2]"#, "settings"),
                                  (#"{"timeZone": "#, "settings")] {
            let refused = try switchboard(["integrations", "add", "--name", "office", "--provider", "native", "--settings", settings])
            XCTAssertEqual(refused.status, 65, "\(settings): invalid data: \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(names), "\(settings): the error names \(names): \(refused.stderr)")
        }
        XCTAssertEqual(try switchboard(["integrations", "list", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]")

        // Removed with the CLI: not listed, gone for a second removal, its name free, its id not.
        let first = try switchboard(["integrations", "add", "--name", "office", "--provider", "native", "--json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let firstId = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])?["id"] as? Int)
        XCTAssertEqual(try switchboard(["integrations", "remove", "office"]).status, 0)
        XCTAssertEqual(try switchboard(["integrations", "remove", "office"]).status, 66)
        XCTAssertEqual(try switchboard(["integrations", "remove", String(firstId)]).status, 66)
        XCTAssertEqual(try switchboard(["integrations", "list"]).stdout, "")
        let second = try switchboard(["integrations", "add", "--name", "office", "--provider", "native", "--json"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertNotEqual((try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])?["id"] as? Int, firstId)
    }

    /// The CLI is another process: the daemon learns of the removal when its cache entry
    /// expires (5 seconds, as README says), not later.
    func testARemovalWithTheCLIStopsWebhooksWithinTheCacheTime() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db"), "SWITCHBOARD_LOG_REQUESTS": "false"]
        let added = try Subprocess.run(Subprocess.switchboardBinary, ["integrations", "add", "--name", "pbx", "--provider", "native", "--json"],
                                       environment: env)
        let secret = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["secret"] as? String)
        let daemon = try RunningDaemon(environment: env)
        defer { daemon.stop() }
        func ringing(_ n: Int) throws -> Int {
            let body = #"{"callId":"r\#(n)","clientNumber":"+40722000001","occurredAt":"2026-11-23T10:00:00Z"}"#
            return try daemon.request("POST /webhooks/calls/ringing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(secret)\r\n"
                                      + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").status
        }
        XCTAssertEqual(try ringing(0), 200)
        XCTAssertEqual(try Subprocess.run(Subprocess.switchboardBinary, ["integrations", "remove", "pbx"], environment: env).status, 0)
        let removedAt = Date()
        var (status, n) = (200, 1)
        while status == 200 && Date().timeIntervalSince(removedAt) < 8 {
            usleep(200_000)
            status = try ringing(n)
            n += 1
        }
        XCTAssertEqual(status, 401)
        XCTAssertLessThan(Date().timeIntervalSince(removedAt), 6, "refused once the cache entry expired")
    }

    // MARK: Helpers

    /// Creates an integration over the API; returns its id and webhook secret.
    private func createIntegration(_ body: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> (id: Int, secret: String) {
        let created = try t.api("POST", "/api/v1/integrations", body: body)
        XCTAssertEqual(created.status, 201, created.text, file: file, line: line)
        return (try XCTUnwrap(created.json["id"] as? Int), try XCTUnwrap(created.json["secret"] as? String))
    }

    /// The one call of integration `integrationId`, as the API shows it.
    private func onlyCall(integrationId: Int) throws -> [String: Any] {
        let id = try t.daemon.store.read { db in try db.scalar("SELECT id FROM calls WHERE integration_id = ?", integrationId).int }
        XCTAssertEqual(try t.count("calls", "integration_id = \(integrationId)"), 1)
        return try t.api("GET", "/api/v1/calls/\(try XCTUnwrap(id))").json
    }

    /// The projections of the database at `path`, row by row.
    private func dump(_ path: String) throws -> String {
        var out = ""
        for table in ["contacts", "contact_phones", "calls", "deals", "tasks", "timeline"] {
            out += "\(table):\n" + (try Subprocess.run("/usr/bin/sqlite3", [path, "SELECT * FROM \(table) ORDER BY 1"]).stdout)
        }
        return out
    }
}
