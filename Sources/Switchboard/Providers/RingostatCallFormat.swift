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
        // The operator may pick GET, or "parameters in the address line", for a webhook, and adds
        // static parameters to the URL: the call's parameters are the URL's query and the body's,
        // the body's winning where both have one.
        var values: [String: Any] = request.queryParameters
        if !request.body.isEmpty || values.isEmpty {
            values.merge(try ProviderBody.jsonOrForm(request)) { _, body in body }
        }
        let fields = RingostatFields(values)
        guard let callId = fields.string("call_id", "uniqueid", "cdr_id") else { throw WebhookError.missingField("call_id") }

        // Outgoing-call webhooks name our employee as the caller and the client as the callee.
        let direction = try statedDirection(fields, query: request.queryParameters)
        let isOutbound = direction == "outbound"
        // Numbers come in international format without the '+' (`380671112233`), or as dialled
        // at home (`0722…`, Russia's `8495…`).
        let callerAsSent = fields.string("caller", "caller_number", "src")
        let caller = InternationalDigits.clientNumberAllowingTrunkPrefix(callerAsSent, region: integration.region)
        let callee = InternationalDigits.clientNumberAllowingTrunkPrefix(fields.string("callee", "dst", "called_number"), region: integration.region)

        // An outgoing call's caller is the employee: their SIP login (`bob`) or extension (`101`),
        // which then names the agent, not one of our lines. A phone number (`380441234567`, a
        // national one in a region that cannot read it) stays our number.
        let employeeCaller = isOutbound ? callerAsSent.flatMap { Self.isLogin($0) ? $0 : nil } : nil

        let talkTime = try fields.seconds("billsec", "dialog")
        let duration = try fields.seconds("duration")
        let waitTime = try fields.seconds("waittime", "wait_time")

        // After a call Ringostat reports how it went: ANSWERED, PROPER (a target call) and
        // REPEATED (a repeat of a target call) were all talked through; NO ANSWER, BUSY, FAILED,
        // VOICEMAIL… were not. Talk time says so too, whatever the status. With neither, the
        // webhook says only that the call ended: no answer is made up for it.
        let status = fields.string("status", "disposition", "call_status")
        let talked = (talkTime ?? 0) > 0 || status.map(isAnsweredStatus) == true
        var event = kind
        var endReason: String?
        var answeredToo = false
        switch kind {
        case .ended:
            if talked {
                answeredToo = true
            } else if let status {
                event = .missed
                endReason = status
            } else if talkTime == 0 {
                event = .missed
                endReason = "NO ANSWER"
            }
        case .missed:
            endReason = status.flatMap { isAnsweredStatus($0) ? nil : $0 } ?? (talkTime == 0 ? "NO ANSWER" : nil)
        case .ringing, .answered:
            break
        }

        // `calldate` is when the call began. The answer came after the wait (`waittime`), which
        // is also the duration less the talk time; the end came after the whole duration. When
        // a moment's time cannot be worked out it is nil, the time we received the webhook
        // (Ringostat sends each one as its moment happens): never the bare start, which as the
        // earliest answer would win every merge. Ringostat writes `calldate` without an offset,
        // in the project's time zone (usually Europe/Kyiv): the integration's `timeZone` says
        // which, else it is read as UTC.
        let start = try ProviderBody.timestamp(fields.string("calldate", "call_date"), field: "calldate",
                                               localTimeIn: integration.settings.providerTimeZone)
        let end = start.flatMap { start in duration.flatMap { ProviderBody.adding(seconds: $0, to: start) } }
        let answeredAt = start.flatMap { start -> String? in
            if let waitTime, waitTime >= 0 { return ProviderBody.adding(seconds: waitTime, to: start) }
            if let talkTime, let duration, duration >= talkTime { return ProviderBody.adding(seconds: duration - talkTime, to: start) }
            return nil
        }
        let occurredAt: String?
        switch event {
        case .ringing: occurredAt = start
        case .answered: occurredAt = answeredAt
        case .ended: occurredAt = end
        // A missed call without a duration is dated when the client called.
        case .missed: occurredAt = end ?? start
        }
        let decoded = CallEvent(
            kind: event, callId: callId, direction: direction,
            clientNumber: isOutbound ? callee : caller, ourNumber: isOutbound ? (employeeCaller == nil ? caller : nil) : callee,
            sipLogin: fields.string("employee_sip", "manager_sip", "sip", "connected_with") ?? employeeCaller, occurredAt: occurredAt,
            startedAt: start, duration: duration, talkTime: talkTime, endReason: endReason,
            recordingUrl: fields.string("recording", "record_url", "recording_url"), utm: fields.utm(),
            // One webhook per moment and call: a repeat (or an operator's re-post) is a duplicate.
            eventId: "\(event.rawValue):\(callId)")
        guard answeredToo else { return .events([decoded]) }
        // The after-call webhook is often the only one configured: it also says the call was
        // answered, at the answer time worked out above, else no later than the end.
        return .events(ProviderBody.answeredThenEnded(decoded, answeredAt: answeredAt))
    }

    /// Whether `caller` names an employee rather than a line: it has letters (`bob`,
    /// `sip:bob@…`), or is a short extension (under seven digits, shorter than any phone number
    /// with its area code).
    static func isLogin(_ caller: String) -> Bool {
        let digits = caller.filter(\.isNumber).count
        let other = caller.filter { !$0.isNumber && !" +-()".contains($0) }
        return !other.isEmpty || digits < 7
    }

    /// Ringostat's statuses of a call that was talked through (its call log: "Answered", "Proper"
    /// — a target call — and "Repeat call"), in any case.
    static func isAnsweredStatus(_ status: String) -> Bool {
        switch status.lowercased() {
        case "answered", "proper", "repeated", "repeat call", "repeat": return true
        default: return false
        }
    }

    /// The call's direction as the webhook states it, or nil. Ringostat's incoming and outgoing
    /// calls are separate events with their own webhooks, so the operator knows the direction
    /// when configuring each: the call type parameter named `call_type` (or `direction`) in the
    /// body, or a static `?call_type=in` / `?call_type=out` in the webhook's URL. Without it the
    /// call is taken as incoming (the caller is the client) until a webhook of the same call
    /// states otherwise. It is not refused: Ringostat never redelivers, so a refusal loses the
    /// call. (A call whose first webhook lacks it keeps the numbers read as incoming, hence the
    /// docs ask for `call_type=out` on every outgoing-call webhook.)
    static func statedDirection(_ fields: RingostatFields, query: [String: String]) throws -> String? {
        guard let given = fields.string("call_type", "direction") ?? WebhookFields.string(query["call_type"] ?? query["direction"]) else {
            return nil
        }
        switch given.lowercased() {
        case "out", "outbound", "outgoing": return "outbound"
        // A callback is an incoming call in Ringostat's own terms.
        case "in", "inbound", "incoming", "callback": return "inbound"
        default: throw WebhookError.invalidField("call_type", "expected in, out or callback (or inbound, incoming, outbound, outgoing), got \(given)")
        }
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
    func seconds(_ keys: String...) throws -> Int? {
        for layer in [top] + nested {
            for key in keys { if let value = try layer.seconds(key) { return value } }
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
