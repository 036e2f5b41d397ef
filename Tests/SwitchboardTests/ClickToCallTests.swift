import Foundation
@testable import Switchboard
import TestSupport
import XCTest

final class ClickToCallTests: XCTestCase {
    var t: TestDaemon!
    var fake: FakeRingostat!
    var integration: IntegrationDirectory.Created!
    var ana: (id: Int, key: String)!

    override func setUpWithError() throws {
        t = try TestDaemon()
        fake = try FakeRingostat()
        integration = try t.addIntegration(.ringostat, region: "UA", settings: fake.dialerSettings(timeoutSeconds: 1))
        ana = try t.addAgent("Ana", role: .supervisor, sip: ["ana"])
    }

    override func tearDown() {
        t.stop()
        fake.stop()
    }

    private func click(_ body: [String: Any], key: String? = nil, idempotency: String? = nil) throws -> RawResponse {
        var headers = [("Authorization", "Bearer \(key ?? ana.key)"), ("Content-Type", "application/json")]
        if let idempotency { headers.append(("Idempotency-Key", idempotency)) }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try t.send("POST", "/api/v1/calls", headers: headers, body: text)
    }

    func testOnlineAccountDialsTheClientAndTheCallIsOnTheTimeline() throws {
        fake.set { $0.online = ["ana", "bob"] }
        let response = try click(["number": "067 111 2233"])
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["sipAccount"] as? String, "ana")
        XCTAssertEqual(response.json["fallback"] as? Bool, false)
        XCTAssertEqual(fake.callbacks.count, 1)
        XCTAssertEqual(fake.callbacks.first?["extension"], "ana")
        XCTAssertEqual(fake.callbacks.first?["destination"], "380671112233")
        XCTAssertEqual(fake.callbacks.first?["auth-key"], "ringo-key")
        XCTAssertEqual(fake.callbacks.first?["expect"], "", "no Expect: 100-continue")
        let call = try XCTUnwrap(response.json["call"] as? [String: Any])
        XCTAssertEqual(call["direction"] as? String, "outbound")
        let contactId = try XCTUnwrap(call["contactId"] as? Int)
        let items = try t.api("GET", "/api/v1/contacts/\(contactId)/timeline").json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(items.first?["type"] as? String, "call")
    }

    func testOfflineAccountFallsBackToAnOnlineFreeOneAndSaysSo() throws {
        fake.set { $0.online = ["bob", "cat"]; $0.speaking = ["cat"] }
        let response = try click(["number": "+380671112233"])
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["sipAccount"] as? String, "bob", "cat is on a call")
        XCTAssertEqual(response.json["fallback"] as? Bool, true)
        XCTAssertTrue((response.json["fallbackReason"] as? String ?? "").contains("ana is offline"))
        XCTAssertEqual(fake.callbacks.first?["extension"], "bob")
        let note = (response.json["call"] as? [String: Any])?["note"] as? String
        XCTAssertTrue((note ?? "").contains("used bob instead"), "the timeline says so: \(note ?? "nil")")
    }

    func testNoOnlineAccountIs409AndNothingIsDialled() throws {
        fake.set { $0.online = ["ana"]; $0.speaking = ["ana"] }
        let response = try click(["number": "+380671112233"])
        XCTAssertEqual(response.status, 409)
        XCTAssertEqual(response.errorCode, "no_sip_account_online")
        XCTAssertEqual(fake.callbacks.count, 0)
    }

    func testProviderErrorsReachTheAgentAndAreNotRetried() throws {
        fake.set { $0.online = ["ana"]; $0.behaviour = .status(403, "Auth-key is not valid") }
        let rejected = try click(["number": "+380671112233"])
        XCTAssertEqual(rejected.status, 502)
        XCTAssertEqual(rejected.errorCode, "provider_error")
        XCTAssertTrue(rejected.text.contains("Auth-key is not valid"))
        fake.set { $0.behaviour = .status(503, "maintenance") }
        let serverError = try click(["number": "+380671112234"], idempotency: "k-503")
        XCTAssertEqual(serverError.status, 502)
        XCTAssertTrue(serverError.text.contains("maintenance"), serverError.text)
        XCTAssertTrue(serverError.text.contains("the call may have been placed (request "), "told apart from a refusal: \(serverError.text)")
        fake.set { $0.behaviour = .okWithError("Extension is not found") }
        let inside = try click(["number": "+380671112235"])
        XCTAssertEqual(inside.status, 502)
        XCTAssertTrue(inside.text.contains("Extension is not found"), "200 with an error in the body is an error")
        XCTAssertEqual(fake.callbacks.count, 3, "each sent once, never retried")
        XCTAssertEqual(try t.count("calls", "end_reason = 'dial-failed' AND flag LIKE '%Ringostat%'"), 2, "the refusals")
        // A 5xx may have dialled: its call is not ended as failed (the timeline said so), its note
        // says it may have dialled, and a retry with its key finds the call (state unknown).
        XCTAssertEqual(try t.count("calls", "client_number = '+380671112234' AND ended_at IS NULL AND note LIKE '%may have dialled%'"), 1)
        let retried = try click(["number": "+380671112234"], idempotency: "k-503")
        XCTAssertEqual(retried.status, 200, retried.text)
        XCTAssertEqual(retried.json["state"] as? String, "unknown")
        XCTAssertEqual(fake.callbacks.count, 3, "the retry dials nothing")
    }

    func testTimeoutIsNotRetriedButASlowAnswerWithinItSucceeds() throws {
        fake.set { $0.online = ["ana"]; $0.behaviour = .slow(0.3) }
        XCTAssertEqual(try click(["number": "+380671112233"]).status, 201)
        fake.set { $0.behaviour = .slow(2) }
        let timedOut = try click(["number": "+380671112234"])
        XCTAssertEqual(timedOut.status, 504)
        XCTAssertEqual(timedOut.errorCode, "provider_timeout")
        XCTAssertEqual(fake.callbacks.count, 2, "the timed-out request was sent once")
        // Retried with its key: a timeout may have dialled, so the retry finds the request and its
        // call (200, state unknown) rather than the bare error again.
        fake.set { $0.behaviour = .slow(2) }
        XCTAssertEqual(try click(["number": "+380671112235"], idempotency: "k-slow").status, 504)
        let retried = try click(["number": "+380671112235"], idempotency: "k-slow")
        XCTAssertEqual(retried.status, 200, retried.text)
        XCTAssertEqual(retried.json["state"] as? String, "unknown")
        XCTAssertNotNil((retried.json["call"] as? [String: Any])?["id"] as? Int, retried.text)
    }

    func testRefusedConnectionIsRetriedThenReported() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.apiBase = "http://127.0.0.1:\(try RunningDaemon.freePort())"
        settings.dialer = dialer
        let down = try t.addIntegration(.ringostat, settings: settings)
        let response = try click(["number": "+380671112233", "integrationId": down.integration.id])
        XCTAssertEqual(response.status, 502)
        XCTAssertEqual(response.errorCode, "provider_unreachable")
    }

    func testTwoAgentsFallingBackAtOnceGetDifferentAccounts() throws {
        let bob = try t.addAgent("Bob", role: .supervisor, sip: ["bob-offline"])
        fake.set { $0.online = ["x1", "x2"]; $0.behaviour = .slow(0.3) }
        let keys = [ana.key, bob.key]
        let results = ConcurrentStrings()
        let (tt, ints) = (t!, integration!)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let body = #"{"number":"+38067111223\#(i)","integrationId":\#(ints.integration.id)}"#
            let response = try? tt.send("POST", "/api/v1/calls", headers: [("Authorization", "Bearer \(keys[i])")], body: body)
            results.add(response?.json["sipAccount"] as? String ?? "status \(response?.status ?? 0) \(response?.text ?? "")")
        }
        XCTAssertEqual(Set(results.all), ["x1", "x2"])
    }

    func testRepeatedIdempotencyKeyDialsOnce() throws {
        fake.set { $0.online = ["ana"] }
        let first = try click(["number": "+380671112233"], idempotency: "click-1")
        let second = try click(["number": "+380671112233"], idempotency: "click-1")
        XCTAssertEqual(first.status, 201)
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(first.json["requestId"] as? String, second.json["requestId"] as? String)
        XCTAssertEqual(fake.callbacks.count, 1)
        XCTAssertEqual(try t.count("calls"), 1)
    }

    func testProviderWebhooksLandOnTheRequestedCallAndTheCallbackClosesTheMissedTask() throws {
        // A missed inbound call first, so there is a task to close.
        try t.send("POST", "/webhooks/ringostat/\(integration.secret)/missed", headers: [("Content-Type", "application/json")],
                   body: #"{"call_id":"in-1","caller":"380671112233","callee":"380441112233","calldate":"2026-11-23 09:00:00"}"#)
        XCTAssertEqual(try t.count("tasks", "state = 'open'"), 1)
        fake.set { $0.online = ["ana"]; $0.behaviour = .ok(callId: "rs-777") }
        let placed = try click(["contactId": 1])
        XCTAssertEqual(placed.status, 201, placed.text)
        let callId = try XCTUnwrap((placed.json["call"] as? [String: Any])?["id"] as? Int)
        for kind in ["ringing", "answered"] {
            let r = try t.send("POST", "/webhooks/ringostat/\(integration.secret)/\(kind)", headers: [("Content-Type", "application/json")],
                               body: #"{"call_id":"rs-777","call_type":"out","caller":"ana","callee":"380671112233"}"#)
            XCTAssertEqual(r.status, 200, r.text)
        }
        XCTAssertEqual(try t.count("calls"), 2, "no second row for the provider's id")
        let call = try t.api("GET", "/api/v1/calls/\(callId)").json
        XCTAssertEqual(call["state"] as? String, "answered")
        XCTAssertEqual(try t.count("tasks", "state = 'done' AND closed_by_call_id = \(callId)"), 1)
    }

    func testBadRequestsAreClear4xx() throws {
        fake.set { $0.online = ["ana"] }
        XCTAssertEqual(try click(["contactId": 999]).status, 404)
        XCTAssertEqual(try click(["number": "garbage"]).status, 422)
        XCTAssertEqual(try click(["number": "+380671112233", "integrationId": 999]).status, 422)
        XCTAssertEqual(try click([:]).status, 422)
        let nosip = try t.addAgent("Nosip", role: .supervisor)
        let response = try click(["number": "+380671112233"], key: nosip.key)
        XCTAssertEqual(response.status, 422)
        XCTAssertTrue(response.text.contains("no SIP account"))
        XCTAssertEqual(fake.callbacks.count, 0)
    }

    func testSIPAccountsListShowsPresenceAndPresenceWebhooksOverride() throws {
        fake.set { $0.online = ["ana"]; $0.speaking = ["ana"] }
        var accounts = try t.api("GET", "/api/v1/sip-accounts").json["sipAccounts"] as? [[String: Any]] ?? []
        XCTAssertEqual(accounts.first { $0["login"] as? String == "ana" }?["onCall"] as? Bool, true)
        XCTAssertEqual(accounts.first { $0["login"] as? String == "ana" }?["agentName"] as? String, "Ana")
        let pushed = try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"ana","online":true,"onCall":false}"#)
        XCTAssertEqual(pushed.status, 200)
        accounts = try t.api("GET", "/api/v1/sip-accounts").json["sipAccounts"] as? [[String: Any]] ?? []
        XCTAssertEqual(accounts.first { $0["login"] as? String == "ana" }?["onCall"] as? Bool, false)
    }
}

