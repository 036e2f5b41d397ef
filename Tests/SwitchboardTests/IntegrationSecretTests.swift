import Foundation
import Switchboard
import TestSupport
import XCTest

/// A webhook secret that may have leaked (it travels in Ringostat's and Wazzup's URLs) is
/// replaced; it could only go with its integration, whose id then changed.
final class IntegrationSecretTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws { t = try TestDaemon() }
    override func tearDown() { t.stop() }

    func testASupervisorReplacesTheSecretAndTheOldOneIsRefusedAtOnce() throws {
        let created = try t.api("POST", "/api/v1/integrations", body: ["name": "pbx", "provider": "ringostat", "region": "RO"])
        let (id, old) = (try XCTUnwrap(created.json["id"] as? Int), try XCTUnwrap(created.json["secret"] as? String))
        let body = #"{"call_id": "rs-1", "call_type": "in", "caller": "0722123456", "calldate": "2026-11-23T12:00:00+02:00"}"#
        XCTAssertEqual(try t.send("POST", "/webhooks/ringostat/\(old)/ringing", body: body).status, 200, "warms the secret cache")

        let manager = try t.addAgent("Mara", role: .manager)
        XCTAssertEqual(try t.api("POST", "/api/v1/integrations/\(id)/secret", key: manager.key).status, 403)
        let rotated = try t.api("POST", "/api/v1/integrations/\(id)/secret")
        XCTAssertEqual(rotated.status, 201, rotated.text)
        let secret = try XCTUnwrap(rotated.json["secret"] as? String)
        XCTAssertNotEqual(secret, old)
        XCTAssertEqual(rotated.json["id"] as? Int, id, "the same integration: its calls and settings stay")
        let urls = try XCTUnwrap(rotated.json["webhooks"] as? [String: String])
        XCTAssertTrue(urls.values.allSatisfy { $0.contains(secret) && !$0.contains(old) }, "\(urls)")

        XCTAssertEqual(try t.send("POST", "/webhooks/ringostat/\(old)/answered", body: body).status, 401, "refused at once")
        XCTAssertEqual(try t.send("POST", "/webhooks/ringostat/\(secret)/answered", body: body).status, 200)
        XCTAssertEqual(try t.count("calls", "integration_id = \(id)"), 1)
        XCTAssertEqual(try t.api("POST", "/api/v1/integrations/9999/secret").status, 404)
    }

    func testTheCommandLinePrintsTheNewSecretAndURLs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let environment = ["SWITCHBOARD_DATABASE": dir.path("sb.db")]
        func cli(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(Subprocess.switchboardBinary, arguments, environment: environment)
        }
        let added = try cli(["integrations", "add", "--name", "office", "--provider", "native", "--region", "RO", "--json"])
        let old = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["secret"] as? String)
        let rotated = try cli(["integrations", "rotate-secret", "office", "--json"])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any])
        let secret = try XCTUnwrap(json["secret"] as? String)
        XCTAssertNotEqual(secret, old)
        XCTAssertEqual(try cli(["integrations", "rotate-secret", "nope"]).status, 66)

        let daemon = try RunningDaemon(environment: environment)
        defer { daemon.stop() }
        func ring(_ with: String) throws -> Int {
            let body = #"{"callId":"c1","clientNumber":"+40722123456","occurredAt":"2026-11-23T10:00:00Z"}"#
            return try daemon.request("POST /webhooks/calls/ringing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(with)\r\n"
                                      + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)").status
        }
        XCTAssertEqual(try ring(old), 401)
        XCTAssertEqual(try ring(secret), 200)
    }

    /// Twilio is given `dialer.statusCallback` with each call it places; it carried the old secret
    /// after a rotation, so every report of a click-to-call was refused.
    func testTwilioStatusCallbackGetsTheNewSecret() throws {
        let created = try t.api("POST", "/api/v1/integrations", body: ["name": "tw", "provider": "twilio", "region": "RO"])
        let (id, old) = (try XCTUnwrap(created.json["id"] as? Int), try XCTUnwrap(created.json["secret"] as? String))
        let callback = "https://crm.example.com/webhooks/twilio/\(old)"
        let patched = try t.api("PATCH", "/api/v1/integrations/\(id)",
                                body: ["settings": ["dialer": ["apiKey": "AC1", "callerId": "+40312345678", "statusCallback": callback]]])
        XCTAssertEqual(patched.status, 200, patched.text)
        let secret = try XCTUnwrap(try t.api("POST", "/api/v1/integrations/\(id)/secret").json["secret"] as? String)
        let settings = try t.api("GET", "/api/v1/integrations/\(id)").json["settings"] as? [String: Any]
        XCTAssertEqual((settings?["dialer"] as? [String: Any])?["statusCallback"] as? String, "https://crm.example.com/webhooks/twilio/\(secret)")
    }

    /// A Wazzup channel's URL carries its secret too: it is replaced the same way. A Meta channel
    /// is authenticated by Meta's signature, so it has nothing to replace here.
    func testAWazzupChannelsSecretIsReplacedAndAMetaChannelSaysWhatToChange() throws {
        let created = try t.daemon.channels.add(.init(name: "wz", provider: .wazzup, phoneNumberId: "wz-1", region: "RU"), baseURL: "http://x")
        let ping: [String: Any] = ["test": true]
        XCTAssertEqual(try t.postWazzup(ping, secret: created.secret).status, 200)
        let rotated = try t.api("POST", "/api/v1/channels/\(created.channel.id)/secret")
        XCTAssertEqual(rotated.status, 201, rotated.text)
        let secret = try XCTUnwrap(rotated.json["secret"] as? String)
        XCTAssertEqual(rotated.json["webhook"] as? String, "\(t.daemon.configuration.baseURL)/webhooks/wazzup/\(secret)")
        XCTAssertEqual(try t.postWazzup(ping, secret: created.secret).status, 401, "the old secret is refused at once")
        XCTAssertEqual(try t.postWazzup(ping, secret: secret).status, 200)

        let meta = try t.daemon.channels.add(.init(name: "ro", provider: .meta, phoneNumberId: "106", region: "RO", appSecret: "s"), baseURL: "http://x")
        let refused = try t.api("POST", "/api/v1/channels/\(meta.channel.id)/secret")
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("appSecret"), refused.text)
        XCTAssertEqual(try t.api("POST", "/api/v1/channels/\(created.channel.id)/secret", key: try t.addAgent("Mara", role: .manager).key).status, 403)
    }
}
