import Foundation
import TestSupport
import XCTest

/// Drives the real `switchboard` binary: CLI, HTTP endpoints, signals.
final class DaemonTests: XCTestCase {
    var dir: TemporaryDirectory!
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        dir = try TemporaryDirectory()
        environment = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
    }

    private func cli(_ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: environment)
    }

    func testAgentsAddPrintsTheKeyOnceAndApiRequiresIt() throws {
        let added = try cli(["agents", "add", "--name", "Ana Pop", "--role", "supervisor", "--phone", "+40722123456", "--json"])
        XCTAssertEqual(added.status, 0, added.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        let key = try XCTUnwrap(json["apiKey"] as? String)
        XCTAssertEqual(json["role"] as? String, "supervisor")
        XCTAssertEqual(json["phones"] as? [String], ["+40722123456"])

        // A command that makes the database says so, and where: run from another folder, one made
        // an empty ./switchboard.db without a word and printed a key the daemon did not know.
        XCTAssertTrue(added.stderr.contains("no database at \(dir.path("sb.db")) yet: creating a new one there"), added.stderr)
        let listed = try cli(["agents", "list", "--json"])
        XCTAssertFalse(listed.stderr.contains("creating"), listed.stderr)
        XCTAssertFalse(listed.stdout.contains(key), "the key is never shown again")
        XCTAssertTrue(listed.stdout.contains("Ana Pop"))
        // For people: a header, the columns lined up, and the SIP logins calls are matched by.
        XCTAssertEqual(try cli(["agents", "add", "--name", "Bo", "--role", "manager", "--sip", "bo-sip", "--sip", "bo2"]).status, 0)
        let table = try cli(["agents", "list"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 3, table.joined(separator: "\n"))
        XCTAssertEqual(table[0].split(separator: " ").joined(separator: " "), "ID NAME ROLE PHONES SIP LOGINS NEW CLIENTS")
        XCTAssertEqual(table[1].split(separator: " ").joined(separator: " "), "1 Ana Pop supervisor +40722123456 - no")
        XCTAssertEqual(table[2].split(separator: " ").joined(separator: " "), "2 Bo manager - bo-sip,bo2 no")
        let roleColumn = try XCTUnwrap(table[0].range(of: "ROLE")).lowerBound.utf16Offset(in: table[0])
        XCTAssertTrue(table[2].dropFirst(roleColumn).hasPrefix("manager"), "columns line up")
        let stored = try Subprocess.run("/usr/bin/sqlite3", [dir.path("sb.db"), "SELECT api_key_hash FROM agents"])
        XCTAssertFalse(stored.stdout.contains(key), "only a hash is stored")

        let daemon = try RunningDaemon(environment: environment)
        defer { daemon.stop() }
        // A leaked key is replaced from the command line, beside the running daemon.
        let leaked = try cli(["agents", "add", "--name", "Leaky", "--role", "manager", "--json"])
        let leakedJSON = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(leaked.stdout.utf8)) as? [String: Any])
        let leakedKey = try XCTUnwrap(leakedJSON["apiKey"] as? String)
        let rotated = try cli(["agents", "rotate-key", "\(try XCTUnwrap(leakedJSON["id"] as? Int))"])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        let newKey = try XCTUnwrap(rotated.stdout.components(separatedBy: "API key (shown once): ").last?
            .trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(try daemon.request("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(leakedKey)\r\n\r\n").status, 401)
        XCTAssertEqual(try daemon.request("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(newKey)\r\n\r\n").status, 200)
        XCTAssertEqual(try cli(["agents", "rotate-key", "999"]).status, 66)
        let anonymous = try daemon.request("GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.errorCode, "unauthorized")
        let wrong = try daemon.request("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sb_\(String(repeating: "0", count: 64))\r\n\r\n")
        XCTAssertEqual(wrong.status, 401)
        let me = try daemon.request("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n\r\n")
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(me.json["name"] as? String, "Ana Pop")
        XCTAssertFalse(daemon.log.contains(key), "secrets never reach the log")
    }

    func testWebhookSecretsInURLsNeverReachTheLog() throws {
        let added = try cli(["integrations", "add", "--name", "zd", "--provider", "zadarma", "--provider-secret", "s", "--json"])
        let secret = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["secret"] as? String)
        let daemon = try RunningDaemon(environment: environment)
        let echo = try daemon.request("GET /webhooks/zadarma/\(secret)?zd_echo=abc123 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(echo.text, "abc123")
        // Wrong method, a missing or extra segment: routes that do not expect a secret there.
        for line in ["DELETE /webhooks/zadarma/\(secret)", "POST /webhooks/ringostat/\(secret)", "PUT /webhooks/aircall/\(secret)/x",
                     "GET /webhooks/twilio/\(secret)"] {
            let refused = try daemon.request("\(line) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            XCTAssertGreaterThanOrEqual(refused.status, 400, line)
        }
        XCTAssertEqual(daemon.stop(), 0)
        XCTAssertTrue(daemon.log.contains(#""path":"/webhooks/zadarma/:secret""#), daemon.log)
        XCTAssertFalse(daemon.log.contains(secret))
    }

    /// The operator finds a call whose SIP login matches no agent in the log, with what to do.
    func testACallForAnUnknownSIPLoginIsLoggedAsAWarning() throws {
        let added = try cli(["integrations", "add", "--name", "pbx", "--provider", "native", "--json"])
        let secret = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["secret"] as? String)
        let daemon = try RunningDaemon(environment: environment)
        let body = #"{"callId":"c1","clientNumber":"+40722123456","sipLogin":"ana-sip"}"#
        let stored = try daemon.request("POST /webhooks/calls/ringing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(secret)\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        XCTAssertEqual(stored.status, 200, stored.text)
        XCTAssertEqual(daemon.stop(), 0)
        let line = try XCTUnwrap(daemon.log.split(separator: "\n").first { $0.contains("call event stored with a warning") }, daemon.log)
        XCTAssertTrue(line.contains(#""level":"warning""#), String(line))
        XCTAssertTrue(line.contains(#"sipLogin \"ana-sip\" names no agent"#), String(line))
        XCTAssertTrue(line.contains(#""integration":"pbx""#), String(line))
    }

    /// An integration set up so that every webhook will be refused says so when it is added (it
    /// exited 0 without a word, and the operator learned of it from the provider's 401s).
    func testAddingAnIntegrationThatWillRefuseEveryWebhookWarns() throws {
        let bare = try cli(["integrations", "add", "--name", "tw", "--provider", "twilio"])
        XCTAssertEqual(bare.status, 0, bare.stderr)
        XCTAssertTrue(bare.stderr.contains("warning: no --provider-secret: every webhook is refused"), bare.stderr)
        XCTAssertTrue(bare.stderr.contains("the Twilio auth token"), bare.stderr)
        XCTAssertTrue(bare.stderr.contains("warning: publicURL is not set"), bare.stderr)
        let aircall = try cli(["integrations", "add", "--name", "ac", "--provider", "aircall"])
        XCTAssertTrue(aircall.stderr.contains("the Aircall webhook token"), aircall.stderr)
        // Aircall does not sign the URL, but cannot call this machine's loopback (the default listen address) either.
        XCTAssertTrue(aircall.stderr.contains("the listen address 127.0.0.1:") && aircall.stderr.contains("which the provider cannot reach"),
                      aircall.stderr)
        XCTAssertFalse(try cli(["integrations", "add", "--name", "local-pbx", "--provider", "native"]).stderr.contains("warning"),
                       "a PBX on this machine can call its loopback")
        environment["SWITCHBOARD_LISTEN"] = "0.0.0.0:38090"
        let anywhere = try cli(["integrations", "add", "--name", "pbx0", "--provider", "native"])
        XCTAssertTrue(anywhere.stderr.contains("warning: publicURL is not set") && anywhere.stderr.contains("0.0.0.0:38090, which no PBX can call"),
                      anywhere.stderr)
        environment["SWITCHBOARD_PUBLIC_URL"] = "https://crm.example.com"
        let ready = try cli(["integrations", "add", "--name", "tw2", "--provider", "twilio", "--provider-secret", "token"])
        XCTAssertFalse(ready.stderr.contains("warning"), ready.stderr)
        XCTAssertFalse(try cli(["integrations", "add", "--name", "pbx", "--provider", "native"]).stderr.contains("warning"))
    }

    /// An unknown option last on the line is an unknown option, not one missing its value.
    func testAnUnknownLastOptionIsNamedAsUnknown() throws {
        for arguments in [["integrations", "list", "--bogus"], ["agents", "list", "--bogus"], ["channels", "list", "--bogus"]] {
            let result = try cli(arguments)
            XCTAssertEqual(result.status, 64, arguments.joined(separator: " "))
            XCTAssertTrue(result.stderr.contains("unknown option --bogus"), result.stderr)
        }
        let missing = try cli(["agents", "add", "--role", "manager", "--name"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("--name needs a value"), missing.stderr)
    }

    /// Two agents could be given one SIP login: click-to-call for the second rang the first's
    /// phone, and webhooks naming it always found the first.
    func testASIPLoginBelongsToOneAgent() throws {
        XCTAssertEqual(try cli(["agents", "add", "--name", "Ana", "--role", "manager", "--sip", "ana", "--sip", "ana"]).status, 0)
        let taken = try cli(["agents", "add", "--name", "Dup", "--role", "manager", "--sip", "dup", "--sip", "ana"])
        XCTAssertEqual(taken.status, 65)
        XCTAssertTrue(taken.stderr.contains("SIP login ana belongs to agent 1 (Ana)"), taken.stderr)
        let list = try cli(["agents", "list", "--json"]).stdout
        XCTAssertFalse(list.contains("Dup"), list)
        XCTAssertTrue(list.contains(#""sipLogins":["ana"]"#), "a login given twice is kept once: \(list)")
        XCTAssertEqual(try cli(["agents", "add", "--name", "Dup", "--role", "manager", "--sip", "dup"]).status, 0)
    }

    /// A database the daemon may read but not write started, answered /healthz, and gave every
    /// webhook a 500 with only an info-level log line. (An immutable file stands in for another
    /// user's: the tests run as root, whom file modes do not stop.)
    func testADatabaseThatCannotBeWrittenIsRefusedAtStart() throws {
        XCTAssertEqual(try cli(["agents", "list"]).status, 0)
        guard try Subprocess.run("/usr/bin/chattr", ["+i", dir.path("sb.db")]).status == 0 else {
            throw XCTSkip("chattr +i is not possible here")
        }
        defer { _ = try? Subprocess.run("/usr/bin/chattr", ["-i", dir.path("sb.db")]) }
        environment["SWITCHBOARD_LISTEN"] = "127.0.0.1:0"
        let served = try cli(["serve"])
        XCTAssertEqual(served.status, 1, served.stderr)
        XCTAssertTrue(served.stderr.contains("cannot write to the database \(dir.path("sb.db"))"), served.stderr)
        XCTAssertFalse(served.stderr.contains("\"listening\""), "it never listened: \(served.stderr)")
    }

    func testAgentsRemoveAndBadInputExitCodes() throws {
        XCTAssertEqual(try cli(["agents", "add", "--name", "X", "--role", "boss"]).status, 64)
        XCTAssertEqual(try cli(["agents", "add", "--role", "manager"]).status, 64)
        XCTAssertEqual(try cli(["agents", "add", "--name", "X", "--role", "manager", "--phone", "garbage"]).status, 65)
        XCTAssertEqual(try cli(["agents", "remove", "99"]).status, 66)
        XCTAssertEqual(try cli(["frobnicate"]).status, 64)
        // A mistyped subcommand is named before the database is looked at ("creating a new one
        // there" was printed for a database the typo never made).
        let typo = try cli(["integrations", "ad", "--name", "x"])
        XCTAssertEqual(typo.status, 64)
        XCTAssertTrue(typo.stderr.contains("unknown integrations command 'ad'") && !typo.stderr.contains("creating"), typo.stderr)
        // So is a mistyped option: it creates nothing, so it does not say it does.
        let fresh = try TemporaryDirectory()
        defer { fresh.remove() }
        let option = try Subprocess.run(Subprocess.switchboardBinary, ["agents", "list", "--bogus"],
                                        environment: ["SWITCHBOARD_DATABASE": fresh.path("new.db")])
        XCTAssertEqual(option.status, 64, option.stderr)
        XCTAssertFalse(option.stderr.contains("creating"), option.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.path("new.db")))
        let added = try cli(["agents", "add", "--name", "Bo", "--role", "manager", "--json"])
        let id = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["id"] as? Int)
        XCTAssertEqual(try cli(["agents", "remove", String(id)]).status, 0)
        XCTAssertFalse(try cli(["agents", "list"]).stdout.contains("Bo"))
    }

    func testHelpAndVersion() throws {
        // README: --help works on every command.
        for arguments in [["--help"], ["serve", "--help"], ["migrate", "--help"], ["agents", "--help"], ["agents", "add", "--help"],
                          ["integrations", "--help"], ["channels", "--help"], ["sip", "--help"], ["rebuild", "--help"], ["version", "--help"]] {
            let result = try cli(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("Usage"), "\(arguments)")
        }
        XCTAssertTrue(try cli(["--help"]).stdout.contains("agents add|list|update|rotate-key|remove"), "the overview names every agents command")
        XCTAssertTrue(try cli(["version"]).stdout.hasPrefix("switchboard "))
    }

    func testBadConfigurationStopsStartupNamingTheKey() throws {
        environment["SWITCHBOARD_MAX_CONNECTIONS"] = "many"
        let result = try cli(["serve"])
        XCTAssertEqual(result.status, 78)
        XCTAssertTrue(result.stderr.contains("SWITCHBOARD_MAX_CONNECTIONS"), result.stderr)
    }

    func testMigrateCreatesTheSchema() throws {
        XCTAssertEqual(try cli(["migrate"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "applied: 001_agents, 002_calls, 003_click_to_call, 004_whatsapp, 005_whatsapp_sending, 006_whatsapp_media_views, 007_drop_contacts_name_index, 008_timeline_id_from_reference, 009_call_merge_order_free, 010_contact_owner_from_calls, 011_integrations_kept_when_removed, 012_task_ids_never_reused, 013_api_results, 014_agent_ids_never_reused, 015_contact_phones_without_foreign_key, 016_contacts_by_owner, 017_call_first_end, 018_contact_utm_sources, 019_tasks_by_contact_state_and_close, 020_contact_hand_set_utm_values, 021_rule_epochs, 022_thread_reset_at, 023_call_agent_at, 024_call_merged_from, 025_click_to_call_error_status, 026_done_tasks_stay, 027_call_agents_named, 028_call_deal, 029_click_to_call_asked, 030_call_began, 031_call_dialed_id, 032_channel_ids_never_reused, 033_call_agent_and_sip_ranks, 034_raw_event_agent_choice, 035_call_utm_times, 036_integration_settings_versions, 037_calls_talked_unanswered, 038_rule_epoch_profile_names, 039_agent_ids_past_removed_ones, 040_raw_event_task_assignee_choice, 041_call_timeline_from_calls, 042_contact_phones_column, 043_call_owner_candidate, 044_rule_epoch_unchanged_contacts")
        XCTAssertEqual(try cli(["migrate"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "database is up to date")
    }

    func testHealthReadinessAndMetrics() throws {
        let daemon = try RunningDaemon(environment: environment)
        XCTAssertEqual(try daemon.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
        let ready = try daemon.request("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(ready.json["status"] as? String, "ready")
        // Two writes: the check that the database is writable at start, and /readyz.
        let metrics = try daemon.request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").text
        for needle in [#"switchboard_http_requests_total{route="/readyz",method="GET",status="200"} 1"#,
                       "switchboard_http_request_duration_seconds_bucket", "switchboard_writer_batch_size_count 2",
                       "switchboard_writer_commit_duration_seconds_bucket", "# TYPE switchboard_http_open_connections gauge",
                       "switchboard_sse_subscribers 0"] {
            XCTAssertTrue(metrics.contains(needle), "missing \(needle)")
        }
        // One JSON line per request (read after the stop, which flushes the log buffer).
        daemon.stop()
        let lines = daemon.log.split(separator: "\n").filter { $0.contains(#""msg":"request""#) }
        XCTAssertGreaterThanOrEqual(lines.count, 2)
        for line in lines { XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8))) }
    }

    /// `top -H`, `ps -L` and perf name a busy thread: every one was called `switchboard`.
    func testTheDaemonsThreadsCarryTheirNames() throws {
        environment["SWITCHBOARD_EVENT_LOOPS"] = "2"
        let daemon = try RunningDaemon(environment: environment)
        defer { daemon.stop() }
        XCTAssertEqual(try daemon.request("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
        let tasks = "/proc/\(daemon.process.processIdentifier)/task"
        let wanted: Set = ["http-0", "http-1", "sqlite-writer", "sqlite-wal-sync", "sqlite-checkpt", "log-flusher"]
        // A thread names itself as it starts: looked at again for a while, not slept on.
        var names: Set<String> = []
        let deadline = Date().addingTimeInterval(10)
        while !wanted.isSubset(of: names) && Date() < deadline {
            names = Set(try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap { task in
                try? String(contentsOfFile: "\(tasks)/\(task)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            })
        }
        XCTAssertTrue(wanted.isSubset(of: names), "missing \(wanted.subtracting(names).sorted()) among \(names.sorted())")
    }

    func testSIGTERMStopsGracefullyWithExitZero() throws {
        let daemon = try RunningDaemon(environment: environment)
        XCTAssertEqual(try daemon.request("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").status, 200)
        let status = daemon.stop()
        XCTAssertEqual(status, 0)
        XCTAssertTrue(daemon.log.contains(#""msg":"stopped""#))
        // The checkpoint on the way out leaves an empty WAL.
        let wal = (try? FileManager.default.attributesOfItem(atPath: dir.path("sb.db") + "-wal")[.size] as? Int) ?? 0
        XCTAssertEqual(wal, 0)
    }
}
