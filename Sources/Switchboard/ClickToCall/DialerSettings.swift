/// How an integration places click-to-call requests and learns SIP presence.
///
/// The provider comes from the integration; `apiBase` is configurable so a
/// deployment (or a test) can point it anywhere. Credentials: Ringostat uses
/// `apiKey` (Auth-key) and `projectId`; Zadarma `apiKey` plus the integration's
/// provider secret; Twilio `apiKey` as the Account SID plus the provider secret
/// (auth token) and `callerId`; a native integration uses `template`.
public struct DialerSettings: Sendable, Codable, Equatable {
    public var apiBase: String?
    public var apiKey: String?
    public var projectId: String?
    /// Twilio: the number calls come from.
    public var callerId: String?
    /// Twilio: where Twilio reports the placed call's progress — the integration's
    /// `statusCallback` URL as `integrations add` printed it (only its hash is stored, so it
    /// cannot be rebuilt here). Without it Twilio sends nothing about click-to-call calls.
    public var statusCallback: String?
    /// The one SIP account used for every outbound call; nil means each agent's own.
    public var sipAccount: String?
    /// Twilio: the SIP domain of the agents' logins (`company.sip.twilio.com`). Twilio's
    /// `<Sip>` takes only a full address: a bare login `ana` is dialled as
    /// `sip:ana@company.sip.twilio.com`; a login with an `@` is dialled as it is.
    public var sipDomain: String?
    /// Total time allowed for one provider request (default 10 s).
    public var timeoutSeconds: Double?
    /// How long fetched presence is trusted.
    public var presenceSeconds: Double?
    /// Generic HTTP provider: the request to send, with `{{number}}`, `{{sip}}`, `{{requestId}}` placeholders.
    public var template: DialTemplate?
    /// Generic HTTP provider: a URL answering `{"online": [...], "speaking": [...]}`.
    public var presenceURL: String?
    /// Ringostat: use the extended JSON-RPC callback (`/a/v2`) instead of `callback/outward_call`.
    public var extended: Bool?

    public init() {}

    /// Copy for API output: the key is never shown.
    var redacted: DialerSettings {
        var copy = self
        if copy.apiKey != nil { copy.apiKey = "(set)" }
        return copy
    }
}

/// A request template for providers without a dedicated adapter.
public struct DialTemplate: Sendable, Codable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String: String]?
    public var body: String?
    /// Top-level JSON field of the response holding the provider's call id.
    public var callIdField: String?

    public init(method: String, url: String, headers: [String: String]? = nil, body: String? = nil, callIdField: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.callIdField = callIdField
    }
}
