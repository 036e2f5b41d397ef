import Foundation
@testable import Switchboard
import TestSupport
import XCTest

/// `samples/replay` posts the WhatsApp sample sequences (`samples/whatsapp-meta`, `samples/wazzup`)
/// to a daemon in this process, signing Meta's with openssl: every answer must be the one its
/// manifest line expects, so the samples stay true to what the daemon does.
final class WhatsAppSampleReplayTests: XCTestCase {
    var t: TestDaemon!

    override func setUpWithError() throws {
        for tool in ["/usr/bin/curl", "/usr/bin/openssl"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is not installed")
        }
        t = try TestDaemon()
    }

    override func tearDown() { t?.stop() }

    /// `samples/` at the top of the repository.
    static let samples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples")

    func replay(_ provider: String, _ secret: String, _ providerSecret: String? = nil) throws -> ProcessResult {
        let script = Self.samples.appendingPathComponent("replay").path
        return try Subprocess.run("/bin/bash", [script, provider, "http://127.0.0.1:\(t.port)", secret] + (providerSecret.map { [$0] } ?? []))
    }

    func testMetaSamplesAreAnsweredAsTheManifestSays() throws {
        _ = try t.daemon.channels.add(.init(name: "ro-sales", phoneNumberId: "106540352242922", region: "RO", appSecret: "meta-app-secret",
                                        verifyToken: "verify-me"), baseURL: "http://x")
        let result = try replay("meta", "ro-sales", "meta-app-secret")
        XCTAssertEqual(result.status, 0, "\(result.stdout)\n\(result.stderr)")
        XCTAssertTrue(result.stdout.contains("meta: 20 deliveries, 0 unexpected"), result.stdout)

        // What the sequence leaves behind.
        XCTAssertEqual(try t.count("contacts"), 3, "Ioana, Andrei from the ad, and Elena known by her business-scoped id")
        XCTAssertEqual(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+40744000111'").int,
                       try t.value("SELECT contact_id FROM wa_messages WHERE wamid LIKE 'wamid.HBgLNDA3MjIxMjM0NTYV%' AND type = 'text' ORDER BY id LIMIT 1").int,
                       "Ioana's changed number keeps her history")
        XCTAssertEqual(try t.count("wa_messages", "skipped_reason IS NOT NULL"), 3)
        XCTAssertNotNil(try t.value("SELECT payload FROM wa_messages WHERE payload LIKE '%ctwa_clid%'").string, "the ad's referral is kept")
        XCTAssertEqual(try t.count("wa_media"), 4, "photo, voice, document, sticker")

        XCTAssertEqual(try replay("meta", "ro-sales", "wrong-secret").status, 1, "a wrong app secret is refused")
    }

    func testWazzupSamplesAreAnsweredAsTheManifestSays() throws {
        let secret = try t.daemon.channels.add(.init(name: "wz-moscow", provider: .wazzup, phoneNumberId: "a1b2c3d4-5e6f-4711-8899-aabbccddeeff",
                                                     region: "RU", accessToken: "wz-api-key"), baseURL: "http://x").secret
        let result = try replay("wazzup", secret)
        XCTAssertEqual(result.status, 0, "\(result.stdout)\n\(result.stderr)")
        XCTAssertTrue(result.stdout.contains("wazzup: 17 deliveries, 0 unexpected"), result.stdout)

        XCTAssertEqual(try t.value("SELECT status FROM wa_messages WHERE wamid = '7b3f9e10-4c2a-4d8e-9f61-0a5b2c8d0005'").string, "read",
                       "late delivered and sent never undo read")
        XCTAssertEqual(try t.value("SELECT status FROM wa_messages WHERE wamid = '7b3f9e10-4c2a-4d8e-9f61-0a5b2c8d000d'").string, "failed")
        XCTAssertEqual(try t.count("tasks", "kind = 'unanswered_message' AND state = 'open'"), 1,
                       "Oleg was answered from the phone; the photo sent to Irina from Wazzup's window failed, so her task is open again")
        XCTAssertEqual(try t.count("wa_messages", "skipped_reason IS NOT NULL"), 5)
    }
}
