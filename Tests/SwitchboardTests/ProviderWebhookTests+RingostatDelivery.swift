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
        // Static parameters in the URL and the call's in the body are read together; the body's
        // win where both have one. Neither is a 400 naming what is missing.
        let both = try t.send("POST", "/webhooks/ringostat/\(secret)/ringing?call_type=out&uniqueid=rs-url&caller=bob",
                              headers: [("Content-Type", "application/json")], body: #"{"dst": "0671112255", "caller": "ana"}"#)
        XCTAssertEqual(both.status, 200, both.text)
        XCTAssertEqual(try call("rs-url")["direction"] as? String, "outbound")
        XCTAssertEqual(try call("rs-url")["sipLogin"] as? String, "ana")
        XCTAssertEqual(try call("rs-url")["clientNumber"] as? String, "+380671112255")
        assertRefused(try t.send("GET", "/webhooks/ringostat/\(secret)/ended"), 400, "invalid_form")
        assertRefused(try t.send("GET", "/webhooks/ringostat/\(secret)/ended?call_type=in"), 422, "missing_field")
        XCTAssertEqual(try t.count("raw_events"), 2)
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
        // An outgoing caller that is a phone number stays our number, in whatever form, also one
        // the integration's region does not read (a foreign line, or no region at all).
        let regionless = try t.addIntegration(.ringostat, region: nil).secret
        for (index, (target, caller)) in [(secret, "0441234567"), (secret, "380441234567"), (regionless, "380441234567"),
                                         (regionless, "0441234567")].enumerated() {
            let fromLine = #"{"uniqueid": "rs-out-line-\#(index)", "call_type": "out", "caller": "\#(caller)", "dst": "+380671113312"}"#
            let response = try postRingostat(target, "ringing", fromLine)
            XCTAssertNil((response.json["events"] as? [[String: Any]])?.first?["warning"], response.text)
            let line = try call("rs-out-line-\(index)")
            XCTAssertNotNil(line["ourNumber"], "\(caller): \(line)")
            XCTAssertNil(line["sipLogin"], "\(caller): \(line)")
        }
        // An extension is the employee too.
        XCTAssertEqual(try postRingostat(secret, "ringing", #"{"uniqueid": "rs-ext", "call_type": "out", "caller": "101", "dst": "0671113313"}"#).status, 200)
        XCTAssertEqual(try call("rs-ext")["sipLogin"] as? String, "101")
    }
}
