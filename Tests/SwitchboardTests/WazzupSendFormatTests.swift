import Foundation
import HTTPClient
import HTTPServer
@testable import Switchboard
import XCTest

/// The requests `WazzupSendFormat` builds, sent with our libcurl client to a local server
/// playing Wazzup's `POST /v3/message`, and the answers it reads back.
final class WazzupSendFormatTests: XCTestCase {
    var wazzup: FakeProvider!
    var channel: Channel!

    override func setUpWithError() throws {
        wazzup = try FakeProvider { request in
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
            if body["crmMessageId"] as? String == "repeat.0" {
                return .json(bytes: Array(#"{"error":"repeatedCrmMessageId","description":"You have already sent message with the same crmMessageId"}"#.utf8),
                             status: 400)
            }
            let id = "wz-\((body["crmMessageId"] as? String) ?? "none")"
            return .json(bytes: Array(#"{"messageId":"\#(id)","chatId":"\#(body["chatId"] as? String ?? "")"}"#.utf8), status: 201)
        }
        var settings = ChannelSettings()
        settings.apiBase = wazzup.base + "/"
        let json = #"{"id":1,"name":"wz","provider":"wazzup","phoneNumberId":"a1b2c3d4-5e6f-4711-8899-aabbccddeeff","settings":{},"createdAt":"x"}"#
        channel = try JSONDecoder().decode(Channel.self, from: Data(json.utf8))
        channel.settings = settings
        channel.accessToken = "wz-api-key"
    }

    override func tearDown() { wazzup.stop() }

    func part(_ id: String, type: String = "text", text: String?, attachment: OutboundAttachment? = nil) -> WhatsAppOutbound.Part {
        WhatsAppOutbound.Part(partId: id, type: type, text: text, template: nil, attachment: attachment)
    }

    func send(_ requests: [HTTPClient.Request]) throws -> [WazzupSendFormat.Outcome] {
        try requests.map { request in
            let response = try HTTPClient().send(request)
            return WazzupSendFormat.outcome(status: response.status, body: response.body)
        }
    }

    func testATextIsOneRequestWithTheKeyTheChannelAndTheDigitsOfTheNumber() throws {
        let requests = try WazzupSendFormat.requests(for: part("out-7.0", text: "Bună ziua!"), to: "+7 916 123-45-67", channel: channel)
        XCTAssertEqual(try send(requests), [.sent(messageId: "wz-out-7.0")])
        let seen = try XCTUnwrap(wazzup.requests.first)
        XCTAssertEqual(seen.method, "POST")
        XCTAssertEqual(seen.target, "/v3/message")
        XCTAssertEqual(seen.headers["authorization"], "Bearer wz-api-key")
        XCTAssertEqual(seen.headers["content-type"], "application/json")
        XCTAssertEqual(seen.body, #"{"channelId":"a1b2c3d4-5e6f-4711-8899-aabbccddeeff","chatId":"79161234567","chatType":"whatsapp","crmMessageId":"out-7.0","text":"Bună ziua!"}"#)
    }

    func testAFileWithACaptionIsTheFileThenTheCaption() throws {
        let attachment = OutboundAttachment(type: "image", link: "https://cdn.example.com/sofa.jpg", mediaId: nil, caption: nil, filename: nil)
        let requests = try WazzupSendFormat.requests(for: part("out-8.1", type: "image", text: "Canapeaua", attachment: attachment),
                                                     to: "40722123456", channel: channel)
        XCTAssertEqual(try send(requests), [.sent(messageId: "wz-out-8.1"), .sent(messageId: "wz-out-8.1.caption")])
        XCTAssertEqual(wazzup.requests.map(\.body), [
            #"{"channelId":"a1b2c3d4-5e6f-4711-8899-aabbccddeeff","chatId":"40722123456","chatType":"whatsapp","contentUri":"https://cdn.example.com/sofa.jpg","crmMessageId":"out-8.1"}"#,
            #"{"channelId":"a1b2c3d4-5e6f-4711-8899-aabbccddeeff","chatId":"40722123456","chatType":"whatsapp","crmMessageId":"out-8.1.caption","text":"Canapeaua"}"#,
        ])
    }

    func testSeveralFilesAndATextGoAsOneMessageEach() throws {
        let files = ["a.pdf", "b.pdf"].map { (name: String) in
            OutboundAttachment(type: "document", link: "https://cdn.example.com/" + name, mediaId: nil, caption: nil, filename: name)
        }
        let requests = try WazzupSendFormat.requests(channel: channel, to: "40722123456", text: "Ofertele", attachments: files, crmMessageId: "out-9")
        XCTAssertEqual(try send(requests), [.sent(messageId: "wz-out-9"), .sent(messageId: "wz-out-9.1"), .sent(messageId: "wz-out-9.text")])
    }

    func testARepeatedCrmMessageIdMeansItWentOutBefore() throws {
        XCTAssertEqual(try send(try WazzupSendFormat.requests(for: part("repeat.0", text: "x"), to: "40722123456", channel: channel)),
                       [.alreadySent])
    }

    func testAnswersAreReadAsSentRetryOrRefused() {
        XCTAssertEqual(WazzupSendFormat.outcome(status: 201, body: Array(#"{"messageId":"abc"}"#.utf8)), .sent(messageId: "abc"))
        XCTAssertEqual(WazzupSendFormat.outcome(status: 502, body: Array("bad gateway".utf8)), .retry("Wazzup answered 502: HTTP 502"))
        XCTAssertEqual(WazzupSendFormat.outcome(status: 429, body: Array(#"{"error":"tooManyRequests"}"#.utf8)),
                       .retry("Wazzup answered 429: tooManyRequests"))
        XCTAssertEqual(WazzupSendFormat.outcome(status: 400, body: Array(#"{"error":"channelBlocked","description":"The channel is blocked"}"#.utf8)),
                       .refused(code: "channelBlocked", message: "The channel is blocked"))
    }

    func testWhatWazzupCannotTakeIsRefusedBeforeSending() throws {
        let uploaded = OutboundAttachment(type: "image", link: nil, mediaId: "123", caption: nil, filename: nil)
        XCTAssertThrowsError(try WazzupSendFormat.requests(for: part("p.0", type: "image", text: nil, attachment: uploaded), to: "40722123456", channel: channel))
        let template = WhatsAppOutbound.Part(partId: "p.1", type: "template", text: nil,
                                             template: OutboundTemplate(name: "hello", language: "ro", parameters: []), attachment: nil)
        XCTAssertThrowsError(try WazzupSendFormat.requests(for: template, to: "40722123456", channel: channel))
        XCTAssertThrowsError(try WazzupSendFormat.requests(for: part("p.2", text: String(repeating: "a", count: 10_001)), to: "40722123456", channel: channel))
        XCTAssertThrowsError(try WazzupSendFormat.requests(for: part("p.3", text: "hi"), to: "not a number", channel: channel))
        var noKey = channel!
        noKey.accessToken = ""
        XCTAssertThrowsError(try WazzupSendFormat.requests(for: part("p.4", text: "hi"), to: "40722123456", channel: noKey))
        XCTAssertTrue(wazzup.requests.isEmpty)
        XCTAssertEqual(WazzupSendFormat.apiBase(for: { var c = channel!; c.settings = ChannelSettings(); return c }()), "https://api.wazzup24.com")
    }
}
