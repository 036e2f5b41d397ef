import Foundation
import HTTPServer

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
    let payload: any LivePayload
    let audience: Audience

    init(event: String, payload: any LivePayload, audience: Audience) {
        self.event = event
        self.payload = payload
        self.audience = audience
    }

    /// The JSON sent as the event's data.
    var data: [UInt8] { payload.json }

    /// The event's Server-Sent Events frame with stream id `id`: the bytes `EventStream.frame`
    /// makes of `data`. Dispatched through the payload's conformance: no cast, and no copy of a
    /// screen-pop out of its box.
    func frame(id: UInt64) -> [UInt8] { payload.frame(event: event, id: id) }

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

/// What a live update carries: encoded with JSONEncoder (`.sortedKeys`) unless the type
/// writes its JSON by hand (`HandWrittenJSON`, whose implementations take precedence).
protocol LivePayload: Encodable, Sendable {
    /// The JSON sent as the event's data.
    var json: [UInt8] { get }
    /// The whole frame of the payload as `event` with stream id `id`.
    func frame(event: String, id: UInt64) -> [UInt8]
}

extension LivePayload {
    var json: [UInt8] { JSONText.bytes(AnyEncodable(self)) }

    func frame(event: String, id: UInt64) -> [UInt8] {
        json.withUnsafeBufferPointer { EventStream.frame(event: event, id: String(id), data: $0) }
    }
}

// The payloads sent with JSONEncoder (the hand-written ones conform through HandWrittenJSON).
extension Dictionary: LivePayload where Key == String, Value == Int {}
extension TaskRecord: LivePayload {}
extension TasksClosed: LivePayload {}
extension TaskUnassigned: LivePayload {}
extension InboundNotice: LivePayload {}
extension OutboundNotice: LivePayload {}
extension ClaimNotice: LivePayload {}

/// Lets an existential Encodable go through JSONEncoder.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
