import Foundation
import HTTPServer

/// Aircall webhooks (https://developer.aircall.io/api-references/#webhooks): one URL gets every
/// subscribed event as JSON `{resource, event, timestamp, token, data}`, authenticated by the
/// webhook's `token` in the body (no signature header). See webhooks/aircall.md.
enum AircallCallFormat: CallProviderFormat {
    /// Checks the body's token, then maps one Aircall event onto call moments (or ignores it).
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        if let type = request.header("content-type")?.lowercased(), !ProviderBody.mediaType(type).contains("json") {
            throw WebhookError.unsupportedMediaType("expected application/json, got \(type)")
        }
        let object = try WebhookJSON.object(request.body)
        let envelope = WebhookFields(object)
        let expected = try ProviderBody.signingKey(integration, what: "the Aircall webhook token")
        guard let token = envelope.string("token") else { throw WebhookError.badSignature("missing token") }
        guard Crypto.constantTimeEquals(Array(token.utf8), expected) else {
            throw WebhookError.badSignature("token does not match this integration's Aircall webhook token")
        }

        guard let event = envelope.string("event") else { throw WebhookError.missingField("event") }
        // One Aircall webhook carries every resource it is subscribed to (users, numbers,
        // contacts, messages…) and Aircall disables a webhook that keeps failing, so events
        // that are not call moments are acknowledged and not stored rather than refused.
        let kind: CallEventKind
        switch event {
        case "call.created", "call.ringing_on_agent": kind = .ringing
        case "call.answered": kind = .answered
        // A voicemail is left after the call ended (call.ended may come without it): that event
        // carries the call as call.ended does, now with `voicemail`.
        case "call.ended", "call.voicemail_left": kind = .ended
        default: return .ignored("Aircall \(event) is not a call moment")
        }
        guard let data = object["data"] as? [String: Any] else { throw WebhookError.missingField("data") }
        let call = WebhookFields(data)
        guard let callId = call.string("id") else { throw WebhookError.missingField("data.id") }

        let startedAt = try ProviderBody.timestamp(call.string("started_at"), field: "data.started_at")
        let answeredAt = try ProviderBody.timestamp(call.string("answered_at"), field: "data.answered_at")
        let endedAt = try ProviderBody.timestamp(call.string("ended_at"), field: "data.ended_at")
        let sentAt = try ProviderBody.timestamp(envelope.string("timestamp"), field: "timestamp")

        var moment = kind
        var endReason: String?
        var occurredAt: String?
        switch kind {
        case .ringing:
            occurredAt = startedAt ?? sentAt
        case .answered:
            occurredAt = answeredAt ?? sentAt
        case .ended, .missed:
            // call.ended with no answered_at: nobody took the call (missed_call_reason says why:
            // out_of_opening_hours, no_available_agent, agents_did_not_answer, short_abandoned…).
            if answeredAt == nil {
                moment = .missed
                endReason = call.string("missed_call_reason") ?? "not answered"
            }
            occurredAt = endedAt ?? sentAt
        }
        var talkTime: Int?
        if let answered = answeredAt.flatMap(Timestamp.parse), let ended = endedAt.flatMap(Timestamp.parse), moment == .ended {
            talkTime = max(0, Int(ended.timeIntervalSince(answered).rounded()))
        }

        let number = data["number"] as? [String: Any]
        let user = (data["user"] as? [String: Any]).map(WebhookFields.init)
        let direction = call.string("direction")?.lowercased() == "outbound" ? "outbound" : "inbound"
        let decoded = CallEvent(
            kind: moment, callId: callId, direction: direction,
            // raw_digits is the other party on both directions: who called us, or whom we called.
            clientNumber: call.string("raw_digits"),
            ourNumber: number.flatMap { WebhookFields($0).string("digits") },
            // Agents are matched by login: an agent's SIP logins may include their Aircall email.
            sipLogin: user?.string("email") ?? user?.string("id"),
            occurredAt: occurredAt, startedAt: startedAt, duration: try call.seconds("duration"), talkTime: talkTime, endReason: endReason,
            // A missed call's voicemail is its recording: what the client said, to call back about.
            recordingUrl: call.string("recording") ?? call.string("voicemail"),
            // Aircall redelivers an event with the same timestamp, so the three name it; a ring
            // group rings several agents in the same second, one `call.ringing_on_agent` each,
            // so that event is told apart by its agent too.
            eventId: event == "call.ringing_on_agent"
                ? "\(event):\(callId):\(envelope.string("timestamp") ?? ""):\(user?.string("id") ?? user?.string("email") ?? "")"
                : "\(event):\(callId):\(envelope.string("timestamp") ?? "")")
        return .events(moment == .ended ? ProviderBody.answeredThenEnded(decoded, answeredAt: answeredAt) : [decoded])
    }
}
