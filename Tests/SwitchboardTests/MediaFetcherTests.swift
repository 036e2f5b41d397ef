import Foundation
import HTTPServer
import Store
@testable import Switchboard
import TestSupport
import XCTest

/// Inbound media: fetched from a local server playing Meta's Graph API and CDN (or Wazzup's
/// content links), stored under the data directory, served to the agents allowed to see it.
final class MediaFetcherTests: XCTestCase {
    var t: TestDaemon!
    var meta: FakeProvider!
    let photo: [UInt8] = Array("\u{FF}\u{D8}\u{FF} pretend this is a JPEG".utf8)

    override func setUpWithError() throws {
        t = try TestDaemon()
        meta = try FakeProvider()
        serveMedia(photo)
    }

    override func tearDown() {
        t.stop()
        meta.stop()
    }

    /// Meta's two steps: the media id answers a URL on the "CDN", which answers the bytes.
    func serveMedia(_ bytes: [UInt8], lookupStatus: Int = 200) {
        let base = meta.base
        meta.respond { request in
            let path = String(request.path)
            if path.hasPrefix("/v21.0/") {
                guard lookupStatus == 200 else {
                    return .json(bytes: Array(#"{"error":{"message":"Unsupported get request","code":100}}"#.utf8), status: lookupStatus)
                }
                let id = path.dropFirst("/v21.0/".count)
                return .json(bytes: Array(#"{"url":"\#(base)/cdn/\#(id)?sig=x","mime_type":"image/jpeg","file_size":\#(bytes.count),"id":"\#(id)","messaging_product":"whatsapp"}"#.utf8))
            }
            if path.hasPrefix("/cdn/") { return HTTPResponse(status: 200, headers: [("Content-Type", "image/jpeg")], body: bytes) }
            return .error(status: 404, code: "nope", message: path)
        }
    }

    func image(_ id: String, mediaId: String, sha256: String? = nil) -> [String: Any] {
        var body: [String: Any] = ["id": mediaId, "mime_type": "image/jpeg", "caption": "the sofa"]
        if let sha256 { body["sha256"] = sha256 }
        return ["from": "40722123456", "id": id, "timestamp": metaTime(ago: 60), "type": "image", "image": body]
    }

    func messageId(_ wamid: String) throws -> Int {
        try XCTUnwrap(try t.value("SELECT id FROM wa_messages WHERE wamid = ?", wamid).int)
    }

    func testMetaMediaIsFetchedWithTheTokenStoredUnderTheDataDirectoryAndServedToWhoMaySeeIt() throws {
        let channel = try t.addMetaChannel(apiBase: meta.base)
        let sha = Crypto.sha256(photo).hexString
        XCTAssertEqual(try t.postMeta([image("wamid.img", mediaId: "1234567890", sha256: sha)]).status, 200)
        let id = try messageId("wamid.img")
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(id)/media/1234567890").errorCode, "media_pending")

        let report = t.daemon.mediaFetcher.runOnce()
        XCTAssertEqual(report.stored, 1)
        XCTAssertEqual(meta.requests.map { "\($0.method) \($0.target)" }, ["GET /v21.0/1234567890", "GET /cdn/1234567890?sig=x"])
        XCTAssertEqual(meta.requests.map { $0.headers["authorization"] }, ["Bearer EAAG-test-token", "Bearer EAAG-test-token"],
                       "the CDN link needs the same bearer token")
        let file = t.dir.path("data/media/\(channel.id)/\(id)-1234567890")
        XCTAssertEqual(FileManager.default.contents(atPath: file).map { [UInt8]($0) }, photo)

        let served = try t.api("GET", "/api/v1/messages/\(id)/media/1234567890")
        XCTAssertEqual(served.status, 200)
        XCTAssertEqual(served.header("content-type"), "image/jpeg")
        XCTAssertEqual(served.body, photo)

        let attachments = try t.api("GET", "/api/v1/contacts/\(try contactId())/attachments").json["attachments"] as? [[String: Any]] ?? []
        XCTAssertEqual(attachments.count, 1)
        XCTAssertEqual(attachments.first?["state"] as? String, "stored")
        XCTAssertEqual(attachments.first?["size"] as? Int, photo.count)
        XCTAssertEqual(attachments.first?["mimeType"] as? String, "image/jpeg")
        XCTAssertEqual(attachments.first?["type"] as? String, "image")
        XCTAssertEqual(attachments.first?["messageId"] as? Int, id)
        XCTAssertEqual(attachments.first?["link"] as? String, "/api/v1/messages/\(id)/media/1234567890")
        // The timeline's message entry carries them too (an app showed the image only after
        // asking the conversation for it).
        let timeline = try t.api("GET", "/api/v1/contacts/\(try contactId())/timeline").json["items"] as? [[String: Any]] ?? []
        let entry = try XCTUnwrap(timeline.first { $0["type"] as? String == "message" }?["message"] as? [String: Any])
        XCTAssertEqual((entry["attachments"] as? [[String: Any]])?.first?["link"] as? String, "/api/v1/messages/\(id)/media/1234567890")
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce(), .init(), "nothing left to fetch")
        XCTAssertEqual(meta.requests.count, 2)
    }

    func testManagersGetOnlyTheirOwnClientsMedia() throws {
        try t.addMetaChannel(apiBase: meta.base)
        try t.postMeta([image("wamid.img", mediaId: "77")])
        t.daemon.mediaFetcher.runOnce()
        let id = try messageId("wamid.img")
        let owner = try t.addAgent("Olga Owner", role: .manager)
        let other = try t.addAgent("Mihai Other", role: .manager)
        let quality = try t.addAgent("Quinn QC", role: .qualityControl)
        try t.api("PATCH", "/api/v1/contacts/\(try contactId())", body: ["ownerAgentId": owner.id])
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(id)/media/77", key: owner.key).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(id)/media/77", key: quality.key).status, 200)
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(id)/media/77", key: other.key).status, 404)
        XCTAssertEqual(try t.api("GET", "/api/v1/contacts/\(try contactId())/attachments", key: other.key).status, 404)
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(id)/media/77", key: "sb_wrong").status, 401)
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(id)/media/78").status, 404)
    }

    func testFailuresAreRetriedWithBackoffThenMarkedFailedWithTheError() throws {
        try t.addMetaChannel(apiBase: meta.base)
        meta.respond { _ in .error(status: 503, code: "busy", message: "try later") }
        try t.postMeta([image("wamid.img", mediaId: "55")])
        let start = Date()
        var now = start
        for attempt in 1...4 {
            XCTAssertEqual(t.daemon.mediaFetcher.runOnce(now: now).retrying, 1, "attempt \(attempt)")
            XCTAssertEqual(t.daemon.mediaFetcher.runOnce(now: now), .init(), "not due again before its backoff")
            XCTAssertEqual(try t.value("SELECT attempts FROM wa_media").int, attempt)
            let next = try XCTUnwrap(try t.value("SELECT next_attempt_at FROM wa_media").string)
            XCTAssertEqual(next, Timestamp.format(now.addingTimeInterval(30 * pow(2, Double(attempt - 1)))), "30 s, then doubling")
            now = now.addingTimeInterval(30 * pow(2, Double(attempt - 1)) + 1)
        }
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce(now: now).failed, 1, "the fifth failure is final")
        XCTAssertEqual(try t.value("SELECT state FROM wa_media").string, "failed")
        XCTAssertEqual(try t.value("SELECT error FROM wa_media").string, "looking up media 55: try later")
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce(now: now.addingTimeInterval(86_400)), .init())
        XCTAssertEqual(meta.requests.count, 5)
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(try messageId("wamid.img"))/media/55").errorCode, "media_failed")
    }

    func testMediaMetaNoLongerKnowsFailsAtOnce() throws {
        try t.addMetaChannel(apiBase: meta.base)
        serveMedia(photo, lookupStatus: 400)
        try t.postMeta([image("wamid.img", mediaId: "66")])
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce().failed, 1)
        XCTAssertEqual(try t.value("SELECT error FROM wa_media").string, "Meta does not know media 66: Unsupported get request")
    }

    func testAFileThatDoesNotMatchItsChecksumIsNotStored() throws {
        try t.addMetaChannel(apiBase: meta.base)
        try t.postMeta([image("wamid.img", mediaId: "88", sha256: String(repeating: "ab", count: 32))])
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce().retrying, 1)
        XCTAssertEqual(try t.value("SELECT state FROM wa_media").string, "pending")
        XCTAssertTrue(try t.value("SELECT error FROM wa_media").string?.contains("does not match its sha256") == true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: t.dir.path("data/media")), "nothing written")
    }

    func testRebuildKeepsDownloadedFilesWithoutFetchingThemAgain() throws {
        try t.addMetaChannel(apiBase: meta.base)
        try t.postMeta([image("wamid.img", mediaId: "99", sha256: Crypto.sha256(photo).hexString)])
        t.daemon.mediaFetcher.runOnce()
        XCTAssertEqual(meta.requests.count, 2)
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try t.value("SELECT state FROM wa_media").string, "stored", "rebuild keeps the download's state")
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce().stored, 0, "nothing left to fetch")
        XCTAssertEqual(meta.requests.count, 2, "the file on disk is taken as it is")
        XCTAssertEqual(try t.api("GET", "/api/v1/messages/\(try messageId("wamid.img"))/media/99").body, photo)
    }

    func testAChannelWithoutAnAccessTokenIsRetriedNotCalled() throws {
        try t.addMetaChannel(apiBase: meta.base, accessToken: "")
        try t.postMeta([image("wamid.img", mediaId: "11")])
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce().retrying, 1)
        XCTAssertEqual(try t.value("SELECT error FROM wa_media").string, "channel ro-sales has no access token")
        XCTAssertTrue(meta.requests.isEmpty)
    }

    func testTheDaemonFetchesInTheBackgroundAndStopsTheFetcherOnShutdown() throws {
        t.stop()
        t = try TestDaemon { configuration in
            configuration.fetchMedia = true
            configuration.mediaFetchIntervalSeconds = 0.05
        }
        let downloaded = expectation(description: "the background fetcher downloads the file")
        let photo = self.photo
        let base = meta.base
        meta.respond { request in
            if request.path.hasPrefix("/v21.0/") { return .json(bytes: Array(#"{"url":"\#(base)/cdn/x","mime_type":"image/jpeg"}"#.utf8)) }
            downloaded.fulfill()
            return HTTPResponse(status: 200, headers: [("Content-Type", "image/jpeg")], body: photo)
        }
        try t.addMetaChannel(apiBase: meta.base)
        try t.postMeta([image("wamid.img", mediaId: "44")])
        wait(for: [downloaded], timeout: 10)
        // A pass of our own waits for the background pass in progress, then finds nothing to do.
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce(), .init())
        XCTAssertEqual(try t.value("SELECT state FROM wa_media").string, "stored")
        XCTAssertEqual(meta.requests.count, 2)
    }

    func testWazzupMediaIsDownloadedFromItsContentLink() throws {
        let created = try t.daemon.channels.add(.init(name: "wz", provider: .wazzup, phoneNumberId: "wz-channel", region: "RU",
                                                      accessToken: "wz-key"), baseURL: "http://x")
        meta.respond { _ in HTTPResponse(status: 200, headers: [("Content-Type", "application/pdf")], body: Array("%PDF-1.4".utf8)) }
        let message: [String: Any] = ["messageId": "4f0a7c2e-1b9d-4e55-9a51-2f7c3b1d0e11", "channelId": "wz-channel", "chatType": "whatsapp",
                                      "chatId": "79161234567", "dateTime": "2026-11-23T10:00:00.000Z", "type": "document",
                                      "status": "inbound", "isEcho": false, "contentUri": "\(meta.base)/store/price-list.pdf",
                                      "contact": ["name": "Oleg", "phone": "79161234567"]]
        XCTAssertEqual(try t.postWazzup(["messages": [message]], secret: created.secret).status, 200)
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce().stored, 1)
        XCTAssertEqual(meta.requests.map(\.target), ["/store/price-list.pdf"])
        XCTAssertNil(meta.requests.first?.headers["authorization"], "Wazzup's API key never goes to a content link")
        let id = try messageId("4f0a7c2e-1b9d-4e55-9a51-2f7c3b1d0e11")
        let served = try t.api("GET", "/api/v1/messages/\(id)/media/4f0a7c2e-1b9d-4e55-9a51-2f7c3b1d0e11")
        XCTAssertEqual(served.header("content-type"), "application/pdf")
        XCTAssertEqual(served.text, "%PDF-1.4")
    }

    private func contactId() throws -> Int {
        try XCTUnwrap(try t.value("SELECT contact_id FROM contact_phones WHERE phone = '+40722123456'").int)
    }
}

extension MediaFetcherTests {
    /// A download that failed for good stays failed, with its attempts and error, through
    /// `rebuild`: it came back pending with no attempts and was fetched all over again.
    func testRebuildKeepsAFailedDownloadFailed() throws {
        try t.addMetaChannel(apiBase: meta.base)
        serveMedia(photo, lookupStatus: 400)
        try t.postMeta([image("wamid.img", mediaId: "66")])
        XCTAssertEqual(t.daemon.mediaFetcher.runOnce().failed, 1)
        let requests = meta.requests.count
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        let row = try XCTUnwrap(try t.daemon.store.read { db in try db.queryOne("SELECT state, attempts, error FROM wa_media") })
        XCTAssertEqual(row.string("state"), "failed")
        XCTAssertEqual(row.int("attempts"), 1)
        XCTAssertEqual(row.string("error"), "Meta does not know media 66: Unsupported get request")
        t.daemon.mediaFetcher.runOnce()
        XCTAssertEqual(meta.requests.count, requests, "not fetched again")
    }
}
