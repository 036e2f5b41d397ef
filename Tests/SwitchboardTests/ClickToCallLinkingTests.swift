import Foundation
@testable import Switchboard
import Store
import TestSupport
import XCTest

/// The provider's first webhook can arrive before its API answer names the call.
final class ClickToCallLinkingTests: XCTestCase {
    func testWebhookBeforeTheDialAnswerIsMovedOntoTheRequestedCallAndRebuildAgrees() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let integration = try t.addIntegration(.native, region: "RO")
        let id = integration.integration.id
        func record(_ event: DomainEvent, _ key: String, at: String) throws {
            try t.daemon.store.writeAndWait { db in
                _ = try EventLog.record(event, source: "test", integrationId: id, key: key, rawBody: nil, receivedAt: at, in: db,
                                        settings: .fromDatabase)
            }
        }
        try record(.callRequested(CallRequest(requestId: "r1", agentId: t.supervisorId, contactId: nil, number: "+40722123456",
                                              sipAccount: "ana", dealId: nil)), "k1", at: "2026-11-23T10:00:00.000Z")
        try record(.call(CallEvent(kind: .ringing, callId: "prov-9", direction: "outbound", clientNumber: "+40722123456",
                                   occurredAt: "2026-11-23T10:00:01.000Z")), "k2", at: "2026-11-23T10:00:01.000Z")
        XCTAssertEqual(try t.count("calls"), 1, "even before the answer, the outbound webhook to that number joins the requested call")
        try record(.callDialed(requestId: "r1", providerCallId: "prov-9", sipAccount: "ana", note: nil), "k3", at: "2026-11-23T10:00:02.000Z")
        try record(.call(CallEvent(kind: .answered, callId: "prov-9", direction: "outbound", clientNumber: "+40722123456",
                                   occurredAt: "2026-11-23T10:00:05.000Z")), "k4", at: "2026-11-23T10:00:05.000Z")
        func state() throws -> String {
            try t.daemon.store.read { db in
                try db.query("SELECT id, provider_call_id, ringing_at, answered_at, contact_id FROM calls ORDER BY id").map { "\($0.values)" }
                    .joined(separator: "\n") + "\n" + (try db.query("SELECT * FROM (\(Timeline.allEntriesSQL)) ORDER BY id").map { "\($0.values)" }.joined(separator: "\n"))
            }
        }
        XCTAssertEqual(try t.count("calls"), 1)
        XCTAssertEqual(try t.count("calls", "provider_call_id = 'c2c:r1' AND ringing_at = '2026-11-23T10:00:01.000Z' AND answered_at IS NOT NULL"), 1)
        let before = try state()
        XCTAssertEqual(try Rebuild.run(store: t.daemon.store) { _, _ in }, 4)
        XCTAssertEqual(try state(), before)
    }
}