final class ConcurrentStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ value: String) { lock.withLock { values.append(value) } }
    var all: [String] { lock.withLock { values } }
}

extension ClickToCallTests {
    /// A Ringostat integration on the fake that dials through the extended JSON-RPC callback.
    private func addExtendedIntegration(timeoutSeconds: Double? = nil) throws -> IntegrationDirectory.Created {
        try t.addIntegration(.ringostat, region: "UA", settings: fake.dialerSettings(timeoutSeconds: timeoutSeconds, extended: true))
    }

    func testExtendedJSONRPCCallbackAndItsErrorInside200() throws {
        let rpc = try addExtendedIntegration()
        fake.set { $0.online = ["ana"] }
        let placed = try click(["number": "+380671112233", "integrationId": rpc.integration.id])
        XCTAssertEqual(placed.status, 201, placed.text)
        XCTAssertEqual(placed.json["providerCallId"] as? String, "rpc-1")
        // The call shows the provider's id too (it showed only our request's c2c: id).
        XCTAssertEqual((placed.json["call"] as? [String: Any])?["dialedCallId"] as? String, "rpc-1", placed.text)
        let callId = try XCTUnwrap((placed.json["call"] as? [String: Any])?["id"] as? Int)
        XCTAssertEqual(try t.api("GET", "/api/v1/calls/\(callId)").json["dialedCallId"] as? String, "rpc-1")
        XCTAssertEqual(fake.callbacks.first?["method"], "Api\\V2\\Callback.external")
        XCTAssertEqual(fake.callbacks.first?["caller"], "ana")
        XCTAssertEqual(fake.callbacks.first?["callee"], "380671112233")
        XCTAssertEqual(fake.callbacks.first?["projectId"], "42")
        fake.set { $0.behaviour = .okWithError("Project is blocked") }
        let refused = try click(["number": "+380671112234", "integrationId": rpc.integration.id])
        XCTAssertEqual(refused.status, 502)
        XCTAssertTrue(refused.text.contains("Project is blocked"))
    }

