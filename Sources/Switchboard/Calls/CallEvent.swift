/// The four call moments every provider's webhooks are mapped onto.
public enum CallEventKind: String, Codable, Sendable, CaseIterable {
    case ringing, answered, ended, missed

    /// `call.<kind>`: the raw event's kind and the live stream's event name (literals, not built per event).
    var eventName: String {
        switch self {
        case .ringing: return "call.ringing"
        case .answered: return "call.answered"
        case .ended: return "call.ended"
        case .missed: return "call.missed"
        }
    }
}

/// One call event in our normalized shape, whatever the provider sent.
/// Stored as the raw event's payload, so `rebuild` replays exactly this.
public struct CallEvent: Codable, Sendable, Equatable {
    public var kind: CallEventKind
    public var callId: String
    /// `inbound` or `outbound`.
    public var direction: String?
    /// The client's number as the provider sent it (normalized later with the integration's region).
    public var clientNumber: String?
    /// Our number or line the call came through.
    public var ourNumber: String?
    public var agentId: Int?
    public var sipLogin: String?
    /// RFC 3339 UTC with milliseconds; nil means "when we received it".
    public var occurredAt: String?
    /// When the call began, as a report made after it states it (Aircall `started_at`,
    /// Ringostat `calldate`, Zadarma `call_start`, native `startedAt`): a call known only from
    /// its end is dated on the timeline when it began, not when it ended. RFC 3339 UTC.
    public var startedAt: String?
    public var duration: Int?
    public var talkTime: Int?
    public var endReason: String?
    public var recordingUrl: String?
    public var utm: [String: String]
    public var clientId: String?
    /// The provider's own id for this event, when it has one (idempotency).
    public var eventId: String?

    public init(kind: CallEventKind, callId: String, direction: String? = nil, clientNumber: String? = nil,
                ourNumber: String? = nil, agentId: Int? = nil, sipLogin: String? = nil, occurredAt: String? = nil,
                startedAt: String? = nil, duration: Int? = nil, talkTime: Int? = nil, endReason: String? = nil, recordingUrl: String? = nil,
                utm: [String: String] = [:], clientId: String? = nil, eventId: String? = nil) {
        self.kind = kind
        self.callId = callId
        self.direction = direction
        self.clientNumber = clientNumber
        self.ourNumber = ourNumber
        self.agentId = agentId
        self.sipLogin = sipLogin
        self.occurredAt = occurredAt
        self.startedAt = startedAt
        self.duration = duration
        self.talkTime = talkTime
        self.endReason = endReason
        self.recordingUrl = recordingUrl
        self.utm = utm
        self.clientId = clientId
        self.eventId = eventId
    }

    /// The UTM keys we accept, in our and the providers' spelling.
    public static let utmKeys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]
}
