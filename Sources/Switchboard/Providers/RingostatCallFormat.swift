import Foundation
import HTTPServer

/// Ringostat call webhooks (https://help.ringostat.com/en/articles/6313229): the operator
/// creates one webhook per call moment in Ringostat's cabinet and points each at
/// `/webhooks/ringostat/{secret}/{kind}`, so the moment comes from the URL. The body is JSON
/// or a form, with the parameters the operator picked, in the classic or the Webhooks 2.0
/// spelling. Ringostat does not sign and never retries. See webhooks/ringostat.md.
enum RingostatCallFormat: CallProviderFormat {
    /// Maps one Ringostat webhook (the moment comes from the URL) onto call moments.
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        guard let kind else { throw WebhookError.missingField("kind (the last path segment: ringing, answered, ended or missed)") }
        let fields = RingostatFields(try ProviderBody.jsonOrForm(request))
        guard let callId = fields.string("call_id", "uniqueid", "cdr_id") else { throw WebhookError.missingField("call_id") }

        // Outgoing-call webhooks name our employee as the caller and the client as the callee.
        let isOutbound = fields.string("call_type", "direction").map { $0.lowercased().hasPrefix("out") } ?? false
        let caller = fields.string("caller", "caller_number", "src")
        let callee = fields.string("callee", "dst", "called_number")

        let talkTime = try fields.int("billsec", "dialog")
        let duration = try fields.int("duration")

        // After a call Ringostat reports how it went (ANSWERED, NO ANSWER, BUSY, FAILED…); a call
        // that ended without a conversation is missed. Without a status, zero talk time says so.
        let status = fields.string("status", "disposition", "call_status")
        var event = kind
        var endReason: String?
        if kind == .ended || kind == .missed {
            if let status, status.lowercased() != "answered" {
                event = .missed
                endReason = status
            } else if status == nil, talkTime == 0 {
                event = .missed
                endReason = "NO ANSWER"
            }
        }
        // `calldate` is when the call began: the answer came after the ringing part of the
        // duration (duration − talk time), the end after all of it.
        let start = try ProviderBody.timestamp(fields.string("calldate", "call_date"), field: "calldate")
        let answeredAt = talkTime.flatMap { talk in duration.map { $0 - talk } }.map { ProviderBody.adding(seconds: $0, to: start) } ?? start
        let occurredAt: String?
        switch event {
        case .ringing: occurredAt = start
        case .answered: occurredAt = answeredAt
        case .ended, .missed: occurredAt = ProviderBody.adding(seconds: duration, to: start)
        }
        let decoded = CallEvent(
            kind: event, callId: callId, direction: isOutbound ? "outbound" : "inbound",
            clientNumber: isOutbound ? callee : caller, ourNumber: isOutbound ? caller : callee,
            sipLogin: fields.string("employee_sip", "manager_sip", "sip"), occurredAt: occurredAt,
            duration: duration, talkTime: talkTime, endReason: endReason,
            recordingUrl: fields.string("recording", "record_url", "recording_url"), utm: fields.utm(),
            // One webhook per moment and call: a repeat (or an operator's re-post) is a duplicate.
            eventId: "\(event.rawValue):\(callId)")
        guard event == .ended else { return .events([decoded]) }
        // The after-call webhook is often the only one configured: it also says when the call was answered.
        return .events(ProviderBody.answeredThenEnded(decoded, answeredAt: answeredAt))
    }
}

/// Field lookup over a Ringostat body: the first present of several spellings, at the top
/// level or one object down (2.0 payloads group call data, e.g. `additional_call_data`).
struct RingostatFields {
    let top: WebhookFields
    let nested: [WebhookFields]

    init(_ values: [String: Any]) {
        top = WebhookFields(values)
        nested = values.keys.sorted().compactMap { (values[$0] as? [String: Any]).map(WebhookFields.init) }
    }

    /// The first of `keys` that holds a value.
    func string(_ keys: String...) -> String? {
        for layer in [top] + nested {
            for key in keys { if let value = layer.string(key) { return value } }
        }
        return nil
    }

    /// The first of `keys` that holds a number; 422 when it holds something else.
    func int(_ keys: String...) throws -> Int? {
        for layer in [top] + nested {
            for key in keys { if let value = try layer.int(key) { return value } }
        }
        return nil
    }

    /// UTM tags from the top level, else from the first nested object that has any.
    func utm() -> [String: String] {
        for layer in [top] + nested {
            let tags = layer.utm()
            if !tags.isEmpty { return tags }
        }
        return [:]
    }
}