    func testSipListCommandShowsPresenceFromTheProvider() throws {
        fake.set { $0.online = ["ana", "bob"]; $0.speaking = ["bob"] }
        let result = try Subprocess.run(Subprocess.switchboardBinary, ["sip", "list"],
                                        environment: ["SWITCHBOARD_DATABASE": t.dir.path("switchboard.db")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let rows = lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(rows.first, "INTEGRATION SIP LOGIN AGENT PRESENCE", result.stdout)
        XCTAssertTrue(rows.contains { $0.hasSuffix(" ana Ana online") }, result.stdout)
        XCTAssertTrue(rows.contains { $0.hasSuffix(" bob - online, on a call") }, result.stdout)
        // Columns line up: every row's login starts where the header's SIP LOGIN does.
        let column = try XCTUnwrap(lines.first?.range(of: "SIP LOGIN")?.lowerBound.utf16Offset(in: lines[0]))
        for line in lines.dropFirst() { XCTAssertEqual(line.dropFirst(column).first.map { $0 == "a" || $0 == "b" }, true, line) }

        // --json has the members of GET /api/v1/sip-accounts (it named the agent `agent`, without ids).
        let json = try Subprocess.run(Subprocess.switchboardBinary, ["sip", "list", "--json"],
                                      environment: ["SWITCHBOARD_DATABASE": t.dir.path("switchboard.db")])
        let cli = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.stdout)
        let api = try XCTUnwrap(try t.api("GET", "/api/v1/sip-accounts").json["sipAccounts"] as? [[String: Any]])
        XCTAssertEqual(cli.map { $0.keys.sorted() }, api.map { $0.keys.sorted() })
        XCTAssertEqual(cli.first { $0["login"] as? String == "ana" }?["agentName"] as? String, "Ana")
    }
}

extension ClickToCallTests {
    /// Ringostat answering that nobody is online is an answer: 409 and nothing dialled. An
    /// empty answer was taken for "no presence source" and the agent's offline account dialled.
    func testNobodyOnlineAtRingostatIs409AndNothingIsDialled() throws {
        fake.set { $0.online = []; $0.speaking = [] }
        let response = try click(["number": "+380671112233"])
        XCTAssertEqual(response.status, 409, response.text)
        XCTAssertEqual(response.errorCode, "no_sip_account_online")
        XCTAssertEqual(fake.callbacks.count, 0)
    }
}

extension ClickToCallTests {
    /// A double click (two requests from one agent to one number while the first is being
    /// placed, without an Idempotency-Key) dials once: the second is a 409. It was placed again
    /// through another account, as if the agent's own account were busy, and rang a colleague.
    func testADoubleClickWhileTheFirstIsBeingPlacedDialsOnce() throws {
        fake.set { $0.online = ["ana", "bob"]; $0.behaviour = .slow(0.9) }
        let statuses = ConcurrentStrings()
        let (tt, key) = (t!, ana.key)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let response = try? tt.send("POST", "/api/v1/calls", headers: [("Authorization", "Bearer \(key)")], body: #"{"number":"+380671112233"}"#)
            statuses.add("\(response?.status ?? 0) \(response?.errorCode ?? "")")
        }
        XCTAssertEqual(statuses.all.sorted(), ["201 ", "409 in_progress"])
        XCTAssertEqual(fake.callbacks.count, 1)
        XCTAssertEqual(fake.callbacks.first?["extension"], "ana")
    }
}

extension ClickToCallTests {
    /// One provider's presence failing (a bad key at Ringostat) marks its own accounts unknown and
    /// leaves the other integrations' listed; the whole list was a 502.
    func testOneProvidersPresenceFailureDoesNotHideTheOthers() throws {
        var settings = IntegrationSettings()
        var dialer = DialerSettings()
        dialer.template = DialTemplate(method: "POST", url: fake.baseURL + "/originate", body: "{}")
        dialer.sipAccount = "office"
        settings.dialer = dialer
        _ = try t.addIntegration(.native, settings: settings)
        fake.set { $0.presenceStatus = 403 }
        let response = try t.api("GET", "/api/v1/sip-accounts")
        XCTAssertEqual(response.status, 200, response.text)
        let accounts = response.json["sipAccounts"] as? [[String: Any]] ?? []
        let office = try XCTUnwrap(accounts.first { $0["login"] as? String == "office" }, "the template integration's account is listed")
        // Nothing reports its presence: unknown, not "offline" (it is dialled as asked).
        XCTAssertTrue((office["presenceError"] as? String ?? "").contains("no presence source"), "\(office)")
        let ringostat = try XCTUnwrap(accounts.first { $0["integrationId"] as? Int == integration.integration.id && $0["login"] as? String == "ana" })
        XCTAssertNotNil(ringostat["presenceError"] as? String, "\(ringostat)")
    }
}

extension ClickToCallTests {
    /// The provider refusing the agent's account (it answered, so nothing was placed) makes the
    /// call go through another online free account, once, and the answer says so; it was a 502.
    func testARefusedAccountFallsBackToAnotherOnlineOne() throws {
        fake.set { $0.online = ["ana", "bob"]; $0.refused = ["ana"] }
        let response = try click(["number": "+380671112233"])
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.json["sipAccount"] as? String, "bob")
        XCTAssertTrue((response.json["fallbackReason"] as? String ?? "").contains("ana was refused"), response.text)
        XCTAssertEqual(fake.callbacks.map { $0["extension"] ?? "" }, ["ana", "bob"])
        // Refused everywhere: the error, after one other try.
        fake.set { $0.refused = ["ana", "bob"]; $0.callbacks = [] }
        let refused = try click(["number": "+380671112234"], idempotency: "k-refused")
        XCTAssertEqual(refused.status, 502, refused.text)
        XCTAssertTrue(refused.text.contains("ana was refused") && refused.text.contains("bob too"), refused.text)
        XCTAssertEqual(fake.callbacks.count, 2)
        // A retry with its key answers as the first did (it was a 200 with `state: failed`, which a
        // client checking the status took for a placed call), and dials nothing.
        let again = try click(["number": "+380671112234"], idempotency: "k-refused")
        XCTAssertEqual(again.status, 502, again.text)
        XCTAssertEqual(again.errorCode, refused.errorCode)
        XCTAssertEqual(again.text, refused.text)
        XCTAssertEqual(fake.callbacks.count, 2)
        // The request and the call name the same account.
        XCTAssertEqual(try t.value("SELECT sip_account FROM click_to_call WHERE request_key LIKE '%:k-refused'").string, "ana")
        XCTAssertEqual(try t.value("SELECT sip_login FROM calls WHERE end_reason = 'dial-failed' AND client_number = '+380671112234'").string, "ana")
        // A 5xx may have dialled: never a second account for it.
        fake.set { $0.refused = []; $0.callbacks = []; $0.behaviour = .status(503, "maintenance") }
        XCTAssertEqual(try click(["number": "+380671112235"]).status, 502)
        XCTAssertEqual(fake.callbacks.count, 1)
    }
}

