import HTTPServer

/// What one provider webhook delivery turned out to be.
enum ProviderDelivery {
    /// Call events to store (a delivery may carry several).
    case events([CallEvent])
    /// A handshake or check to answer without storing anything (Zadarma's `zd_echo`).
    case reply(HTTPResponse)
    /// A well-formed delivery we do not map onto a call moment; answered 200 so the provider stops retrying.
    case ignored(String)
}

/// A provider's webhook format. `url` is the full URL the provider called (public base URL +
/// request target), needed by signatures computed over the URL (Twilio).
protocol CallProviderFormat {
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery
}
