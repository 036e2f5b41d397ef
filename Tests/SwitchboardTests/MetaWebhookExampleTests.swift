import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// The Meta example bodies in `webhooks/` are accepted, signed over their exact bytes,
/// with the outcome `webhooks/whatsapp-meta.md` describes.
final class MetaWebhookExampleTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws {
        t = try TestDaemon()
        try t.addMetaChannel()
    }

    override func tearDown() { t.stop() }

    func post(_ name: String) throws -> RawResponse {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("webhooks").appendingPathComponent(name)
        let body = try String(contentsOf: url, encoding: .utf8)
        let signature = "sha256=" + Crypto.hmacSHA256(key: Array("meta-app-secret".utf8), data: Array(body.utf8)).hexString
        return try t.send("POST", "/webhooks/whatsapp/ro-sales",
                          headers: [("X-Hub-Signature-256", signature), ("Content-Type", "application/json")], body: body)
    }

    func testTheDocumentedExamplesAreAcceptedAsDescribed() throws {
        let text = try post("whatsapp-meta-text.json")
        XCTAssertEqual(text.status, 200, text.text)
        XCTAssertEqual(text.json["stored"] as? Int, 1)
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND deadline = '2026-11-23T10:00:00.000Z'"), 1)

        let image = try post("whatsapp-meta-image.json")
        XCTAssertEqual(image.json["stored"] as? Int, 1)
        XCTAssertEqual(image.json["skipped"] as? Int, 1, "the location")
        XCTAssertEqual(try t.count("wa_media", "media_id = '2754859441498128' AND state = 'pending' AND mime_type = 'image/jpeg'"), 1)
        XCTAssertEqual(try t.count("wa_messages", "skipped_reason = 'location messages are not synced'"), 1)

        // Statuses for messages this daemon sent: here none was, so each is stored and flagged.
        let statuses = try post("whatsapp-meta-statuses.json")
        XCTAssertEqual(statuses.status, 200)
        XCTAssertEqual(statuses.json["skipped"] as? Int, 3)
        XCTAssertEqual(try post("whatsapp-meta-text.json").json["duplicates"] as? Int, 1)
    }
}
