import Foundation

/// Everything that changes the projections, as stored in `raw_events.payload`.
/// Webhooks and API writes alike become one of these, so `rebuild` can replay all of them.
public enum DomainEvent: Codable, Sendable, Equatable {
    case call(CallEvent)
    case contactCreated(ContactInput)
    case contactUpdated(contactId: Int, patch: ContactPatch)
    case dealCreated(DealInput)
    case taskCompleted(taskId: Int, agentId: Int)
    case taskReassigned(taskId: Int, agentId: Int)

    /// The `raw_events.kind` column.
    var kind: String {
        switch self {
        case .call(let event): return "call.\(event.kind.rawValue)"
        case .contactCreated: return "contact.created"
        case .contactUpdated: return "contact.updated"
        case .dealCreated: return "deal.created"
        case .taskCompleted: return "task.completed"
        case .taskReassigned: return "task.reassigned"
        }
    }

    private enum CodingKeys: String, CodingKey { case type, call, contact, contactId, patch, deal, taskId, agentId }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "call": self = .call(try c.decode(CallEvent.self, forKey: .call))
        case "contact.created": self = .contactCreated(try c.decode(ContactInput.self, forKey: .contact))
        case "contact.updated":
            self = .contactUpdated(contactId: try c.decode(Int.self, forKey: .contactId), patch: try c.decode(ContactPatch.self, forKey: .patch))
        case "deal.created": self = .dealCreated(try c.decode(DealInput.self, forKey: .deal))
        case "task.completed":
            self = .taskCompleted(taskId: try c.decode(Int.self, forKey: .taskId), agentId: try c.decode(Int.self, forKey: .agentId))
        case "task.reassigned":
            self = .taskReassigned(taskId: try c.decode(Int.self, forKey: .taskId), agentId: try c.decode(Int.self, forKey: .agentId))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown event type \(other)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .call(let event):
            try c.encode("call", forKey: .type)
            try c.encode(event, forKey: .call)
        case .contactCreated(let input):
            try c.encode("contact.created", forKey: .type)
            try c.encode(input, forKey: .contact)
        case .contactUpdated(let id, let patch):
            try c.encode("contact.updated", forKey: .type)
            try c.encode(id, forKey: .contactId)
            try c.encode(patch, forKey: .patch)
        case .dealCreated(let input):
            try c.encode("deal.created", forKey: .type)
            try c.encode(input, forKey: .deal)
        case .taskCompleted(let task, let agent):
            try c.encode("task.completed", forKey: .type)
            try c.encode(task, forKey: .taskId)
            try c.encode(agent, forKey: .agentId)
        case .taskReassigned(let task, let agent):
            try c.encode("task.reassigned", forKey: .type)
            try c.encode(task, forKey: .taskId)
            try c.encode(agent, forKey: .agentId)
        }
    }
}

/// A contact created through the API.
public struct ContactInput: Codable, Sendable, Equatable {
    public var name: String
    /// Already E.164.
    public var phones: [String]
    public var ownerAgentId: Int?
    public var fields: [String: String]
}

/// Changes to a contact; nil leaves a value alone.
public struct ContactPatch: Codable, Sendable, Equatable {
    public var name: String?
    public var ownerAgentId: Int?
    /// Fields to set; an empty string removes the field.
    public var fields: [String: String]?
    /// Already E.164; replaces the list.
    public var phones: [String]?
}

/// A deal opened through the API (from the contact card, or from a call's screen-pop).
public struct DealInput: Codable, Sendable, Equatable {
    public var contactId: Int
    public var title: String
    public var pipeline: String
    public var stage: String
    public var callId: Int?
}
