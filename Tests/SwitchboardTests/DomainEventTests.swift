import Foundation
@testable import Switchboard
import XCTest

final class DomainEventTests: XCTestCase {
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
