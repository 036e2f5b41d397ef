import Foundation
@testable import Switchboard
import XCTest

final class DomainEventTests: XCTestCase {
    func testCallEventNamesAreCallDotKind() {
        for kind in CallEventKind.allCases { XCTAssertEqual(kind.eventName, "call." + kind.rawValue) }
    }

    func testHandWrittenCallPayloadDecodesToTheSameEventAsTheEncoderOutput() throws {
        let full = CallEvent(kind: .ended, callId: "c\"1\\", direction: "inbound", clientNumber: "+40 722\n", ourNumber: "+40312345678",
                             agentId: 7, sipLogin: "ana", occurredAt: "2026-11-23T10:00:00.000Z", duration: 61, talkTime: 55,
                             endReason: "answered", recordingUrl: "https://r/1.mp3", utm: ["utm_source": "google", "utm_medium": "cpc"],
                             clientId: "GA1.2.3", eventId: "e-1")
        let sparse = CallEvent(kind: .ringing, callId: "c2")
        for event in [full, sparse] {
            let decoded = try JSONDecoder().decode(DomainEvent.self, from: Data(event.domainEventJSON.utf8))
            XCTAssertEqual(decoded, .call(event))
            XCTAssertEqual(event.domainEventJSON, JSONText.string(DomainEvent.call(event)), "same bytes as the sorted-keys encoder")
        }
    }
}

extension DomainEventTests {
    func testHandWrittenWhatsAppPayloadIsTheEncodersBytes() throws {
        let full = WhatsAppInbound(channelId: 3, messageId: "wamid.X\"1", from: "40722123456", userId: "US.1", profileName: "Ana \"A\" / Pop",
                                   timestamp: "2026-11-23T10:00:00.000Z", type: "image", text: "caption\nline 2 — ünïcode 😀",
                                   details: #"{"id":"m1","mime_type":"image/jpeg"}"#, skipReason: "group\tmessage", newNumber: "40733000000",
                                   media: [WhatsAppMediaRef(id: "m1", mimeType: "image/jpeg", sha256: "abc", filename: nil),
                                           WhatsAppMediaRef(id: "m2", mimeType: nil, sha256: nil, filename: "a/b.pdf")],
                                   referral: #"{"source_url":"https://fb.me/x"}"#)
        let sparse = WhatsAppInbound(channelId: 1, messageId: "wamid.2", from: nil, userId: nil, profileName: nil,
                                     timestamp: "2026-11-23T10:00:00.000Z", type: "text", text: nil, details: nil, skipReason: nil,
                                     newNumber: nil, media: [], referral: nil)
        for message in [full, sparse] {
            XCTAssertEqual(message.domainEventJSON, JSONText.string(DomainEvent.whatsappInbound(message)), "same bytes as the sorted-keys encoder")
            let decoded = try JSONDecoder().decode(DomainEvent.self, from: Data(message.domainEventJSON.utf8))
            XCTAssertEqual(decoded, .whatsappInbound(message))
        }
    }

    func testHandWrittenStringDictionaryIsTheEncodersBytes() {
        for value in [[:], ["b": "2", "a": "x\"y\\z/é\n"], ["profileName": "Ana", "details": #"{"k":[1,2]}"#]] as [[String: String]] {
            XCTAssertEqual(JSONText.string(value), String(decoding: JSONText.bytes(value), as: UTF8.self))
        }
    }

    func testHandWrittenScreenPopMatchesTheEncoder() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let secret = try t.addIntegration(region: "RO").secret
        let contact = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Ana \"A\" / Pop", "phones": ["+40722123456"]]).json["id"] as? Int)
        try t.api("POST", "/api/v1/contacts/\(contact)/deals", body: ["title": "Sofa"])
        try t.call("ended", secret: secret, ["callId": "x1", "clientNumber": "+40722123456", "agentId": t.supervisorId, "duration": 30,
                                              "utm_source": "google", "utm_medium": "cpc", "recordingUrl": "https://r.example/a.mp3"])
        let pop = try t.daemon.store.read { db -> ScreenPop in
            let call = try XCTUnwrap(try CallRecord.load(db, id: 1))
            let card = try XCTUnwrap(try ContactRecord.load(db, id: contact))
            let deals = try db.query("SELECT * FROM deals").map(DealRecord.init(row:))
            return ScreenPop(type: "call.ended", call: call, agent: .init(id: 1, name: "Sam"),
                             contact: .init(contact: card, isNew: false, openDeals: deals))
        }
        XCTAssertEqual(String(decoding: pop.json, as: UTF8.self), JSONText.string(pop))
        let bare = ScreenPop(type: "call.ringing", call: pop.call, agent: nil, contact: nil)
        XCTAssertEqual(String(decoding: bare.json, as: UTF8.self), JSONText.string(bare))
    }
}

extension DomainEventTests {
    /// The projector builds a new call's record from the values it inserted (no read back);
    /// it must be what the database holds, field for field.
    func testANewCallsRecordIsWhatTheDatabaseHolds() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let integration = try XCTUnwrap(try t.daemon.integrations.find(id: t.addIntegration(region: "RO").integration.id))
        let events = [
            CallEvent(kind: .ringing, callId: "n1", direction: "inbound", clientNumber: "0722 123 456", ourNumber: "+40312345678",
                      occurredAt: "2026-11-23T10:00:00.000Z", utm: ["utm_source": "google"], clientId: "GA1.1"),
            CallEvent(kind: .missed, callId: "n2", direction: "inbound", clientNumber: "+48 512 345 678", occurredAt: "2026-11-23T10:01:00.000Z",
                      duration: 12, endReason: "busy"),
            CallEvent(kind: .answered, callId: "n3", direction: "outbound", clientNumber: "not a number", sipLogin: "ana",
                      talkTime: 30, recordingUrl: "https://r.example/3.mp3"),
        ]
        for (index, event) in events.enumerated() {
            let outcome = try t.daemon.store.writeAndWait { db in
                try EventLog.record(.call(event), source: "native", integrationId: integration.id, key: "k\(index)", rawBody: nil,
                                    receivedAt: "2026-11-23T10:05:00.000Z", in: db, settings: .preferring(integration))
            }
            guard case .applied(_, let result) = outcome, let pop = result.updates.lazy.compactMap({ $0.payload as? ScreenPop }).first else {
                return XCTFail("event \(index) was not applied with a screen-pop")
            }
            let stored = try t.daemon.store.read { db in try XCTUnwrap(try CallRecord.load(db, id: pop.call.id)) }
            XCTAssertEqual(String(decoding: pop.call.json, as: UTF8.self), String(decoding: stored.json, as: UTF8.self), "event \(index)")
        }
    }
}
