import Foundation
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Integration settings that cannot work are refused when saved, over the API and the CLI,
/// with a 422 naming the setting, and nothing is changed.
final class IntegrationSettingsValidationTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }

    override func tearDown() { t.stop() }

    /// The refused settings documents, each with the setting its error must name.
    private func refusedSettings(qualityControlId: Int) -> [(settings: [String: Any], names: String)] {
        [
            (["missedCallTask": ["assigneeAgentId": 999]], "missedCallTask.assigneeAgentId"),
            (["missedCallTask": ["assigneeAgentId": qualityControlId]], "missedCallTask.assigneeAgentId"),
            (["missedCallTask": ["deadlineMinutes": -60]], "missedCallTask.deadlineMinutes"),
            (["missedCallTask": ["deadlineMinutes": Int.max]], "missedCallTask.deadlineMinutes"),
            (["missedCallTask": ["title": "Sună {{contact.firstName}}"]], "missedCallTask.title"),
            (["missedCallTask": ["title": "Call back {{ contact.name }}"]], "missedCallTask.title"),
            (["missedCallTask": ["title": "Call back {{contact.name"]], "missedCallTask.title"),
            (["missedCallTask": ["title": "  "]], "missedCallTask.title"),
            (["missedCallTask": ["board": ""]], "missedCallTask.board"),
            (["missedCallTask": ["assigneeAgentId": 999, "title": "Sună {{contact.firstName}}", "deadlineMinutes": -60]],
             "missedCallTask."),
            (["utm": ["fields": ["utm_source": "Source"], "write": ["utm_source", "utm_medium"]]], "utm.write"),
            // On update the stored fields map utm_source, so only an unmapped key is refused both ways.
            (["utm": ["write": ["utm_medium"]]], "utm.write"),
            (["utm": ["fields": ["utm_source": " "]]], "utm.fields"),
            (["utm": ["fields": ["utm_bogus": "X"]]], "utm.fields"),
            (["utm": ["mode": "sometimes"]], "utm.mode"),
        ]
    }

    private func errorBody(_ response: RawResponse) -> (code: String, message: String) {
        let error = response.json["error"] as? [String: Any]
        return (error?["code"] as? String ?? "", error?["message"] as? String ?? "")
    }

    func testUnworkableSettingsAreRefusedOnUpdateAndNothingChanges() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        let created = try t.api("POST", "/api/v1/integrations", body: [
            "name": "office", "provider": "native", "region": "RO",
            "settings": ["missedCallTask": ["assigneeAgentId": manager.id, "title": "Call {{contact.phone}}", "deadlineMinutes": 30],
                         "utm": ["fields": ["utm_source": "Source"], "write": ["utm_source"], "mode": "last-touch"]],
        ])
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.json["id"] as? Int)
        let before = try t.api("GET", "/api/v1/integrations/\(id)").text

        for (settings, name) in refusedSettings(qualityControlId: qc.id) {
            let refused = try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["region": "PL", "settings": settings])
            XCTAssertEqual(refused.status, 422, "\(settings): \(refused.text)")
            let (code, message) = errorBody(refused)
            XCTAssertFalse(code.isEmpty, refused.text)
            XCTAssertTrue(message.contains(name), "\(settings): the error names \(name): \(message)")
        }
        XCTAssertEqual(try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["region": "Poland"]).status, 422,
                       "a region is checked on update as on create")
        XCTAssertEqual(try t.api("GET", "/api/v1/integrations/\(id)").text, before, "neither the settings nor the region changed")
    }

    func testUnworkableSettingsAreRefusedOnCreateAndNothingIsCreated() throws {
        let qc = try t.addAgent("Quinn", role: .qualityControl)
        for (settings, name) in refusedSettings(qualityControlId: qc.id) {
            let refused = try t.api("POST", "/api/v1/integrations", body: ["name": "office", "provider": "native", "settings": settings])
            XCTAssertEqual(refused.status, 422, "\(settings): \(refused.text)")
            XCTAssertTrue(errorBody(refused).message.contains(name), "\(settings): the error names \(name): \(refused.text)")
        }
        XCTAssertEqual((try t.api("GET", "/api/v1/integrations").json["integrations"] as? [[String: Any]])?.count, 0)
    }

    /// What the checks accept works: every placeholder is filled in, the task goes to the
    /// chosen agent, and its deadline is the given minutes after the missed call.
    func testAcceptedMissedCallTaskSettingsShapeTheTask() throws {
        let manager = try t.addAgent("Mia", role: .manager)
        let created = try t.api("POST", "/api/v1/integrations", body: [
            "name": "office", "provider": "native", "region": "RO",
            "settings": ["missedCallTask": ["assigneeAgentId": manager.id, "deadlineMinutes": 0,
                                            "title": "Sună {{contact.name}} ({{contact.phone}}) la {{call.ourNumber}}"],
                         "utm": ["fields": ["utm_source": "Source", "utm_medium": "Medium"], "write": []]],
        ])
        XCTAssertEqual(created.status, 201, created.text)
        let secret = try XCTUnwrap(created.json["secret"] as? String)
        let missed = try t.call("missed", secret: secret, ["callId": "m1", "clientNumber": "+40722123456", "ourNumber": "+40215550000",
                                                          "occurredAt": "2026-11-23T12:00:00.359+02:00"])
        XCTAssertEqual(missed.status, 200, missed.text)
        let tasks = try XCTUnwrap(try t.api("GET", "/api/v1/tasks?assignee=\(manager.id)").json["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.count, 1)
        XCTAssertEqual(tasks.first?["title"] as? String, "Sună +40722123456 (+40722123456) la +40215550000")
        XCTAssertEqual(tasks.first?["deadline"] as? String, "2026-11-23T10:00:00.359Z")
    }

    func testTheCLIRefusesTheSameSettings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db"), "SWITCHBOARD_PUBLIC_URL": "https://sb.example.com"]
        func switchboard(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: env)
        }
        let agent = try switchboard(["agents", "add", "--name", "Mia", "--role", "manager", "--json"])
        XCTAssertEqual(agent.status, 0, agent.stderr)
        let agentId = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(agent.stdout.utf8)) as? [String: Any])?["id"] as? Int,
                                    agent.stdout)

        for (settings, name) in [(#"{"missedCallTask":{"assigneeAgentId":999}}"#, "missedCallTask.assigneeAgentId"),
                                 (#"{"missedCallTask":{"deadlineMinutes":-60}}"#, "missedCallTask.deadlineMinutes"),
                                 (#"{"missedCallTask":{"title":"Sună {{contact.firstName}}"}}"#, "missedCallTask.title"),
                                 (#"{"utm":{"fields":{"utm_source":"Source"},"write":["utm_medium"]}}"#, "utm.write")] {
            let refused = try switchboard(["integrations", "add", "--name", "office", "--provider", "native", "--settings", settings])
            XCTAssertEqual(refused.status, 65, "\(settings): invalid data: \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(name), "\(settings): the error names \(name): \(refused.stderr)")
        }
        XCTAssertEqual(try switchboard(["integrations", "list", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]")

        let accepted = try switchboard(["integrations", "add", "--name", "office", "--provider", "native", "--json", "--settings",
                                        #"{"missedCallTask":{"assigneeAgentId":\#(agentId),"title":"Call {{contact.name}}"}}"#])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
    }
}

extension IntegrationSettingsValidationTests {
    /// "ZZ" is two letters but no region: every local number read in it failed, so every call
    /// of the integration was flagged. It is refused when saved, naming what it got.
    func testARegionWithoutNumberingIsRefused() throws {
        for region in ["ZZ", "XX", "AA"] {
            let created = try t.api("POST", "/api/v1/integrations", body: ["name": "pbx-\(region)", "provider": "native", "region": region])
            XCTAssertEqual(created.status, 422, created.text)
            XCTAssertTrue(created.text.contains("region") && created.text.contains(region), created.text)
        }
        XCTAssertEqual(try t.count("integrations"), 0)
        let made = try t.api("POST", "/api/v1/integrations", body: ["name": "pbx", "provider": "native", "region": "ua"])
        XCTAssertEqual(made.status, 201, made.text)
        XCTAssertEqual(made.json["region"] as? String, "UA")
        let id = try XCTUnwrap(made.json["id"] as? Int)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["region": "ZZ"]).status, 422)
        XCTAssertEqual(try t.api("GET", "/api/v1/integrations/\(id)").json["region"] as? String, "UA")
        let channel = try t.api("POST", "/api/v1/channels", body: ["name": "wa", "provider": "meta", "phoneNumberId": "1",
                                                                    "region": "ZZ", "appSecret": "s", "verifyToken": "v", "accessToken": "a"])
        XCTAssertEqual(channel.status, 422, channel.text)
    }
}

extension IntegrationSettingsValidationTests {
    /// `--name --json` is an option without its value, not an agent named "--json" printed as
    /// text; a name made only of digits is refused (the CLI takes an id or a name, and "4" hid
    /// integration 4); an id wins over such a name kept from before.
    func testTheCLIReadsOptionsAndReferencesUnambiguously() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        func switchboard(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: env)
        }
        let missing = try switchboard(["agents", "add", "--role", "manager", "--name", "--json"])
        XCTAssertEqual(missing.status, 64, missing.stdout + missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--name needs a value"), missing.stderr)
        XCTAssertFalse(try switchboard(["agents", "list"]).stdout.contains("--json"), "no agent named --json")
        // A value may itself start with "--" (a verify token, a secret) when it is no option of the command.
        let dashed = try switchboard(["channels", "add", "--name", "wa", "--phone-number-id", "1", "--app-secret", "s",
                                      "--verify-token", "--my-token", "--json"])
        XCTAssertEqual(dashed.status, 0, dashed.stderr)
        // An option written as --option=value is an option too, and --config without its value says so.
        let swallowed = try switchboard(["agents", "add", "--role", "manager", "--name", "--phone=+40722123456"])
        XCTAssertEqual(swallowed.status, 64, swallowed.stdout + swallowed.stderr)
        let config = try switchboard(["channels", "add", "--config", "--name", "x"])
        XCTAssertEqual(config.status, 64, config.stderr)
        XCTAssertTrue(config.stderr.contains("--config needs a value"), config.stderr)
        // Words a command does not take are refused, not ignored.
        for extra in [["agents", "remove", "1", "extra"], ["version", "--bogus"], ["migrate", "now"], ["integrations", "remove", "1", "2"]] {
            let refused = try switchboard(extra)
            XCTAssertEqual(refused.status, 64, "\(extra): \(refused.stdout)\(refused.stderr)")
        }

        XCTAssertEqual(try switchboard(["integrations", "add", "--name", "tw", "--provider", "twilio"]).status, 0)   // id 1
        let digits = try switchboard(["integrations", "add", "--name", "1", "--provider", "native"])
        XCTAssertNotEqual(digits.status, 0, digits.stdout)
        XCTAssertTrue(digits.stderr.contains("digits"), digits.stderr)
        // A name like that kept from an older version: the id still means the id.
        let store = try Store(path: dir.path("sb.db"), migrations: Schema.migrations)
        try store.writeAndWait { db in
            try db.execute("""
                INSERT INTO integrations(name, provider, region, secret_hash, provider_secret, settings, created_at)
                VALUES ('1', 'native', NULL, 'x', '', '{}', '2026-01-01T00:00:00.000Z')
                """)
        }
        store.close()
        XCTAssertEqual(try switchboard(["integrations", "remove", "1"]).status, 0)
        let left = try switchboard(["integrations", "list"]).stdout
        let rows = left.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows, [["ID", "NAME", "PROVIDER", "REGION"], ["2", "1", "native", "-"]], left)
    }
}

extension IntegrationSettingsValidationTests {
    /// A channel setting that does not exist (a typo) is refused with 422 naming it, as an
    /// integration's is, over the API and the CLI (exit 65, invalid data); it was saved and did
    /// nothing.
    func testUnknownChannelSettingsAreRefused() throws {
        let refused = try t.api("POST", "/api/v1/channels", body: ["name": "wa", "provider": "meta", "phoneNumberId": "1", "appSecret": "s",
                                                                    "settings": ["syncFiltr": "existing"]])
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("settings.syncFiltr"), refused.text)
        XCTAssertEqual(try t.count("channels"), 0)
        let made = try t.api("POST", "/api/v1/channels", body: ["name": "wa", "provider": "meta", "phoneNumberId": "1", "appSecret": "s",
                                                                 "settings": ["syncFilter": "existing"]])
        XCTAssertEqual(made.status, 201, made.text)
        let id = try XCTUnwrap(made.json["id"] as? Int)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/channels/\(id)", body: ["settings": ["pipline": "Sales"]]).status, 422)

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cli = try Subprocess.run(Subprocess.switchboardBinary, ["channels", "add", "--name", "wz2", "--provider", "wazzup",
                                                                    "--phone-number-id", "1", "--settings", #"{"syncFiltr":"x"}"#],
                                     environment: ["SWITCHBOARD_DATABASE": dir.path("sb.db")])
        XCTAssertEqual(cli.status, 65, cli.stderr)
        XCTAssertTrue(cli.stderr.contains("settings.syncFiltr"), cli.stderr)
    }
}

extension IntegrationSettingsValidationTests {
    /// A number that is no integer where an integer setting belongs is refused naming that
    /// setting; the answer was "settings: The given data was not valid JSON."
    func testANonIntegerNumberNamesItsSetting() throws {
        for (settings, name) in [(["missedCallTask": ["deadlineMinutes": 1.5]], "settings.missedCallTask.deadlineMinutes"),
                                 (["missedCallTask": ["deadlineMinutes": 1e20]], "settings.missedCallTask.deadlineMinutes")] {
            let refused = try t.api("POST", "/api/v1/integrations", body: ["name": "pbx", "provider": "native", "settings": settings])
            XCTAssertEqual(refused.status, 422, refused.text)
            XCTAssertTrue(refused.text.contains(name), "\(settings): \(refused.text)")
        }
        XCTAssertEqual(try t.count("integrations"), 0)
    }
}

extension IntegrationSettingsValidationTests {
    /// Two integrations writing the same contact field in different UTM modes kept whichever tag
    /// arrived first (first touch keeps the earliest call's, last touch the latest's): a setting
    /// that makes a field's value depend on arrival order is refused, naming the field.
    func testIntegrationsWritingOneFieldNeedOneUTMMode() throws {
        func create(_ name: String, _ utm: [String: Any]) throws -> RawResponse {
            try t.api("POST", "/api/v1/integrations", body: ["name": name, "provider": "native", "settings": ["utm": utm]])
        }
        XCTAssertEqual(try create("office", ["fields": ["utm_source": "Source", "utm_medium": "Medium"], "mode": "first-touch"]).status, 201)
        let mixed = try create("branch", ["fields": ["utm_medium": "Medium"], "mode": "last-touch"])
        XCTAssertEqual(mixed.status, 422, mixed.text)
        XCTAssertTrue(mixed.errorMessage?.contains("Medium") == true && mixed.errorMessage?.contains("office") == true, mixed.text)
        // Another field, or the same mode, is fine; a key mapped but not written does not count.
        let branch = try create("branch", ["fields": ["utm_medium": "Channel", "utm_source": "Source"], "write": ["utm_medium"], "mode": "last-touch"])
        XCTAssertEqual(branch.status, 201, branch.text)
        let branchId = try XCTUnwrap(branch.json["id"] as? Int)
        XCTAssertEqual(try create("shop", ["fields": ["utm_source": "Source"]]).status, 201)
        // Changing a mode is checked too, and refused whole.
        let patched = try t.api("PATCH", "/api/v1/integrations/\(branchId)", body: ["settings": ["utm": ["write": ["utm_medium", "utm_source"]]]])
        XCTAssertEqual(patched.status, 422, patched.text)
        XCTAssertEqual((try t.api("GET", "/api/v1/integrations/\(branchId)").json["settings"] as? [String: Any]).flatMap { ($0["utm"] as? [String: Any])?["write"] as? [String] },
                       ["utm_medium"])
    }
    /// Integrations an older version left in mixed modes keep receiving webhooks, and settings
    /// that do not touch UTM can still change (a task deadline was refused until the modes agreed).
    func testIntegrationsLeftInMixedModesCanChangeOtherSettings() throws {
        func create(_ name: String) throws -> Int {
            let created = try t.api("POST", "/api/v1/integrations", body: ["name": name, "provider": "native",
                                                                           "settings": ["utm": ["fields": ["utm_source": "Source"]]]])
            return try XCTUnwrap(created.json["id"] as? Int, created.text)
        }
        let office = try create("office")
        let branch = try create("branch")
        // As an older version allowed: the branch writes the same field in last touch.
        try t.daemon.store.writeAndWait { db in
            try db.execute("UPDATE integrations SET settings = json_set(settings, '$.utm.mode', 'last-touch') WHERE id = ?", branch)
        }
        let deadline = try t.api("PATCH", "/api/v1/integrations/\(office)", body: ["settings": ["missedCallTask": ["deadlineMinutes": 90]]])
        XCTAssertEqual(deadline.status, 200, deadline.text)
        let utm = try t.api("PATCH", "/api/v1/integrations/\(office)", body: ["settings": ["utm": ["fields": ["utm_source": "Source", "utm_medium": "Medium"]]]])
        XCTAssertEqual(utm.status, 422, "a change to UTM is still checked: \(utm.text)")
    }
}
