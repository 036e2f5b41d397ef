import Foundation
import Switchboard
import TestSupport
import XCTest

/// Ringostat lets the operator pick GET and "parameters in the address line" for a webhook, and
/// never resends one that was refused: those deliveries answered 405 (GET) or 400 (empty body),
/// and every call they carried was lost. Its call log names the employee `connected_with`, and an
/// outgoing call's caller is the employee's SIP login: such calls came without their agent.
extension ProviderWebhookTests {
    func testRingostatParametersInTheURLAreStoredWithGetOrPost() throws {
        let secret = try t.addIntegration(.ringostat, region: "UA").secret
        let query = "call_type=in&uniqueid=rs-get-1&calldate=2026-12-07+09%3A10%3A00&caller=380671112244&dst=0441234567"
            + "&disposition=NO+ANSWER&duration=20&billsec=0&utm_source=google"
        let viaGet = try t.send("GET", "/webhooks/ringostat/\(secret)/ended?\(query)")
        XCTAssertEqual(viaGet.status, 200, viaGet.text)
        XCTAssertEqual(viaGet.json["status"] as? String, "stored")
        let missed = try call("rs-get-1")
        XCTAssertEqual(missed["clientNumber"] as? String, "+380671112244")
        XCTAssertEqual(missed["outcome"] as? String, "missed")
        XCTAssertEqual(missed["utm"] as? [String: String], ["utm_source": "google"])
        XCTAssertEqual(try t.count("tasks"), 1)
        // The raw event keeps what was sent: the parameters.
        XCTAssertEqual(try t.daemon.store.read { db in try db.scalar("SELECT CAST(raw_body AS TEXT) FROM raw_events").string }, query)

        // The same delivery again, as a POST with the parameters in the URL and no body: a duplicate.
        let viaPost = try t.send("POST", "/webhooks/ringostat/\(secret)/ended?\(query)")
        XCTAssertEqual(viaPost.json["status"] as? String, "duplicate", viaPost.text)
        // A body wins over the URL's parameters; neither is a 400 naming what is missing.
        assertRefused(try t.send("GET", "/webhooks/ringostat/\(secret)/ended"), 400, "invalid_form")
        assertRefused(try t.send("GET", "/webhooks/ringostat/\(secret)/ended?call_type=in"), 422, "missing_field")
        XCTAssertEqual(try t.count("raw_events"), 1)
    }

    func testRingostatCallsFindTheirAgentByConnectedWithOrTheOutgoingCaller() throws {
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let secret = try t.addIntegration(.ringostat, region: "UA").secret
        let after = #"{"uniqueid": "rs-cw", "call_type": "in", "calldate": "2026-12-07 09:00:00", "caller": "380671112200", "#
            + #""dst": "0441234567", "disposition": "ANSWERED", "duration": 30, "billsec": 20, "connected_with": "bob"}"#
        XCTAssertEqual(try postRingostat(secret, "ended", after).status, 200)
        XCTAssertEqual(try call("rs-cw")["agentId"] as? Int, bob.id)
        XCTAssertEqual(try call("rs-cw")["sipLogin"] as? String, "bob")

        // An outgoing call: the caller is the employee's SIP login, not one of our numbers.
        let outgoing = #"{"uniqueid": "rs-out", "call_type": "out", "calldate": "2026-12-07 09:05:00", "caller": "bob", "dst": "0671113311"}"#
        XCTAssertEqual(try postRingostat(secret, "ringing", outgoing).status, 200)
        let out = try call("rs-out")
        XCTAssertEqual(out["agentId"] as? Int, bob.id)
        XCTAssertEqual(out["sipLogin"] as? String, "bob")
        XCTAssertNil(out["ourNumber"], "\(out)")
        XCTAssertEqual(out["clientNumber"] as? String, "+380671113311")
        // An outgoing caller that is a phone number stays our number.
        let fromLine = #"{"uniqueid": "rs-out2", "call_type": "out", "caller": "0441234567", "dst": "0671113312"}"#
        XCTAssertEqual(try postRingostat(secret, "ringing", fromLine).status, 200)
        XCTAssertEqual(try call("rs-out2")["ourNumber"] as? String, "+380441234567")
        XCTAssertNil(try call("rs-out2")["agentId"])
    }
}
