import Foundation
import HTTPServer
import Store
@testable import Switchboard
import Synchronization
import TestSupport
import XCTest

/// A local HTTP server playing a WhatsApp provider (Meta's Graph API, Wazzup, a media CDN):
/// answers with a replaceable handler and records every request it got.
final class FakeProvider: Sendable {
    typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    let recorder = ClickToCallProviderTests.Recorder()
    private let handler: Mutex<Handler>
    private let server: HTTPServer

    init(_ handler: @escaping Handler = { _ in .error(status: 404, code: "nope", message: "no handler") }) throws {
        self.handler = Mutex(handler)
        var router = Router()
        let box = HandlerBox()
        router.setFallback { request, responder in
            box.provider?.recorder.add(request)
            responder.send(box.provider?.handler.withLock { $0 }(request) ?? .error(status: 500, code: "gone", message: "provider gone"))
        }
        server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 1, logRequests: false), router: router)
        box.set(self)
        try server.start()
    }

    /// Replaces how the provider answers.
    func respond(_ handler: @escaping Handler) { self.handler.withLock { $0 = handler } }

    var base: String { "http://127.0.0.1:\(server.port)" }
    var requests: [ClickToCallProviderTests.Recorder.Seen] { recorder.all }
    func stop() { server.shutdown() }

    /// Lets the router's handler reach the provider built around it.
    private final class HandlerBox: Sendable {
        private let weakProvider = Mutex<FakeProviderReference>(FakeProviderReference())
        var provider: FakeProvider? { weakProvider.withLock { $0.value } }
        func set(_ provider: FakeProvider) { weakProvider.withLock { $0.value = provider } }
    }

    private struct FakeProviderReference: @unchecked Sendable {
        // @unchecked: only read and written under the Mutex that holds it.
        weak var value: FakeProvider?
    }
}

extension TestDaemon {
    /// A Meta channel whose Graph API is `apiBase` (a fake provider).
    @discardableResult
    func addMetaChannel(_ name: String = "ro-sales", phoneNumberId: String = "106540352242922", apiBase: String? = nil,
                        accessToken: String = "EAAG-test-token") throws -> Channel {
        var settings = ChannelSettings()
        if let apiBase { settings.apiBase = apiBase }
        return try daemon.channels.add(.init(name: name, phoneNumberId: phoneNumberId, region: "RO", appSecret: "meta-app-secret",
                                             verifyToken: "verify-me", accessToken: accessToken, settings: settings),
                                       baseURL: "http://x").channel
    }

    /// A signed Meta delivery of `messages` from `from` to the channel named `channel`.
    @discardableResult
    func postMeta(_ messages: [[String: Any]], channel: String = "ro-sales", phoneNumberId: String = "106540352242922",
                  from: String = "40722123456", name: String = "Ioana Pop") throws -> RawResponse {
        let value: [String: Any] = ["messaging_product": "whatsapp",
                                    "metadata": ["display_phone_number": "40312345678", "phone_number_id": phoneNumberId],
                                    "contacts": [["profile": ["name": name], "wa_id": from]], "messages": messages]
        let root: [String: Any] = ["object": "whatsapp_business_account",
                                   "entry": [["id": "102290129340398", "changes": [["value": value, "field": "messages"]]]]]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]), as: UTF8.self)
        let signature = "sha256=" + Crypto.hmacSHA256(key: Array("meta-app-secret".utf8), data: Array(body.utf8)).hexString
        return try send("POST", "/webhooks/whatsapp/\(channel)",
                        headers: [("X-Hub-Signature-256", signature), ("Content-Type", "application/json")], body: body)
    }

    /// A Wazzup delivery (any JSON object) to `/webhooks/wazzup/{secret}`.
    @discardableResult
    func postWazzup(_ body: Any, secret: String) throws -> RawResponse {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self)
        return try send("POST", "/webhooks/wazzup/\(secret)", headers: [("Content-Type", "application/json")], body: text)
    }

    /// One value from the database.
    func value(_ sql: String, _ arguments: any SQLBindable...) throws -> SQLValue {
        try daemon.store.read { db in try db.query(sql, arguments: arguments).first?.values.first ?? .null }
    }
}

/// Unix seconds as Meta writes them, `ago` seconds before now.
func metaTime(ago: TimeInterval) -> String { String(Int(Date().timeIntervalSince1970 - ago)) }

/// A Meta text message.
func metaText(_ id: String, _ body: String, ago: TimeInterval = 0) -> [String: Any] {
    ["from": "40722123456", "id": id, "timestamp": metaTime(ago: ago), "type": "text", "text": ["body": body]]
}