extension ClickToCallTests {
    /// A `dealId` must be a deal of the client called: any number was accepted (422 now, nothing dialled).
    func testADealOfAnotherClientIsRefused() throws {
        fake.set { $0.online = ["ana"] }
        let mine = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Mine", "phones": ["+380671112240"]]).json["id"] as? Int)
        let other = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Other", "phones": ["+380671112241"]]).json["id"] as? Int)
        let otherDeal = try XCTUnwrap(try t.api("POST", "/api/v1/contacts/\(other)/deals", body: ["title": "X"]).json["id"] as? Int)
        let myDeal = try XCTUnwrap(try t.api("POST", "/api/v1/contacts/\(mine)/deals", body: ["title": "Y"]).json["id"] as? Int)
        for dealId in [otherDeal, 424242] {
            let refused = try click(["contactId": mine, "dealId": dealId])
            XCTAssertEqual(refused.status, 422, refused.text)
            XCTAssertTrue(refused.text.contains("dealId"), refused.text)
        }
        XCTAssertEqual(fake.callbacks.count, 0)
        let placed = try click(["contactId": mine, "dealId": myDeal])
        XCTAssertEqual(placed.status, 201)
        // The call says which deal it was placed for (the dealId was checked, then dropped), on
        // the timeline too, and rebuild keeps it.
        XCTAssertEqual((placed.json["call"] as? [String: Any])?["dealId"] as? Int, myDeal, placed.text)
        func timelineDeal() throws -> Int? {
            let entries = try t.api("GET", "/api/v1/contacts/\(mine)/timeline").json["items"] as? [[String: Any]] ?? []
            return entries.compactMap { $0["call"] as? [String: Any] }.first?["dealId"] as? Int
        }
        XCTAssertEqual(try timelineDeal(), myDeal)
        XCTAssertEqual(try Rebuild.run(store: t.daemon.store) { _, _ in }, try t.count("raw_events"))
        XCTAssertEqual(try timelineDeal(), myDeal)
    }
}

