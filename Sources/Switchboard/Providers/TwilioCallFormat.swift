import Foundation
import HTTPServer

/// Twilio Programmable Voice status callbacks: a form POST per call progress event
/// (https://www.twilio.com/docs/voice/api/call-resource#statuscallback), signed with
/// `X-Twilio-Signature` (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
/// See webhooks/twilio.md.
///
/// One conversation is several Twilio calls: the *parent* leg (the call to our number, or the
/// one an agent places from a Twilio Client) and a *child* leg per `<Dial>` noun
/// (`Direction=outbound-dial`, `ParentCallSid` = the parent). Child legs land on their parent's
/// call, and each leg's answer means what the party on that leg did.
enum TwilioCallFormat: CallProviderFormat {
    /// Verifies the signature, then maps one status callback (or `<Dial action>` request) onto call moments.
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        let pairs = try ProviderBody.formPairs(request)
        try verifySignature(request.header("x-twilio-signature"), url: url, pairs: pairs,
                            authToken: try ProviderBody.signingKey(integration, what: "the Twilio auth token"))
        let fields = WebhookFields(Dictionary(pairs, uniquingKeysWith: { _, last in last }))
        guard let callSid = fields.string("CallSid") else { throw WebhookError.missingField("CallSid") }

        // The <Dial action> request (https://www.twilio.com/docs/voice/twiml/dial#action) reports the
        // dialled party in DialCallStatus, on the parent's CallSid; its CallStatus is the parent's
        // own (`in-progress` while the caller waits), so DialCallStatus decides.
        let dialStatus = fields.string("DialCallStatus")
        let leg = Leg(callSid: callSid, fields: fields, isDialOutcome: dialStatus != nil)
        let progress = try dialStatus.map { try Progress(status: $0) }
            ?? Progress(event: fields.string("StatusCallbackEvent"), status: fields.string("CallStatus"))

        let duration = try fields.seconds(dialStatus == nil ? "CallDuration" : "DialCallDuration")
        let occurredAt = try ProviderBody.timestamp(fields.string("Timestamp"), field: "Timestamp")
        // A leg's CallDuration runs from its start to Timestamp: a call heard of only when it
        // completed began that long before (the <Dial action>'s duration is the dialled leg's).
        let startedAt = dialStatus == nil ? duration.flatMap { length in
            occurredAt.flatMap { ProviderBody.adding(seconds: -length, to: $0) }
        } : nil
        let sequence = fields.string("SequenceNumber")
        func event(_ kind: CallEventKind, endReason: String? = nil, talkTime: Int? = nil) -> CallEvent {
            CallEvent(kind: kind, callId: leg.callId, direction: leg.direction, clientNumber: leg.client, ourNumber: leg.ours,
                      sipLogin: leg.sipLogin, occurredAt: occurredAt, startedAt: startedAt,
                      // The <Dial action>'s DialCallDuration is the dialled leg's talk, not the call's length.
                      duration: dialStatus == nil ? duration : nil, talkTime: talkTime, endReason: endReason,
                      recordingUrl: fields.string("RecordingUrl"),
                      // SequenceNumber orders one leg's callbacks, so the leg's own CallSid + SequenceNumber
                      // names this callback exactly; a redelivery carries the same pair.
                      eventId: sequence.map { "\(callSid):\($0)" })
        }

