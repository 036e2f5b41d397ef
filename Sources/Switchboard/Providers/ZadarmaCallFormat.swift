import Foundation
import HTTPServer

/// Zadarma PBX call notifications (https://zadarma.com/en/support/api/): a form
/// POST per call moment, signed in the `Signature` header, plus the `zd_echo` check Zadarma
/// makes when the notification URL is saved. See webhooks/zadarma.md.
enum ZadarmaCallFormat: CallProviderFormat {
    /// Answers `zd_echo`, verifies the signature, then maps one notification onto call moments.
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        // The URL check: Zadarma sends `zd_echo=X` (as a GET query) and expects X back as the body.
        // Nothing is stored; the integration secret in the path was already checked.
        if let echo = request.queryParameters["zd_echo"] { return .reply(.text(echo)) }
        let form = try ProviderBody.form(request)
        if let echo = form["zd_echo"] { return .reply(.text(echo)) }

        let fields = WebhookFields(form)
        guard let name = fields.string("event") else { throw WebhookError.missingField("event") }
        guard let notification = Notification(rawValue: name) else {
            // The same URL also receives Zadarma's non-call notifications when they are enabled;
            // they are answered 200 (and not stored) so Zadarma keeps the URL healthy. Anything
            // else is not Zadarma's and is refused.
            if unmappedEvents.contains(name) { return .ignored("Zadarma \(name) is not a call moment") }
            throw WebhookError.unknownEventKind(name)
        }
        try verifySignature(request.header("signature"), data: notification.signedFields.map { form[$0] ?? "" }.joined(),
                            secret: try ProviderBody.signingKey(integration, what: "the Zadarma API secret key"))

        guard let callId = fields.string("pbx_call_id") else { throw WebhookError.missingField("pbx_call_id") }
        // `call_start` has no offset: it is the account's wall clock (its time zone setting), which
        // the integration's `timeZone` names; without it, UTC.
        let start = try ProviderBody.timestamp(fields.string("call_start"), field: "call_start",
                                               localTimeIn: integration.settings.providerTimeZone)
        let duration = try fields.seconds("duration")
        let extensionNumber = fields.string("internal")

        var kind: CallEventKind
        var endReason: String?
        var occurredAt = start
        switch notification {
        case .start, .internalCall, .outStart:
            kind = .ringing
        case .answer:
            kind = .answered
            // NOTIFY_ANSWER carries the call's start (its ringing time) and no answer time: the
            // answer is when the notification arrives.
            occurredAt = receipt(notBefore: start)
        case .end, .outEnd:
            guard let disposition = fields.string("disposition") else { throw WebhookError.missingField("disposition") }
            // "answered" is a finished conversation; busy, cancel, no answer, failed, no money… are not.
            if disposition.lowercased() == "answered" {
                kind = .ended
            } else {
                kind = .missed
                endReason = disposition
            }
            // Every notification carries the call's start; the end is the start plus its length.
            occurredAt = ProviderBody.adding(seconds: duration, to: start)
        }