extension ClickToCallTests {
    /// The attempt through another account carries an id of its own (a provider that
    /// de-duplicates on the request's id answered the refusal again), and when that attempt
    /// times out the call's note keeps why the other account was used (it said only "may have dialled").
    func testTheFallbackAttemptHasItsOwnIdAndATimeoutKeepsItsReason() throws {
        let rpc = try addExtendedIntegration(timeoutSeconds: 1)
        fake.set { $0.online = ["ana", "bob"]; $0.refused = ["ana"]; $0.behaviour = .slow(2) }
        let timedOut = try click(["number": "+380671112233", "integrationId": rpc.integration.id])
        XCTAssertEqual(timedOut.status, 504, timedOut.text)
        XCTAssertEqual(fake.callbacks.map { $0["caller"] ?? "" }, ["ana", "bob"])
        let requestId = try XCTUnwrap(fake.callbacks.first?["id"])
        XCTAssertEqual(fake.callbacks.last?["id"], requestId + "-2")
        let note = try t.value("SELECT note FROM calls WHERE provider_call_id = ?", "c2c:" + requestId).string ?? ""
        XCTAssertTrue(note.contains("SIP account ana was refused") && note.contains("used bob instead"), note)
        XCTAssertTrue(note.contains("may have dialled"), note)
    }
}

