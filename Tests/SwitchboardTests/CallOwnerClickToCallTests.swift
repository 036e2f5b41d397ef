import Foundation
@testable import Switchboard
import Store
import TestSupport
import XCTest

/// A click-to-call's requester is its call's owner candidate until a webhook names an agent who
/// can own; quality control the webhooks name never takes it, in any order, early webhooks
/// (before the provider's answer named the call) included, and a rebuild agrees.
final class CallOwnerClickToCallTests: XCTestCase {
    func testWebhooksNamingQualityControlLeaveTheRequesterOrAManagerOwningInAnyOrder() throws {
        let t = try TestDaemon()
        defer { t.stop() }
        let integration = try t.addIntegration(.native, region: "RO")
        let id = integration.integration.id
        let mia = try t.addAgent("Mia", role: .manager, sip: ["mia-1"])
        let quinn = try t.addAgent("Quinn QC", role: .qualityControl, sip: ["qc-1"])
        var key = 0
        func record(_ event: DomainEvent, at: String) throws {
            key += 1
            let eventKey = "k\(key)"
            try t.daemon.store.writeAndWait { db in
                _ = try EventLog.record(event, source: "test", integrationId: id, key: eventKey, rawBody: nil, receivedAt: at, in: db,
                                        settings: .fromDatabase)
            }
        }
        func owner(_ number: String) throws -> Int? {
            try t.daemon.store.read { db in
                try db.scalar("SELECT owner_agent_id FROM contacts WHERE id = (SELECT contact_id FROM contact_phones WHERE phone = ?)", number).int
            }
        }
        // Steps after the request: 0 dialed (names the provider's call), 1 ringing naming quality control, 2 answer naming Mia.
        let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 1, 0], [2, 0, 1]]
        var expected: [String: Int] = [:]
        for withManager in [false, true] {
            for (o, order) in orders.enumerated() {
                let number = String(format: "+4072294%02d%02d", withManager ? 1 : 0, o)
                let request = "r\(withManager)-\(o)", provider = "prov-\(withManager)-\(o)"
                // A client quality control answered first: nobody owns them.
                try record(.call(CallEvent(kind: .answered, callId: "in-\(request)", clientNumber: number, sipLogin: "qc-1",
                                           occurredAt: "2026-11-23T09:00:00.000Z")), at: "2026-11-23T09:00:00.000Z")
                XCTAssertNil(try owner(number))
                try record(.callRequested(CallRequest(requestId: request, agentId: t.supervisorId, contactId: nil, number: number,
                                                      sipAccount: "sup", dealId: nil)), at: "2026-11-23T10:00:00.000Z")
                for step in order {
                    switch step {
                    case 0: try record(.callDialed(requestId: request, providerCallId: provider, sipAccount: "sup", note: nil),
                                       at: "2026-11-23T10:00:00.500Z")
                    case 1: try record(.call(CallEvent(kind: .ringing, callId: provider, clientNumber: number, sipLogin: "qc-1",
                                                       occurredAt: "2026-11-23T10:00:01.000Z")), at: "2026-11-23T10:00:01.000Z")
                    default:
                        guard withManager else { continue }
                        try record(.call(CallEvent(kind: .answered, callId: provider, clientNumber: number, agentId: mia.id,
                                                   occurredAt: "2026-11-23T10:00:05.000Z")), at: "2026-11-23T10:00:05.000Z")
                    }
                }
                let found = try owner(number)
                XCTAssertNotEqual(found, quinn.id, "order \(order)")
                XCTAssertEqual(found, withManager ? mia.id : t.supervisorId, "withManager \(withManager) order \(order)")
                expected[number] = found
            }
        }
        _ = try Rebuild.run(store: t.daemon.store) { _, _ in }
        for (number, found) in expected { XCTAssertEqual(try owner(number), found, "rebuilt \(number)") }
    }
}
