/// An agent's outbound WhatsApp message as recorded before anything is sent.
///
/// It is already rendered (merge fields filled in) and split into the parts Meta takes one
/// request each for: a text or a template, then one part per attachment. Each part becomes
/// one message row with its own status, and one outbox row the sender works through.
public struct WhatsAppOutbound: Codable, Sendable, Equatable {
    public var outboundId: String
    public var channelId: Int
    public var contactId: Int
    public var agentId: Int
    /// The recipient's WhatsApp id: international digits, no `+`.
    public var to: String
    public var parts: [Part]
    /// Whether this reply makes its agent the owner of an unsorted client nobody owns: decided
    /// when it was sent (a manager's first reply on an unsorted channel), so `rebuild` does not
    /// decide again with the channel's settings of the day. Absent in replies stored before it
    /// was kept: those claim as then, any agent's first reply on a channel unsorted now.
    public var claims: Bool?

    /// One message as Meta receives it.
    public struct Part: Codable, Sendable, Equatable {
        /// `<outboundId>.<index>`: the key of the part's message row and outbox row.
        public var partId: String
        /// text, template, image, document, audio or video.
        public var type: String
        /// The text, or an attachment's caption.
        public var text: String?
        public var template: OutboundTemplate?
        public var attachment: OutboundAttachment?
    }
}

/// An approved template with its body parameters, already rendered.
public struct OutboundTemplate: Codable, Sendable, Equatable {
    public var name: String
    /// BCP 47-style code as Meta names it (`ro`, `en_US`).
    public var language: String
    public var parameters: [String]
}

/// A file sent with a message: a public link or a media id uploaded to Meta before.
public struct OutboundAttachment: Codable, Sendable, Equatable {
    /// image, document, audio or video.
    public var type: String
    public var link: String?
    public var mediaId: String?
    public var caption: String?
    public var filename: String?

    static let types: Set<String> = ["image", "document", "audio", "video"]
}

/// What became of one part the sender could not deliver to Meta.
public struct WhatsAppSendFailure: Codable, Sendable, Equatable {
    /// `failed`: Meta refused it (or it never got through after every retry); it was not sent.
    /// `unknown`: the request may have reached Meta, so it is never sent again.
    public enum State: String, Codable, Sendable { case failed, unknown }

    public var partId: String
    public var state: State
    public var errorCode: Int?
    public var errorMessage: String
}