extension ClickToCallTests {
    /// An unknown client is 404 before anything about the integrations is said (it was 422 "no
    /// integration is set up to place calls" when none was), and that 422 says where to set one up.
    func testAnUnknownClientIsNotFoundWhateverTheIntegrations() throws {
        XCTAssertEqual(try t.daemon.integrations.remove(id: integration.integration.id), true)
        XCTAssertEqual(try click(["contactId": 999]).status, 404)
        let none = try click(["number": "+380671112233"])
        XCTAssertEqual(none.status, 422, none.text)
        XCTAssertTrue(none.text.contains("\\\"dialer\\\" in its settings"), none.text)
    }
}

extension ClickToCallTests {
    /// One Idempotency-Key for a call to another number is 422 and dials nothing: it answered 200
    /// with the first call, so the client took the second number for dialled.
    func testAnIdempotencyKeyReusedForAnotherNumberIsRefused() throws {
        fake.set { $0.online = ["ana", "bob"] }
        let first = try click(["number": "+40722123456"], idempotency: "k-1")
        XCTAssertEqual(first.status, 201, first.text)
        let dialled = fake.callbacks.count
        let other = try click(["number": "+40722999888"], idempotency: "k-1")
        XCTAssertEqual(other.status, 422, other.text)
        XCTAssertTrue(other.text.contains("used for a different request"), other.text)
        XCTAssertEqual(fake.callbacks.count, dialled, "nothing dialled")
        XCTAssertEqual(try click(["number": "+40722123456"], idempotency: "k-1").status, 200, "the same request still answers as the first did")
    }
}

