import Foundation
import Switchboard
import TestSupport
import XCTest

/// An integration's `timeZone` setting: Ringostat's `calldate` and Zadarma's `call_start` carry
/// no offset and are the provider account's wall clock, so with `Europe/Kyiv` set a call Kyiv
/// saw at 12:00 in November is stored at 10:00 UTC (13:00 in July, summer time, likewise).
/// Driven as the providers do it, over HTTP against the daemon, with integrations made through
/// the API as a supervisor makes them.
final class IntegrationTimeZoneTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t?.stop() }

    static let kyiv = ["timeZone": "Europe/Kyiv"]

    // MARK: Ringostat

    func testRingostatCalldateIsReadInKyivTimeInWinterAndInSummer() throws {
        let secret = try addIntegration("ringostat", settings: Self.kyiv).secret
        try postRingostatCall(secret, id: "rs-winter", calldate: "2026-11-23 12:00:00")
        try postRingostatCall(secret, id: "rs-summer", calldate: "2026-07-15 13:00:00")
        try assertTimes("rs-winter", ringing: "2026-11-23T10:00:00.000Z", answered: "2026-11-23T10:00:10.000Z",
                        ended: "2026-11-23T10:03:20.000Z")
        try assertTimes("rs-summer", ringing: "2026-07-15T10:00:00.000Z", answered: "2026-07-15T10:00:10.000Z",
                        ended: "2026-07-15T10:03:20.000Z")
    }

    /// Without the setting nothing changes: the same webhooks are read as UTC, as before it existed.
    func testWithoutATimeZoneRingostatAndZadarmaTimesAreReadAsUTC() throws {
        let ringostat = try addIntegration("ringostat").secret
        try postRingostatCall(ringostat, id: "rs-utc", calldate: "2026-11-23 12:00:00")
        try assertTimes("rs-utc", ringing: "2026-11-23T12:00:00.000Z", answered: "2026-11-23T12:00:10.000Z",
                        ended: "2026-11-23T12:03:20.000Z")
        let zadarma = try addIntegration("zadarma").secret
        try postZadarmaCall(zadarma, id: "in_utc", callStart: "2026-07-15 13:00:00")
        try assertTimes("in_utc", ringing: "2026-07-15T13:00:00.000Z", answered: "2026-07-15T13:03:20.000Z",
                        ended: "2026-07-15T13:03:20.000Z")
    }

    // MARK: Zadarma

    func testZadarmaCallStartIsReadInKyivTimeInWinterAndInSummer() throws {
        let secret = try addIntegration("zadarma", settings: Self.kyiv).secret
        try postZadarmaCall(secret, id: "in_winter", callStart: "2026-11-23 12:00:00")
        try postZadarmaCall(secret, id: "in_summer", callStart: "2026-07-15 13:00:00")
        // Zadarma gives no talk time: an answered END is also the answer, at the end (webhooks/zadarma.md).
        try assertTimes("in_winter", ringing: "2026-11-23T10:00:00.000Z", answered: "2026-11-23T10:03:20.000Z",
                        ended: "2026-11-23T10:03:20.000Z")
        try assertTimes("in_summer", ringing: "2026-07-15T10:00:00.000Z", answered: "2026-07-15T10:03:20.000Z",
                        ended: "2026-07-15T10:03:20.000Z")
    }

    /// NOTIFY_ANSWER is timed when it arrives unless `call_start` is still ahead of our clock.
    /// That check reads `call_start` in the zone: a call that began a minute ago in Kyiv is
    /// answered now, not hours from now (which reading its Kyiv time as UTC would say), and one
    /// whose start is still ahead is answered at that start.
    func testZadarmaAnswerIsTimedOnArrivalUnlessTheKyivStartIsStillAhead() throws {
        let secret = try addIntegration("zadarma", settings: Self.kyiv).secret
        let kyiv = try XCTUnwrap(TimeZone(identifier: "Europe/Kyiv"))
        let before = Date()
        try postZadarma(secret, ["event": "NOTIFY_ANSWER", "call_start": Self.wallClock(before.addingTimeInterval(-60), in: kyiv),
                                 "pbx_call_id": "in_past", "caller_id": "40722123456", "destination": "100", "internal": "100"])
        let after = Date()
        let answered = try XCTUnwrap(try call("in_past")["answeredAt"] as? String)
        let answeredAt = try XCTUnwrap(Self.apiDate(answered), answered)
        XCTAssertTrue(answeredAt >= before.addingTimeInterval(-1) && answeredAt <= after.addingTimeInterval(1),
                      "answered on arrival (\(before)…\(after)), got \(answered)")

        let ahead = before.addingTimeInterval(3600)
        try postZadarma(secret, ["event": "NOTIFY_ANSWER", "call_start": Self.wallClock(ahead, in: kyiv),
                                 "pbx_call_id": "in_ahead", "caller_id": "40722123456", "destination": "100", "internal": "100"])
        XCTAssertEqual(try call("in_ahead")["answeredAt"] as? String, ProviderWebhookTests.apiTime(ahead))
    }

    // MARK: What a user sees

    /// The task a missed Kyiv call files is due an hour after the call's real moment, and a
    /// call back half an hour later (a native call with its own offset) comes after it on the
    /// contact's timeline and closes the task. Read as UTC, the missed call would sit two hours
    /// later, after the call back, which then would close nothing.
    func testAMissedKyivCallIsDueAnHourAfterItAndClosedByTheCallBackThatFollows() throws {
        let ringostat = try addIntegration("ringostat", settings: Self.kyiv).secret
        let native = try addIntegration("native").secret
        try postRingostat(ringostat, "ended?call_type=in", ["call_id": "rs-missed", "calldate": "2026-11-23 12:30:00",
                                                            "caller": "0722123456", "callee": "0312345678", "status": "NO ANSWER",
                                                            "duration": 0])
        let missed = try call("rs-missed")
        XCTAssertEqual(missed["outcome"] as? String, "missed")
        XCTAssertEqual(missed["endedAt"] as? String, "2026-11-23T10:30:00.000Z")
        let task = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["deadline"] as? String, "2026-11-23T11:30:00.000Z")

        for (kind, at) in [("answered", "2026-11-23T13:00:00+02:00"), ("ended", "2026-11-23T13:05:00+02:00")] {
            let response = try t.call(kind, secret: native, ["callId": "back-1", "clientNumber": "+40722123456", "direction": "outbound",
                                                             "occurredAt": at])
            XCTAssertEqual(response.status, 200, response.text)
        }
        let contactId = try XCTUnwrap(missed["contactId"] as? Int)
        let items = try XCTUnwrap(try t.api("GET", "/api/v1/contacts/\(contactId)/timeline").json["items"] as? [[String: Any]])
        let calls = items.compactMap { ($0["call"] as? [String: Any])?["providerCallId"] as? String }
        XCTAssertEqual(calls, ["back-1", "rs-missed"], "newest first: the call back came after the missed call")
        let closed = try XCTUnwrap((try t.api("GET", "/api/v1/tasks").json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(closed["state"] as? String, "done", "the call back closed the task")
    }

    /// Times that name their moment (an offset, Z, Unix seconds) are not moved by the zone.
    func testTimesWithAnOffsetOrUnixSecondsIgnoreTheTimeZone() throws {
        let ringostat = try addIntegration("ringostat", settings: Self.kyiv).secret
        for (id, calldate) in [("rs-offset", "2026-11-23T12:00:00+02:00"), ("rs-z", "2026-11-23T10:00:00Z"), ("rs-unix", "1795428000")] {
            try postRingostat(ringostat, "ringing?call_type=in", ["call_id": id, "calldate": calldate, "caller": "0722123456",
                                                                  "callee": "0312345678"])
            XCTAssertEqual(try call(id)["ringingAt"] as? String, "2026-11-23T10:00:00.000Z", calldate)
        }
        let zadarma = try addIntegration("zadarma", settings: Self.kyiv).secret
        try postZadarma(zadarma, ["event": "NOTIFY_START", "call_start": "2026-11-23T10:00:00Z", "pbx_call_id": "in_z",
                                  "caller_id": "40722123456", "called_did": "40312345678"])
        XCTAssertEqual(try call("in_z")["ringingAt"] as? String, "2026-11-23T10:00:00.000Z")
    }

    // MARK: Saving the setting

    func testAnUnknownTimeZoneIsRefusedOnCreateAndUpdateAndNothingChanges() throws {
        for name in Self.refusedNames {
            let refused = try t.api("POST", "/api/v1/integrations", body: ["name": "ringostat", "provider": "ringostat",
                                                                            "settings": ["timeZone": name]])
            assertNamesTheSetting(refused, name)
        }
        XCTAssertEqual((try t.api("GET", "/api/v1/integrations").json["integrations"] as? [[String: Any]])?.count, 0)

        let (id, secret) = try addIntegration("ringostat", settings: Self.kyiv)
        let before = try t.api("GET", "/api/v1/integrations/\(id)")
        XCTAssertEqual((before.json["settings"] as? [String: Any])?["timeZone"] as? String, "Europe/Kyiv")
        for name in Self.refusedNames {
            assertNamesTheSetting(try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["settings": ["timeZone": name]]), name)
        }
        XCTAssertEqual(try t.api("GET", "/api/v1/integrations/\(id)").text, before.text)
        try postRingostat(secret, "ringing?call_type=in", ["call_id": "rs-kept", "calldate": "2026-11-23 12:00:00",
                                                           "caller": "0722123456", "callee": "0312345678"])
        XCTAssertEqual(try call("rs-kept")["ringingAt"] as? String, "2026-11-23T10:00:00.000Z", "still read in Kyiv time")

        // Other zones, the older spelling of Kyiv included, are accepted; a null timeZone (the
        // settings are a merge patch) deletes it, and the integration reads UTC again.
        for name in ["Europe/Kiev", "Europe/Moscow", "UTC", "Etc/GMT-3"] {
            let accepted = try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["settings": ["timeZone": name]])
            XCTAssertEqual(accepted.status, 200, "\(name): \(accepted.text)")
        }
        let cleared = try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["settings": ["timeZone": NSNull()]])
        XCTAssertNil((cleared.json["settings"] as? [String: Any])?["timeZone"], cleared.text)
        try postRingostat(secret, "ringing?call_type=in", ["call_id": "rs-cleared", "calldate": "2026-11-23 12:00:00",
                                                           "caller": "0722123456", "callee": "0312345678"])
        XCTAssertEqual(try call("rs-cleared")["ringingAt"] as? String, "2026-11-23T12:00:00.000Z")
    }

    func testTheCLIRefusesAnUnknownTimeZone() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let env = ["SWITCHBOARD_DATABASE": dir.path("sb.db"), "SWITCHBOARD_PUBLIC_URL": "https://sb.example.com"]
        func switchboard(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: env)
        }
        let refused = try switchboard(["integrations", "add", "--name", "ringostat", "--provider", "ringostat",
                                       "--settings", #"{"timeZone":"Europe/Kiyv"}"#])
        XCTAssertEqual(refused.status, 65, "invalid data: \(refused.stderr)")
        XCTAssertTrue(refused.stderr.contains("settings.timeZone"), refused.stderr)
        XCTAssertEqual(try switchboard(["integrations", "list", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]")
        let accepted = try switchboard(["integrations", "add", "--name", "ringostat", "--provider", "ringostat",
                                        "--settings", #"{"timeZone":"Europe/Kyiv"}"#])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
    }

    /// Names that are no tz database zone: a typo, the wrong case, padding, nothing, and fixed
    /// offsets (Foundation would take those, but they miss the daylight-saving change).
    static let refusedNames = ["Europe/Kiyv", "europe/kyiv", " Europe/Kyiv", "", "Mars/Olympus", "GMT+2", "UTC+03:00", "+02:00"]

    func assertNamesTheSetting(_ response: RawResponse, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, 422, "\(name): \(response.text)", file: file, line: line)
        let message = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("settings.timeZone"), "\(name): \(response.text)", file: file, line: line)
    }

    // MARK: Helpers

    /// Creates an integration over the API; returns its id and webhook secret.
    func addIntegration(_ provider: String, settings: [String: Any] = [:]) throws -> (id: Int, secret: String) {
        var body: [String: Any] = ["name": "\(provider)-\(UUID().uuidString.prefix(6))", "provider": provider, "region": "RO",
                                   "settings": settings]
        if provider == "zadarma" { body["providerSecret"] = ProviderWebhookTests.zadarmaSecret }
        let created = try t.api("POST", "/api/v1/integrations", body: body)
        XCTAssertEqual(created.status, 201, created.text)
        return (try XCTUnwrap(created.json["id"] as? Int), try XCTUnwrap(created.json["secret"] as? String))
    }

    /// Posts one Ringostat webhook as JSON to the moment `path` (with any query).
    func postRingostat(_ secret: String, _ path: String, _ fields: [String: Any],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        let response = try t.send("POST", "/webhooks/ringostat/\(secret)/\(path)", headers: [("Content-Type", "application/json")],
                                  body: body)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
    }

    /// A Ringostat call's before-call and after-call webhooks: 200 s in all, 190 s talked.
    func postRingostatCall(_ secret: String, id: String, calldate: String) throws {
        let call: [String: Any] = ["call_id": id, "calldate": calldate, "caller": "0722123456", "callee": "0312345678"]
        try postRingostat(secret, "ringing?call_type=in", call)
        try postRingostat(secret, "ended?call_type=in", call.merging(["disposition": "ANSWERED", "duration": 200, "billsec": 190]) { $1 })
    }

    /// Posts one Zadarma notification as a form, signed as Zadarma signs it.
    func postZadarma(_ secret: String, _ fields: [String: String], file: StaticString = #filePath, line: UInt = #line) throws {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
            .joined(separator: "&")
        let response = try t.send("POST", "/webhooks/zadarma/\(secret)",
                                  headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                            ("Signature", ProviderWebhookTests.zadarmaSignature(body))], body: body)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
    }

    /// A Zadarma inbound call's NOTIFY_START and its answered NOTIFY_END, 200 s long.
    func postZadarmaCall(_ secret: String, id: String, callStart: String) throws {
        let call = ["call_start": callStart, "pbx_call_id": id, "caller_id": "40722123456", "called_did": "40312345678"]
        try postZadarma(secret, call.merging(["event": "NOTIFY_START"]) { $1 })
        try postZadarma(secret, call.merging(["event": "NOTIFY_END", "internal": "100", "duration": "200",
                                              "disposition": "answered"]) { $1 })
    }

    /// The call the provider calls `providerCallId`, as the API shows it.
    func call(_ providerCallId: String) throws -> [String: Any] {
        let id = try t.daemon.store.read { db in try db.scalar("SELECT id FROM calls WHERE provider_call_id = ?", providerCallId).int }
        let response = try t.api("GET", "/api/v1/calls/\(try XCTUnwrap(id, "no call \(providerCallId)"))")
        XCTAssertEqual(response.status, 200, response.text)
        return response.json
    }

    func assertTimes(_ providerCallId: String, ringing: String, answered: String, ended: String,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let stored = try call(providerCallId)
        XCTAssertEqual(stored["ringingAt"] as? String, ringing, "\(providerCallId) rang", file: file, line: line)
        XCTAssertEqual(stored["answeredAt"] as? String, answered, "\(providerCallId) was answered", file: file, line: line)
        XCTAssertEqual(stored["endedAt"] as? String, ended, "\(providerCallId) ended", file: file, line: line)
    }

    /// A time as the API shows it (`2026-11-23T10:00:00.000Z`), as a Date.
    static func apiDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// `date` as a provider's wall clock in `zone`: `YYYY-MM-DD HH:MM:SS`, no offset.
    static func wallClock(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}

extension IntegrationTimeZoneTests {
    /// A native `occurredAt` must say where it is (webhooks/native-*.md): a PBX bridge sending
    /// its local wall clock was stored as UTC, off by its offset, without a word. Without a
    /// `timeZone` such a time is now a 422 and nothing is stored; with one it is read there,
    /// as Ringostat's and Zadarma's times are.
    func testNativeTimeWithoutAnOffsetIsRefusedUnlessTheIntegrationHasATimeZone() throws {
        let plain = try addIntegration("native").secret
        for local in ["2026-11-23 12:00:00", "2026-11-23T12:00:00", "2026-11-23T12:00"] {
            let refused = try t.call("ringing", secret: plain, ["callId": "n-local", "clientNumber": "+40722123456", "occurredAt": local])
            XCTAssertEqual(refused.status, 422, "\(local): \(refused.text)")
            XCTAssertTrue(refused.text.contains("occurredAt"), refused.text)
        }
        XCTAssertEqual(try t.count("raw_events"), 0)
        XCTAssertEqual(try t.count("calls"), 0)
        for (id, stated) in [("n-z", "2026-11-23T10:00:00Z"), ("n-offset", "2026-11-23T12:00:00+02:00"), ("n-unix", "1795428000")] {
            let stored = try t.call("ringing", secret: plain, ["callId": id, "clientNumber": "+40722123456", "occurredAt": stated])
            XCTAssertEqual(stored.status, 200, stored.text)
            XCTAssertEqual(try call(id)["ringingAt"] as? String, "2026-11-23T10:00:00.000Z", stated)
        }

        let bucharest = try addIntegration("native", settings: ["timeZone": "Europe/Bucharest"]).secret
        let local = try t.call("ringing", secret: bucharest, ["callId": "n-bucharest", "clientNumber": "+40722123456",
                                                              "occurredAt": "2026-11-23 12:00:00"])
        XCTAssertEqual(local.status, 200, local.text)
        XCTAssertEqual(try call("n-bucharest")["ringingAt"] as? String, "2026-11-23T10:00:00.000Z")
    }
}
