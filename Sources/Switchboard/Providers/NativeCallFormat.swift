import Foundation
import HTTPServer

/// Our own webhook format: `POST /webhooks/calls/{kind}` with a JSON body (see webhooks/native-*.md).
enum NativeCallFormat {
    /// `zone`: the integration's `timeZone`, where an `occurredAt` without an offset is local;
    /// without one such a time is refused (a PBX's wall clock read as UTC would be off by its offset).
    static func decode(_ body: [UInt8], kind: CallEventKind, localTimeIn zone: TimeZone? = nil) throws -> CallEvent {
        let fields = try Fields(WebhookJSON.members(body))
        guard let callId = try text(fields.callId, "callId") ?? text(fields.callIdSnake, "call_id"),
              !callId.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else {
            throw WebhookError.missingField("callId")
        }
        // Absent: not stated (the call is taken as inbound until a moment states otherwise).
        let direction = try text(fields.direction, "direction")?.lowercased()
        guard direction == nil || direction == "inbound" || direction == "outbound" else {
            throw WebhookError.invalidField("direction", "must be inbound or outbound")
        }
        let occurredAt = try time(fields.occurredAt, key: "occurredAt", localTimeIn: zone)
        let startedAt = try time(fields.startedAt, key: "startedAt", localTimeIn: zone)
        return CallEvent(
            kind: kind, callId: callId, direction: direction,
            clientNumber: try text(fields.clientNumber, "clientNumber"), ourNumber: try text(fields.ourNumber, "ourNumber"),
            agentId: try WebhookFields.int(fields.agentId, key: "agentId"), sipLogin: try text(fields.sipLogin, "sipLogin"),
            occurredAt: occurredAt, startedAt: startedAt, duration: try WebhookFields.int(fields.duration, key: "duration", roundingUp: true),
            talkTime: try WebhookFields.int(fields.talkTime, key: "talkTime", roundingUp: true), endReason: try text(fields.endReason, "endReason"),
            recordingUrl: try text(fields.recordingUrl, "recordingUrl"), utm: try fields.utm(),
            clientId: try text(fields.clientId, "clientId"), eventId: try text(fields.eventId, "eventId"))
    }

    private static func text(_ value: Any?, _ key: String) throws -> String? { try WebhookFields.text(value, key: key) }

    /// A time member: ISO 8601 with an offset or Unix seconds, normalized to RFC 3339 UTC.
    private static func time(_ value: Any?, key: String, localTimeIn zone: TimeZone?) throws -> String? {
        guard let raw = try text(value, key) else { return nil }
        guard let normalized = Timestamp.normalize(raw, localTimeIn: zone), zone != nil || !Timestamp.isWallClock(raw) else {
            throw WebhookError.invalidField(key, "expected ISO 8601 with an offset or Unix seconds (a time without "
                + "an offset only when the integration's timeZone says where it is), got \(raw)")
        }
        return normalized
    }

    /// The body's members this format reads, picked out in one pass (every webhook goes
    /// through here; a dictionary of the whole body and a hashed lookup per field cost more).
    /// A repeated key keeps its last value, as the dictionary did.
    private struct Fields {
        var callId, callIdSnake, direction, clientNumber, ourNumber, agentId, sipLogin, occurredAt, startedAt: Any?
        var duration, talkTime, endReason, recordingUrl, clientId, eventId, utmObject: Any?
        var utmTags: [String: Any] = [:]

        init(_ members: [(key: String, value: Any)]) {
            for (key, value) in members {
                switch key {
                case "callId": callId = value
                case "call_id": callIdSnake = value
                case "direction": direction = value
                case "clientNumber": clientNumber = value
                case "ourNumber": ourNumber = value
                case "agentId": agentId = value
                case "sipLogin": sipLogin = value
                case "occurredAt": occurredAt = value
                case "startedAt": startedAt = value
                case "duration": duration = value
                case "talkTime": talkTime = value
                case "endReason": endReason = value
                case "recordingUrl": recordingUrl = value
                case "clientId": clientId = value
                case "eventId": eventId = value
                case "utm": utmObject = value
                default: if key.hasPrefix("utm_") { utmTags[key] = value }
                }
            }
        }

        /// The tags: `utm` must be an object, and each of the five tags (`utm_source`, or
        /// `source` in `utm`) text; anything else is 422 naming it, in that order.
        func utm() throws -> [String: String] {
            if utmObject == nil, utmTags.isEmpty { return [:] }
            let nested: [String: Any]
            switch utmObject {
            case nil, is NSNull: nested = [:]
            case let text as String where text.trimmedSpaces.isEmpty: nested = [:]   // absent, as a blank value is everywhere else
            case let object as [String: Any]: nested = object
            default: throw WebhookError.invalidField("utm", "expected an object of UTM tags")
            }
            for key in CallEvent.utmKeys {
                let short = String(key.dropFirst(4))
                _ = try text(utmTags[key], key)
                _ = try text(nested[key], "utm." + key)
                _ = try text(nested[short], "utm." + short)
            }
            return WebhookFields.utm(topLevel: { utmTags[$0] }, nested: utmObject)
        }
    }
}