extension ClickToCallTests {
    /// A PBX bridge that sends its flags as text is read as meant (`"online":"false"` was read as
    /// offline only by luck, `"true"` as offline too); a flag that is neither is 422, and an
    /// `integrationId` filter that is no id is 400 (it listed every integration).
    func testPresenceFlagsSentAsTextAreReadAndNonsenseIsRefused() throws {
        fake.set { $0.online = []; $0.speaking = [] }
        let pushed = try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"ana","online":"true","onCall":"false"}"#)
        XCTAssertEqual(pushed.status, 200, pushed.text)
        let accounts = try t.api("GET", "/api/v1/sip-accounts?integrationId=\(integration.integration.id)").json["sipAccounts"] as? [[String: Any]] ?? []
        XCTAssertEqual(accounts.first { $0["login"] as? String == "ana" }?["online"] as? Bool, true)
        for text in ["1", "yes", "on", "TRUE"] {
            XCTAssertEqual(try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"ana","online":"\#(text)"}"#).status, 200, text)
        }
        let nonsense = try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"ana","online":"yes please"}"#)
        XCTAssertEqual(nonsense.status, 422, nonsense.text)
        XCTAssertTrue(nonsense.text.contains("online"), nonsense.text)
        XCTAssertEqual(try t.api("GET", "/api/v1/sip-accounts?integrationId=abc").status, 400)
    }
}

extension ClickToCallTests {
    /// While the provider's status API fails, what presence webhooks said is still used: the agent
    /// a push says is online is dialled, and the accounts list says the API failed. Every call
    /// was 502 "presence … answered 500" though the pushes said who was online.
    func testPushedPresenceIsUsedWhileTheStatusAPIFails() throws {
        fake.set { $0.presenceStatus = 500 }
        let refused = try click(["number": "+40722123456"])
        XCTAssertEqual(refused.status, 502, "nothing pushed yet: the API's failure is the answer")
        XCTAssertEqual(try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"ana","online":true}"#).status, 200)
        let placed = try click(["number": "+40722123456"])
        XCTAssertEqual(placed.status, 201, placed.text)
        XCTAssertEqual(fake.callbacks.last?["extension"], "ana")
        let accounts = try t.api("GET", "/api/v1/sip-accounts").json["sipAccounts"] as? [[String: Any]] ?? []
        let ana = try XCTUnwrap(accounts.first { $0["login"] as? String == "ana" })
        XCTAssertEqual(ana["online"] as? Bool, true)
        XCTAssertTrue((ana["presenceError"] as? String ?? "").contains("showing what presence webhooks said"), "\(ana)")
    }

