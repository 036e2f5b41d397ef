import Foundation
import HTTPServer

/// Twilio Programmable Voice status callbacks: a form POST per call progress event
/// (https://www.twilio.com/docs/voice/api/call-resource#statuscallback), signed with
/// `X-Twilio-Signature` (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
/// See webhooks/twilio.md.
enum TwilioCallFormat: CallProviderFormat {
    /// Verifies the signature, then maps one status callback onto call moments.
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        let pairs = try ProviderBody.formPairs(request)
        try verifySignature(request.header("x-twilio-signature"), url: url, pairs: pairs,
                            authToken: try ProviderBody.signingKey(integration, what: "the Twilio auth token"))
        let fields = WebhookFields(Dictionary(pairs, uniquingKeysWith: { _, last in last }))
        guard let callSid = fields.string("CallSid") else { throw WebhookError.missingField("CallSid") }

        let kind: CallEventKind
        var endReason: String?
        switch try moment(event: fields.string("StatusCallbackEvent"), status: fields.string("CallStatus")) {
        case .event(let mapped, let reason):
            kind = mapped
            endReason = reason
        case .ignored(let why):
            return .ignored(why)
        }

        // `Direction` is inbound, outbound-api (REST API) or outbound-dial (a <Dial> leg):
        // on outbound calls the client is the one we call (To).
        let isOutbound = fields.string("Direction")?.lowercased().hasPrefix("outbound") ?? false
        let client = isOutbound ? fields.string("To") : fields.string("From")
        let ours = isOutbound ? fields.string("From") : fields.string("To")
        let sequence = fields.string("SequenceNumber")
        let duration = try fields.int("CallDuration")
        let event = CallEvent(
            kind: kind, callId: callSid, direction: isOutbound ? "outbound" : "inbound",
            clientNumber: client, ourNumber: ours, sipLogin: ours.flatMap(agentLogin),
            occurredAt: try ProviderBody.timestamp(fields.string("Timestamp"), field: "Timestamp"),
            duration: duration, endReason: endReason, recordingUrl: fields.string("RecordingUrl"),
            // SequenceNumber orders one call's callbacks, so CallSid + SequenceNumber names this
            // callback exactly; a redelivery carries the same pair.
            eventId: sequence.map { "\(callSid):\($0)" })
        guard kind == .ended else { return .events([event]) }
        // `completed` (not busy, no-answer…) means someone talked, for CallDuration seconds up to Timestamp.
        return .events(ProviderBody.answeredThenEnded(event, answeredAt: ProviderBody.adding(seconds: duration.map { -$0 }, to: event.occurredAt)))
    }

    /// What one callback means for the call.
    enum Moment: Equatable {
        case event(CallEventKind, endReason: String?)
        case ignored(String)
    }

    /// Maps `StatusCallbackEvent` (initiated, ringing, answered, completed) and `CallStatus`
    /// (queued, initiated, ringing, in-progress, completed, busy, no-answer, canceled, failed).
    /// A call that completes without being answered carries event `completed` and a status
    /// saying why, so the status decides between ended and missed.
    static func moment(event: String?, status: String?) throws -> Moment {
        let status = status?.lowercased()
        if let status, ["no-answer", "busy", "canceled", "failed"].contains(status) {
            return .event(.missed, endReason: status)
        }
        if let event = event?.lowercased() {
            switch event {
            case "initiated", "ringing": return .event(.ringing, endReason: nil)
            case "answered": return .event(.answered, endReason: nil)
            case "completed": return .event(.ended, endReason: nil)
            default: throw WebhookError.unknownEventKind(event)
            }
        }
        // Plain status callbacks (no StatusCallbackEvent list configured) carry only CallStatus.
        switch status {
        case nil: throw WebhookError.missingField("CallStatus")
        case "queued": return .ignored("Twilio call is queued: nothing has happened yet")
        case "initiated", "ringing": return .event(.ringing, endReason: nil)
        case "in-progress": return .event(.answered, endReason: nil)
        case "completed": return .event(.ended, endReason: nil)
        case let other?: throw WebhookError.unknownEventKind(other)
        }
    }

    /// The agent's login when our side of the call is a Twilio Client (`client:ana`) or a SIP
    /// endpoint (`sip:ana@example.sip.twilio.com`), so the call is matched to that agent.
    static func agentLogin(_ address: String) -> String? {
        if address.hasPrefix("client:") { return String(address.dropFirst(7)) }
        if address.hasPrefix("sip:") {
            return String(address.dropFirst(4).prefix(while: { $0 != "@" && $0 != ";" }))
        }
        return nil
    }

    /// Checks `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, URL + every POST parameter's
    /// name and value, sorted by name)), compared in constant time. Twilio's own validators
    /// also accept the URL with the scheme's default port added or removed, because proxies
    /// differ on whether Twilio's request carried it; so do we.
    static func verifySignature(_ header: String?, url: String, pairs: [(String, String)], authToken: [UInt8]) throws {
        guard let header, !header.isEmpty else { throw WebhookError.badSignature("missing X-Twilio-Signature header") }
        for candidate in urlVariants(url) where ProviderBody.matches(header, signature(url: candidate, pairs: pairs, authToken: authToken)) {
            return
        }
        throw WebhookError.badSignature("X-Twilio-Signature does not match: check the auth token, and that publicURL is the URL Twilio calls")
    }

    /// The signature Twilio computes for `url` and `pairs`.
    static func signature(url: String, pairs: [(String, String)], authToken: [UInt8]) -> String {
        var data = url
        for (name, value) in pairs.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            data += name
            data += value
        }
        return ProviderBody.base64(Crypto.hmacSHA1(key: authToken, data: Array(data.utf8)))
    }

    /// `url` as given, plus the same URL with the default port removed (when present) or added (when absent).
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard let defaultPort = ["http": "80", "https": "443"][scheme] else { return [url] }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? url.endIndex
        let authority = String(url[authorityStart..<authorityEnd])
        let rest = String(url[authorityEnd...])
        let head = String(url[..<authorityStart])
        if authority.hasSuffix(":\(defaultPort)") {
            return [url, head + String(authority.dropLast(defaultPort.count + 1)) + rest]
        }
        if authority.contains(":") && !authority.hasSuffix("]") { return [url] }
        return [url, head + authority + ":\(defaultPort)" + rest]
    }
}
