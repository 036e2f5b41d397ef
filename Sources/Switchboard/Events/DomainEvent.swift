import Foundation

/// Everything that changes the projections, as stored in `raw_events.payload`.
/// Webhooks and API writes alike become one of these, so `rebuild` can replay all of them.
public enum DomainEvent: Codable, Sendable, Equatable {
    case call(CallEvent)
    case contactCreated(ContactInput)
    case contactUpdated(contactId: Int, patch: ContactPatch)
    case dealCreated(DealInput)
    case dealUpdated(DealPatch)
    case taskCompleted(taskId: Int, agentId: Int)
    case taskReassigned(taskId: Int, agentId: Int)
    case callRequested(CallRequest)
    case callDialed(requestId: String, providerCallId: String?, sipAccount: String, note: String?)
    case callDialFailed(requestId: String, reason: String)
    case whatsappInbound(WhatsAppInbound)
    case whatsappStatus(WhatsAppStatus)
    case whatsappEcho(WhatsAppEcho)
    case whatsappOutbound(WhatsAppOutbound)
    case whatsappSent(partId: String, wamid: String)
    case whatsappSendFailed(WhatsAppSendFailure)
    case whatsappConversationReset(channelId: Int?, contactId: Int, agentId: Int)

    /// The `raw_events.kind` column.
    var kind: String {
        switch self {
        case .call(let event): return event.kind.eventName
        case .contactCreated: return "contact.created"
        case .contactUpdated: return "contact.updated"
        case .dealCreated: return "deal.created"
        case .dealUpdated: return "deal.updated"
        case .taskCompleted: return "task.completed"
        case .taskReassigned: return "task.reassigned"
        case .callRequested: return "call.requested"
        case .callDialed: return "call.dialed"
        case .callDialFailed: return "call.dial_failed"
        case .whatsappInbound: return "whatsapp.inbound"
        case .whatsappStatus: return "whatsapp.status"
        case .whatsappEcho: return "whatsapp.echo"
        case .whatsappOutbound: return "whatsapp.outbound"
        case .whatsappSent: return "whatsapp.sent"
        case .whatsappSendFailed: return "whatsapp.send_failed"
        case .whatsappConversationReset: return "whatsapp.conversation_reset"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case type, call, contact, contactId, patch, deal, taskId, agentId, request, requestId, providerCallId, sipAccount, reason
        case message, status
        case echo
        case outbound, partId, wamid, failure, channelId
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "call": self = .call(try c.decode(CallEvent.self, forKey: .call))
        case "contact.created": self = .contactCreated(try c.decode(ContactInput.self, forKey: .contact))
        case "contact.updated":
            self = .contactUpdated(contactId: try c.decode(Int.self, forKey: .contactId), patch: try c.decode(ContactPatch.self, forKey: .patch))
        case "deal.created": self = .dealCreated(try c.decode(DealInput.self, forKey: .deal))
        case "deal.updated": self = .dealUpdated(try c.decode(DealPatch.self, forKey: .deal))
        case "task.completed":
            self = .taskCompleted(taskId: try c.decode(Int.self, forKey: .taskId), agentId: try c.decode(Int.self, forKey: .agentId))
        case "task.reassigned":
            self = .taskReassigned(taskId: try c.decode(Int.self, forKey: .taskId), agentId: try c.decode(Int.self, forKey: .agentId))
        case "call.requested": self = .callRequested(try c.decode(CallRequest.self, forKey: .request))
        case "call.dialed":
            self = .callDialed(requestId: try c.decode(String.self, forKey: .requestId),
                               providerCallId: try c.decodeIfPresent(String.self, forKey: .providerCallId),
                               sipAccount: try c.decode(String.self, forKey: .sipAccount),
                               note: try c.decodeIfPresent(String.self, forKey: .reason))
        case "whatsapp.inbound": self = .whatsappInbound(try c.decode(WhatsAppInbound.self, forKey: .message))
        case "whatsapp.status": self = .whatsappStatus(try c.decode(WhatsAppStatus.self, forKey: .status))
        case "whatsapp.echo": self = .whatsappEcho(try c.decode(WhatsAppEcho.self, forKey: .echo))
        case "whatsapp.outbound": self = .whatsappOutbound(try c.decode(WhatsAppOutbound.self, forKey: .outbound))
        case "whatsapp.sent":
            self = .whatsappSent(partId: try c.decode(String.self, forKey: .partId), wamid: try c.decode(String.self, forKey: .wamid))
        case "whatsapp.send_failed": self = .whatsappSendFailed(try c.decode(WhatsAppSendFailure.self, forKey: .failure))
        case "whatsapp.conversation_reset":
            self = .whatsappConversationReset(channelId: try c.decodeIfPresent(Int.self, forKey: .channelId),
                                              contactId: try c.decode(Int.self, forKey: .contactId),
                                              agentId: try c.decode(Int.self, forKey: .agentId))
        case "call.dial_failed":
            self = .callDialFailed(requestId: try c.decode(String.self, forKey: .requestId), reason: try c.decode(String.self, forKey: .reason))
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
        case .dealUpdated(let patch):
            try c.encode("deal.updated", forKey: .type)
            try c.encode(patch, forKey: .deal)
        case .taskCompleted(let task, let agent):
            try c.encode("task.completed", forKey: .type)
            try c.encode(task, forKey: .taskId)
            try c.encode(agent, forKey: .agentId)
        case .taskReassigned(let task, let agent):
            try c.encode("task.reassigned", forKey: .type)
            try c.encode(task, forKey: .taskId)
            try c.encode(agent, forKey: .agentId)
        case .callRequested(let request):
            try c.encode("call.requested", forKey: .type)
            try c.encode(request, forKey: .request)
        case .callDialed(let requestId, let providerCallId, let sip, let note):
            try c.encode("call.dialed", forKey: .type)
            try c.encode(requestId, forKey: .requestId)
            try c.encodeIfPresent(providerCallId, forKey: .providerCallId)
            try c.encode(sip, forKey: .sipAccount)
            try c.encodeIfPresent(note, forKey: .reason)
        case .whatsappInbound(let message):
            try c.encode("whatsapp.inbound", forKey: .type)
            try c.encode(message, forKey: .message)
        case .whatsappStatus(let status):
            try c.encode("whatsapp.status", forKey: .type)
            try c.encode(status, forKey: .status)
        case .whatsappEcho(let echo):
            try c.encode("whatsapp.echo", forKey: .type)
            try c.encode(echo, forKey: .echo)
        case .whatsappOutbound(let outbound):
            try c.encode("whatsapp.outbound", forKey: .type)
            try c.encode(outbound, forKey: .outbound)
        case .whatsappSent(let partId, let wamid):
            try c.encode("whatsapp.sent", forKey: .type)
            try c.encode(partId, forKey: .partId)
            try c.encode(wamid, forKey: .wamid)
        case .whatsappSendFailed(let failure):
            try c.encode("whatsapp.send_failed", forKey: .type)
            try c.encode(failure, forKey: .failure)
        case .whatsappConversationReset(let channelId, let contactId, let agentId):
            try c.encode("whatsapp.conversation_reset", forKey: .type)
            try c.encodeIfPresent(channelId, forKey: .channelId)
            try c.encode(contactId, forKey: .contactId)
            try c.encode(agentId, forKey: .agentId)
        case .callDialFailed(let requestId, let reason):
            try c.encode("call.dial_failed", forKey: .type)
            try c.encode(requestId, forKey: .requestId)
            try c.encode(reason, forKey: .reason)
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
    /// The owner is taken away (`"ownerAgentId": null` in the API, where an absent one means
    /// "unchanged"). Optional so that events recorded before it existed decode as they were.
    public var clearsOwner: Bool?
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

/// A change to a deal through the API: its stage moved, or it was closed or reopened (nil: unchanged).
public struct DealPatch: Codable, Sendable, Equatable {
    public var dealId: Int
    public var contactId: Int
    public var title: String?
    public var pipeline: String?
    public var stage: String?
    /// `open` or `closed` (won or lost alike).
    public var state: String?

    /// The states a deal can be in.
    static let states: Set<String> = ["open", "closed"]
}

/// An agent's click-to-call request, as recorded before anything is dialled.
public struct CallRequest: Codable, Sendable, Equatable {
    public var requestId: String
    public var agentId: Int
    public var contactId: Int?
    /// E.164.
    public var number: String
    public var sipAccount: String
    public var dealId: Int?
}