        let client: String?
        let ours: String?
        if notification.isOutbound {
            // `dst_e164`, when Zadarma adds it, is the dialled number in E.164 (with or without its
            // '+'); `destination` is the number as the extension dialled it, so it may begin with
            // the trunk prefix (Moscow `84951234567` dialled in Russia, where Vietnam is 810 84…).
            // Zadarma's documentation does not list `dst_e164`; client libraries read it (github.com/gravitymir/zadarma).
            let e164 = fields.string("dst_e164").flatMap { $0.hasPrefix("+") ? $0 : InternationalDigits.number($0, region: integration.region) }
            client = e164 ?? InternationalDigits.clientNumberAllowingTrunkPrefix(fields.string("destination"), region: integration.region)
            ours = fields.string("caller_id")
        } else {
            client = InternationalDigits.clientNumber(fields.string("caller_id"), region: integration.region)
            // NOTIFY_ANSWER's `destination` is whoever picked up (often an extension), not our line.
            ours = fields.string("called_did")
        }
        // The recording itself is fetched with Zadarma's API (GET /v1/pbx/record/request/), which needs
        // the account's API key; we keep that request's URL so an operator can follow it.
        var recordingUrl: String?
        if fields.string("is_recorded") == "1", let recorded = fields.string("call_id_with_rec") {
            recordingUrl = "https://api.zadarma.com/v1/pbx/record/request/?call_id=\(recorded)"
        }
        let event = CallEvent(
            kind: kind, callId: callId, direction: notification.isOutbound ? "outbound" : "inbound",
            clientNumber: client, ourNumber: ours, sipLogin: extensionNumber, occurredAt: occurredAt,
            startedAt: start, duration: duration, endReason: endReason, recordingUrl: recordingUrl,
            // One notification of each type per call and extension: a redelivery has the same key.
            eventId: "\(name):\(callId):\(extensionNumber ?? "")")
        // Outgoing calls have no NOTIFY_ANSWER: an answered NOTIFY_OUT_END (or NOTIFY_END) is also the answer.
        // Zadarma gives no talk time to place it by: `duration` is only "length in seconds"
        // (zadarma/user-api-v1, lib/Webhook/NotifyEnd.php), read as the whole call from `call_start`.
        // So the implied answer is at the end itself; the call keeps the earliest answer it hears
        // of, and this one is never earlier than a real NOTIFY_ANSWER.
        return .events(kind == .ended ? ProviderBody.answeredThenEnded(event, answeredAt: occurredAt) : [event])
    }

    /// nil (the time the notification arrives) unless `start` is still ahead of our clock: then
    /// `start`, so a moment we time ourselves is never before the call began. `start` is the
    /// stored `call_start`, already read in the integration's `timeZone`. Without that setting,
    /// an account ahead of UTC would show its calls answered hours before they rang
    /// (webhooks/zadarma.md, "Time zone"); with it, this still covers Zadarma's clock running
    /// a little ahead of ours.
    static func receipt(notBefore start: String?) -> String? {
        guard let start, let began = Timestamp.parse(start), began > Date() else { return nil }
        return start
    }

    /// The call notifications we map, with the fields each one signs.
    enum Notification: String {
        case start = "NOTIFY_START"
        case internalCall = "NOTIFY_INTERNAL"
        case answer = "NOTIFY_ANSWER"
        case end = "NOTIFY_END"
        case outStart = "NOTIFY_OUT_START"
        case outEnd = "NOTIFY_OUT_END"

        /// The fields concatenated (in this order) into the signed string, as Zadarma's own
        /// library builds it (github.com/zadarma/user-api-v1, lib/Webhook/Notify*.php).
        var signedFields: [String] {
            switch self {
            case .start, .internalCall, .end: return ["caller_id", "called_did", "call_start"]
            case .answer: return ["caller_id", "destination", "call_start"]
            case .outStart, .outEnd: return ["internal", "destination", "call_start"]
            }
        }

        var isOutbound: Bool { self == .outStart || self == .outEnd }
    }

    /// Zadarma notifications that are not call moments (recordings ready, IVR digits, SMS,
    /// speech recognition, number lookup results, call tracking sessions, and the end of an
    /// extension's ringing, NOTIFY_INTERNAL_END, which Zadarma sends though its documentation
    /// does not list it): acknowledged, not stored. Zadarma turns off a notification URL that
    /// keeps failing, so none of its own notifications may get an error.
    static let unmappedEvents: Set<String> = [
        "NOTIFY_RECORD", "NOTIFY_IVR", "NOTIFY_INTERNAL_END", "SMS", "NOTIFY_SMS", "SPEECH_RECOGNITION", "NUMBER_LOOKUP",
        "CALL_TRACKING",
    ]

    /// Checks the `Signature` header. Zadarma computes `base64_encode(hash_hmac('sha1', data, secret))`
    /// in PHP, and `hash_hmac` returns lower-case hex unless asked for raw bytes: the header is
    /// Base64 of the 40 hex characters, not of the 20-byte digest.
    static func verifySignature(_ header: String?, data: String, secret: [UInt8]) throws {
        guard let header, !header.isEmpty else { throw WebhookError.badSignature("missing Signature header") }
        guard ProviderBody.matches(header, signature(data: data, secret: secret)) else {
            throw WebhookError.badSignature("Signature does not match: check the Zadarma API secret key")
        }
    }

    /// The signature Zadarma sends for `data`.
    static func signature(data: String, secret: [UInt8]) -> String {
        ProviderBody.base64(Array(Crypto.hmacSHA1(key: secret, data: Array(data.utf8)).hexString.utf8))
    }
}