extension ClickToCallLinkingTests {
    /// The agent who asked for a click-to-call hears the call's answer and end though another agent
    /// takes it (a transfer) and the client is a colleague's: the requester was not among the
    /// agents the call named, so their screen heard nothing after the request.
    func testTheAgentWhoAskedHearsTheAnswerAndEndWhoeverTakesTheCall() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let integration = try t.addIntegration(.native, region: "RO")
        let ana = try t.addAgent("Ana", role: .manager, sip: ["ana"])
        let bob = try t.addAgent("Bob", role: .manager, sip: ["bob"])
        let cora = try t.addAgent("Cora", role: .manager)
        XCTAssertEqual(try t.api("POST", "/api/v1/contacts", body: ["name": "Olga", "phones": ["+40722123457"], "ownerAgentId": cora.id]).status, 201)
        let anas = try t.openEvents(key: ana.key)
        try t.daemon.store.writeAndWait { db in
            _ = try EventLog.record(.callRequested(CallRequest(requestId: "r2", agentId: ana.id, contactId: nil, number: "+40722123457",
                                                               sipAccount: "ana", dealId: nil)),
                                    source: "test", integrationId: integration.integration.id, key: "k1", rawBody: nil,
                                    receivedAt: "2026-11-23T10:00:00.000Z", in: db, settings: .fromDatabase)
            _ = try EventLog.record(.callDialed(requestId: "r2", providerCallId: "prov-10", sipAccount: "ana", note: nil),
                                    source: "test", integrationId: integration.integration.id, key: "k2", rawBody: nil,
                                    receivedAt: "2026-11-23T10:00:01.000Z", in: db, settings: .fromDatabase)
        }
        let secret = integration.secret
        try t.call("answered", secret: secret, ["callId": "prov-10", "direction": "outbound", "sipLogin": "bob", "occurredAt": "2026-11-23T10:00:05Z"])
        try t.call("ended", secret: secret, ["callId": "prov-10", "direction": "outbound", "occurredAt": "2026-11-23T10:02:00Z", "talkTime": 110])
        let answered = try anas.nextEvent(named: "call.answered")
        XCTAssertEqual((answered["agent"] as? [String: Any])?["id"] as? Int, bob.id)
        XCTAssertEqual((try anas.nextEvent(named: "call.ended")["call"] as? [String: Any])?["outcome"] as? String, "answered")
    }
}

extension ClickToCallLinkingTests {
    /// Webhooks that arrived before the dial answer are replayed onto the requested call with the
    /// integration's settings they arrived under, live and in `rebuild`: the rebuild replayed
    /// them with the settings of its own day (a UTM mapping changed since wrote a second field).
    func testEarlyWebhooksAreReplayedWithTheSettingsTheyArrivedUnder() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        var settings = IntegrationSettings()
        settings.utm.fields = ["utm_source": "Source"]
        let id = try t.addIntegration(.native, region: "RO", settings: settings).integration.id
        let contact = try XCTUnwrap(try t.api("POST", "/api/v1/contacts", body: ["name": "Olga", "phones": ["+40722123458"]]).json["id"] as? Int)
        // As the daemon records them: a webhook with the settings version it was applied with,
        // the click-to-call request and the dial answer (API events) without one.
        func record(_ event: DomainEvent, _ key: String, at: String) throws {
            let integration = try XCTUnwrap(try t.daemon.integrations.find(id: id))
            let version: Int?
            if case .call = event { version = integration.settingsVersion } else { version = nil }
            try t.daemon.store.writeAndWait { db in
                _ = try EventLog.record(event, source: "test", integrationId: id, key: key, rawBody: nil, receivedAt: at, in: db,
                                        settings: .preferring(integration), settingsVersion: version)
            }
        }
        try record(.callRequested(CallRequest(requestId: "r3", agentId: t.supervisorId, contactId: contact, number: "+40722123458",
                                              sipAccount: "ana", dealId: nil)), "k1", at: "2026-11-23T10:00:00.000Z")
        // The provider's first webhook names only its call id (no number to adopt it by), with a tag.
        var early = CallEvent(kind: .ringing, callId: "prov-11", direction: "outbound", occurredAt: "2026-11-23T10:00:01.000Z")
        early.utm = ["utm_source": "google"]
        try record(.call(early), "k2", at: "2026-11-23T10:00:01.000Z")
        try record(.callDialed(requestId: "r3", providerCallId: "prov-11", sipAccount: "ana", note: nil), "k3", at: "2026-11-23T10:00:02.000Z")
        func fields() throws -> String? { try t.daemon.store.read { db in try db.scalar("SELECT fields FROM contacts WHERE id = ?", contact).string } }
        XCTAssertEqual(try fields(), #"{"Source":"google"}"#)
        XCTAssertEqual(try t.api("PATCH", "/api/v1/integrations/\(id)", body: ["settings": ["utm": ["fields": ["utm_source": "Origin"]]]]).status, 200)
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        XCTAssertEqual(try fields(), #"{"Source":"google"}"#)
    }
}