        switch leg.moment(of: progress) {
        case .ignored(let why):
            return .ignored(why)
        case .event(let kind, let endReason):
            return .events([event(kind, endReason: endReason)])
        case .answeredThenEnded:
            // A leg a person picked up talked for CallDuration seconds up to Timestamp (the <Dial action>
            // request has no Timestamp: it is sent as the dialled leg ends, so now).
            let ended = event(.ended, talkTime: leg.isDialled ? duration : nil)
            return .events(ProviderBody.answeredThenEnded(
                ended, answeredAt: ProviderBody.adding(seconds: duration.map { -$0 }, to: occurredAt ?? Timestamp.now())))
        }
    }

    /// Who picks up the leg a callback reports, which decides what that leg's answer means.
    enum Answerer {
        /// Twilio itself, as soon as it runs the TwiML: a call to our number, or a call an agent
        /// places from a Twilio Client. Its `completed` says nothing about a person
        /// ("completed" can be an IVR or a voicemail answering:
        /// https://help.twilio.com/articles/223132547-What-are-the-Possible-Call-Statuses-and-What-do-They-Mean-).
        case twilio
        /// An agent's Twilio Client or SIP endpoint rung by `<Dial>`: one of maybe several agents
        /// rung for the same caller, so its no-answer does not make the call missed.
        case agent
        /// The client: a call we place with the REST API, or the `<Dial>` leg to their number.
        case client
    }

    /// One leg of a call, as the call it belongs to sees it.
    struct Leg {
        /// The call the leg lands on: a `<Dial>` leg's parent, else the leg itself.
        var callId: String
        var direction: String
        var client: String?
        var ours: String?
        var sipLogin: String?
        var answerer: Answerer
        /// A `<Dial>` leg or the `<Dial action>` outcome: its duration is the time the parties talked.
        var isDialled: Bool

        /// Reads the leg from `Direction` (`inbound`, `outbound-api` for REST API calls, `outbound-dial`
        /// for `<Dial>` legs), `From`, `To` and `ParentCallSid`
        /// (https://www.twilio.com/docs/voice/twiml#request-parameters).
        /// `isDialOutcome`: the request is the `<Dial action>` one, about the party the parent dialled.
        init(callSid: String, fields: WebhookFields, isDialOutcome: Bool) {
            let from = fields.string("From"), to = fields.string("To")
            let fromAgent = from.flatMap(TwilioCallFormat.agentLogin)
            switch fields.string("Direction")?.lowercased() {
            case "outbound-dial":
                // Twilio sends a <Dial> leg From = the original caller (unless <Dial callerId> is set) and
                // To = what was dialled: `client:ana` or a SIP address is an agent answering the caller;
                // a phone number is the client an agent's call is bridged to.
                let parent = fields.string("ParentCallSid") ?? callSid
                if let login = to.flatMap(TwilioCallFormat.agentLogin) {
                    self.init(callId: parent, direction: "inbound", client: from, ours: nil, sipLogin: login,
                              answerer: .agent, isDialled: true)
                } else {
                    self.init(callId: parent, direction: "outbound", client: to, ours: from, sipLogin: fromAgent,
                              answerer: .client, isDialled: true)
                }
            case let other? where other.hasPrefix("outbound"):
                // outbound-api: a call we placed with the REST API rings the client (To) directly. Its
                // <Dial action> reports whoever the answered call was then bridged to: not the client.
                self.init(callId: callSid, direction: "outbound", client: to, ours: from, sipLogin: fromAgent,
                          answerer: isDialOutcome ? .agent : .client, isDialled: isDialOutcome)
            default:
                // inbound (or no Direction): a parent leg, picked up by Twilio. From = client:x (or a SIP
                // address) is a call agent x places from a Twilio Client to the number it asks for (To), and
                // its <Dial action> reports that client; otherwise the caller's <Dial action> reports the agents.
                if let login = fromAgent {
                    self.init(callId: callSid, direction: "outbound", client: to, ours: nil, sipLogin: login,
                              answerer: isDialOutcome ? .client : .twilio, isDialled: isDialOutcome)
                } else {
                    self.init(callId: callSid, direction: "inbound", client: from, ours: to, sipLogin: nil,
                              answerer: isDialOutcome ? .agent : .twilio, isDialled: isDialOutcome)
                }
            }
        }

        private init(callId: String, direction: String, client: String?, ours: String?, sipLogin: String?,
                     answerer: Answerer, isDialled: Bool) {
            self.callId = callId
            self.direction = direction
            self.client = client
            self.ours = ours
            self.sipLogin = sipLogin
            self.answerer = answerer
            self.isDialled = isDialled
        }

        /// What `progress` on this leg means for the call.
        func moment(of progress: Progress) -> Moment {
            switch (progress, answerer) {
            case (.queued, _):
                return .ignored("Twilio call is queued: nothing has happened yet")
            case (.ringing, _):
                return .event(.ringing, endReason: nil)
            case (.inProgress, .twilio):
                // Twilio answered to run the TwiML: the caller is still waiting for a person.
                return .event(.ringing, endReason: nil)
            case (.inProgress, .agent), (.inProgress, .client):
                return .event(.answered, endReason: nil)
            case (.completed, .twilio):
                // Whether a person answered comes from the <Dial> legs (or the <Dial action>); without
                // one the call ends unanswered, and an inbound one is a missed call.
                return .event(.ended, endReason: nil)
            case (.completed, .agent), (.completed, .client):
                return .answeredThenEnded
            case (.unanswered(let status), .agent):
                // Another agent may still answer, or the call go on to voicemail: the parent leg's
                // completed ends it, answered or missed.
                return .ignored("the <Dial> leg to an agent ended \(status): the caller's call goes on until its parent leg completes")
            case (.unanswered(let status), .twilio), (.unanswered(let status), .client):
                return .event(.missed, endReason: status)
            }
        }
    }

    /// How far one leg got.
    enum Progress {
        case queued, ringing, inProgress, completed
        /// Over without an answer: `no-answer`, `busy`, `canceled` or `failed`.
        case unanswered(String)

        /// From `StatusCallbackEvent` (initiated, ringing, answered, completed) and `CallStatus`
        /// (queued, initiated, ringing, in-progress, completed, busy, no-answer, canceled, failed).
        /// A leg that ends unanswered carries event `completed` and a status saying why, so an
        /// unanswered status wins over the event.
        init(event: String?, status: String?) throws {
            if let status = status?.lowercased(), Self.unansweredStatuses.contains(status) {
                self = .unanswered(status)
                return
            }
            guard let event = event?.lowercased() else {
                // Plain status callbacks (no StatusCallbackEvent list configured) carry only CallStatus.
                guard let status else { throw WebhookError.missingField("CallStatus") }
                self = try Progress(status: status)
                return
            }
            switch event {
            case "initiated", "ringing": self = .ringing
            case "answered": self = .inProgress
            case "completed": self = .completed
            default: throw WebhookError.unknownEventKind(event)
            }
        }

        /// From a `CallStatus`, or a `DialCallStatus` (completed, answered, busy, no-answer, failed, canceled).
        init(status: String) throws {
            switch status.lowercased() {
            case "queued": self = .queued
            case "initiated", "ringing": self = .ringing
            case "in-progress", "answered": self = .inProgress
            case "completed": self = .completed
            case let other where Self.unansweredStatuses.contains(other): self = .unanswered(other)
            case let other: throw WebhookError.unknownEventKind(other)
            }
        }

        /// The final statuses of a leg nobody picked up.
        static let unansweredStatuses: Set = ["no-answer", "busy", "canceled", "failed"]
    }

    /// What one callback means for the call.
    enum Moment: Equatable {
        case event(CallEventKind, endReason: String?)
        /// A leg a person picked up is over: its answer, CallDuration before its end, then the end.
        case answeredThenEnded
        case ignored(String)
    }

    /// The agent's login when an address is a Twilio Client (`client:ana`) or a SIP endpoint
    /// (`sip:ana@example.sip.twilio.com`): our side of the call, matched to the agent with that SIP login.
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

    /// `url` as given, plus the same URL without its port (any port: Twilio drops it from HTTPS
    /// callback URLs before signing, and its validators try both), or with the scheme's default
    /// port when it has none.
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard let defaultPort = ["http": "80", "https": "443"][scheme] else { return [url] }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let head = url[..<authorityStart], rest = url[authorityEnd...]
        // A port is the digits after the last ':' that follows the host (an IPv6 host is in brackets).
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]"),
           authority[authority.index(after: colon)...].allSatisfy(\.isNumber) {
            return [url, String(head + authority[..<colon] + rest)]
        }
        return [url, String(head + authority + ":" + defaultPort + rest)]
    }
}
