/// An inbound WhatsApp message in our shape, whichever provider delivered it.
public struct WhatsAppInbound: Codable, Sendable, Equatable {
    public var channelId: Int
    public var messageId: String
    /// The sender's WhatsApp id (international digits, no `+`), when the provider gives one.
    public var from: String?
    /// A business-scoped user id, for senders known without a phone number.
    public var userId: String?
    public var profileName: String?
    /// RFC 3339 UTC.
    public var timestamp: String
    public var type: String
    public var text: String?
    /// The provider's type-specific object, kept as JSON (interactive, reaction, referral…).
    public var details: String?
    /// Why it is recorded but not synced (group, location, contact card, poll, unsupported).
    public var skipReason: String?
    /// `user_changed_number`: the sender's new WhatsApp id.
    public var newNumber: String?
    public var media: [WhatsAppMediaRef]
    /// Click-to-WhatsApp ad data, kept as attribution.
    public var referral: String?
    /// The channel's rules when the message arrived: `rebuild` applies them, not the channel's
    /// settings of the day (a sync filter or pipeline changed since would otherwise give another
    /// history). Absent in messages stored before it was kept, which rebuild reads with today's.
    public var rules: ChannelRules?

    /// The profile name without surrounding spaces; nil when there is none or it is blank.
    var givenProfileName: String? {
        guard let name = profileName?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else { return nil }
        return name
    }
}

/// What of a channel decides how an inbound message is filed.
public struct ChannelRules: Codable, Sendable, Equatable {
    public var region: String?
    public var settings: ChannelSettings

    public init(_ channel: Channel) {
        region = channel.region
        settings = channel.settings
    }
}

/// A media object of a message: fetched later by id.
public struct WhatsAppMediaRef: Codable, Sendable, Equatable {
    public var id: String
    public var mimeType: String?
    public var sha256: String?
    public var filename: String?
}

/// A delivery status of a message we sent.
public struct WhatsAppStatus: Codable, Sendable, Equatable {
    public var channelId: Int
    public var messageId: String
    /// sent, delivered, read or failed.
    public var status: String
    public var timestamp: String
    public var errorCode: Int?
    public var errorMessage: String?

    /// Statuses only move forward: a late `sent` never undoes `read`, nothing undoes `failed`.
    static func rank(_ status: String) -> Int {
        switch status {
        case "pending": return 0
        case "sent": return 1
        case "delivered": return 2
        case "read": return 3
        case "failed": return 4
        default: return -1
        }
    }

    /// What Meta's error codes mean for an agent (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
    static func explain(code: Int?, message: String?) -> String? {
        switch code {
        case 131047?: return "More than 24 hours have passed since the client last wrote: outside the customer-service window only an approved template can be sent"
        case 131026?: return "The message could not be delivered (the number may not be on WhatsApp, or uses an old app version)"
        case 131051?: return "Unsupported message type"
        case 130472?: return "The client's number is part of an experiment and did not receive marketing messages"
        default: return message
        }
    }
}