    /// While the status API fails, an account no push named is unknown, not offline: it is dialled
    /// as asked rather than swapped for the one account a push said is online (Bob's phone rang
    /// for Ana's client). Flags sent as 1/0 are read too.
    func testAnAccountNoPushNamedIsDialledAsAskedWhileTheStatusAPIFails() throws {
        fake.set { $0.presenceStatus = 500 }
        let pushed = try t.send("POST", "/webhooks/presence/\(integration.secret)", body: #"{"sipLogin":"bob","online":1,"onCall":0}"#)
        XCTAssertEqual(pushed.status, 200, pushed.text)
        let placed = try click(["number": "+40722123456"])
        XCTAssertEqual(placed.status, 201, placed.text)
        XCTAssertEqual(fake.callbacks.last?["extension"], "ana")
        XCTAssertEqual(placed.json["fallback"] as? Bool, false, placed.text)
    }
}

extension ClickToCallTests {
    /// A mistyped member is named (it was answered "missing field contactId or number"), nothing dialled.
    func testAMistypedMemberIsNamed() throws {
        fake.set { $0.online = ["ana"] }
        let typo = try click(["contactID": 1])
        XCTAssertEqual(typo.status, 422, typo.text)
        XCTAssertTrue(typo.text.contains("unknown field contactID"), typo.text)
        XCTAssertEqual(fake.callbacks.count, 0)
    }
}

extension ClickToCallTests {
    /// A retry repeats what was asked, and is compared with that: a contactId request that may
    /// have dialled (the provider's 5xx) is found again after the contact gained a number that
    /// sorts first, and after a second integration able to dial was added. It was refused as "a
    /// different request" (the number was worked out again and compared), and the client, told
    /// to use a new key, dialled the client twice. Another deal with the same key is 422.
    func testARetryIsComparedWithWhatWasAskedNotWithTheNumberWorkedOutAgain() throws {
        fake.set { $0.online = ["ana"]; $0.behaviour = .status(503, "maintenance") }
        let contact = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Olga", "phones": ["+40722123456"]]).json["id"] as? Int)
        XCTAssertEqual(try click(["contactId": contact], idempotency: "k-c").status, 502)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(contact)", body: ["phones": ["+40722123456", "+380671112299"]]).status, 200)
        var dialer = DialerSettings()
        dialer.apiBase = fake.baseURL
        var settings = IntegrationSettings()
        settings.dialer = dialer
        _ = try t.addIntegration(.ringostat, region: "UA", settings: settings)
        let retried = try click(["contactId": contact], idempotency: "k-c")
        XCTAssertEqual(retried.status, 200, retried.text)
        XCTAssertEqual(retried.json["state"] as? String, "unknown")
        XCTAssertEqual(fake.callbacks.count, 1, "dialled once")
        let deal = try XCTUnwrap(try t.api("POST", "/api/v1/contacts/\(contact)/deals", body: ["title": "Y"]).json["id"] as? Int)
        XCTAssertEqual(try click(["contactId": contact, "dealId": deal], idempotency: "k-c").status, 422)
    }
}

extension ClickToCallTests {
    /// Review mends of the retry lookup: a request stored before migration 029 (no `asked`) is still
    /// compared (by number), a retry of a call whose client went to someone else is 404 as the call
    /// itself is, and the "retry to find it" advice is not replayed to the retry.
    func testRetriesOfOldRequestsOfClientsGoneAndOfCallsThatMayHaveDialled() throws {
        fake.set { $0.online = ["ana", "mara"] }
        XCTAssertEqual(try click(["number": "+40722123456"], idempotency: "k-old").status, 201)
        try t.daemon.store.writeAndWait { db in try db.execute("UPDATE click_to_call SET asked = NULL") }
        XCTAssertEqual(try click(["number": "+40722999888"], idempotency: "k-old").status, 422, "another number, as before 029")
        XCTAssertEqual(try click(["number": "+40722123456"], idempotency: "k-old").status, 200)

        let mara = try t.addAgent("Mara", role: .manager, sip: ["mara"])
        let client = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ion", "phones": ["+40722555111"], "ownerAgentId": mara.id])
            .json["id"] as? Int)
        XCTAssertEqual(try click(["contactId": client], key: mara.key, idempotency: "k-m").status, 201)
        XCTAssertEqual(try click(["contactId": client], key: mara.key, idempotency: "k-m").status, 200)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/contacts/\(client)", body: ["ownerAgentId": ana.id]).status, 200)
        XCTAssertEqual(try click(["contactId": client], key: mara.key, idempotency: "k-m").status, 404, "no longer Mara's client")

        fake.set { $0.behaviour = .status(503, "maintenance") }
        let first = try click(["number": "+40722777666"], idempotency: "k-5")
        XCTAssertTrue(first.text.contains("retry with the same Idempotency-Key"), first.text)
        let retried = try click(["number": "+40722777666"], idempotency: "k-5")
        XCTAssertEqual(retried.status, 200)
        XCTAssertFalse(retried.text.contains("retry with the same Idempotency-Key"), retried.text)
    }
}
