/// A message the business side sent, reported back by the provider (Wazzup's `isEcho: true`).
///
/// Either one of our own sends (the agent's message is already a row; the echo only gives it
/// the provider's id if the sender has not recorded it yet), or a message typed on the phone or
/// in another tool, which Switchboard learns of only this way and records with no agent.
public struct WhatsAppEcho: Codable, Sendable, Equatable {
    public var channelId: Int
    /// The provider's message id (Wazzup: a UUID).
    public var messageId: String
    /// The client's WhatsApp id (international digits, no `+`); nil for chats that are not one client.
    public var to: String?
    /// The client's name as the provider knows it.
    public var clientName: String?
    /// RFC 3339 UTC.
    public var timestamp: String
    public var type: String
    public var text: String?
    /// The provider's own fields worth keeping (content link, chat type), as JSON.
    public var details: String?
    public var media: [WhatsAppMediaRef]
    /// sent, delivered, read or failed, as the provider reported it with the echo.
    public var status: String
    /// Why it is recorded but not synced (group chat, location, contact card…).
    public var skipReason: String?
    /// Who sent it according to the provider (a Wazzup user's name), shown, never trusted as an agent.
    public var authorName: String?
    /// The id a CRM gave the send through the provider's API (`crmMessageId`), when there was one.
    public var crmMessageId: String?
}
