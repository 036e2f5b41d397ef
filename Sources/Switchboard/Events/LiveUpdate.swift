import Foundation

/// A message for the live stream, computed inside a write and published after its commit.
struct LiveUpdate: Sendable {
    enum Audience: Sendable {
        /// These agents only.
        case agents([Int])
        /// Everyone allowed to see the contact (supervisors, quality control, the owning manager).
        case contactViewers(ownerAgentId: Int?)
        /// These agents, and everyone allowed to see the contact.
        case agentsAndViewers([Int], ownerAgentId: Int?)
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
        // The exact-type cast first: a screen-pop is nearly every update, and a cast to a
        // concrete type is a metadata comparison where a protocol cast searches conformances.
        if let pop = payload as? ScreenPop { return pop.json }
        if let fast = payload as? HandWrittenJSON { return fast.json }
        return JSONText.bytes(AnyEncodable(payload))
    }

    /// Whether `agent` receives it.
    func isFor(_ agent: Agent) -> Bool {
        switch audience {
        case .agents(let ids): return ids.contains(agent.id)
        case .contactViewers(let owner):
            // The API's rule: a manager sees only the clients they own, so not unowned ones either.
            return agent.canSee(contactOwner: owner)
        case .agentsAndViewers(let ids, let owner):
            return ids.contains(agent.id) || agent.canSee(contactOwner: owner)
        }
    }
}

/// Lets an existential Encodable go through JSONEncoder.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
