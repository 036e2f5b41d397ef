/// A message for the live stream, computed inside a write and published after its commit.
struct LiveUpdate: Sendable {
    enum Audience: Sendable {
        /// These agents only.
        case agents([Int])
        /// Everyone allowed to see the contact (supervisors, quality control, the owner).
        case contactViewers(ownerAgentId: Int?)
    }

    let event: String
    /// Encoded only when published, off the writer thread.
    let payload: any Encodable & Sendable
    let audience: Audience

    init(event: String, payload: any Encodable & Sendable, audience: Audience) {
        self.event = event
        self.payload = payload
        self.audience = audience
    }

    /// The JSON sent as the event's data.
    var data: [UInt8] {
        if let fast = payload as? HandWrittenJSON { return fast.json }
        return JSONText.bytes(AnyEncodable(payload))
    }

    /// Whether `agent` receives it.
    func isFor(_ agent: Agent) -> Bool {
        switch audience {
        case .agents(let ids): return ids.contains(agent.id)
        case .contactViewers(let owner):
            return agent.role != .manager || owner == nil || owner == agent.id
        }
    }
}

/// Lets an existential Encodable go through JSONEncoder.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

/// Publishes live updates on one serial queue, so encoding them costs the writer nothing
/// and their order is kept.
enum LivePublisher {
    private static let queue = DispatchQueue(label: "live-publisher")

    static func publish(_ updates: [LiveUpdate], on hub: EventHub) {
        guard !updates.isEmpty else { return }
        queue.async {
            for update in updates { hub.publish(event: update.event, data: { update.data }, to: update.isFor) }
        }
    }
}

import Foundation
