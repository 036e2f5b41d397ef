import Foundation
import HTTPServer

/// Our own webhook format: `POST /webhooks/calls/{kind}` with a JSON body (see webhooks/native-*.md).
enum NativeCallFormat {
    /// `zone`: the integration's `timeZone`, where an `occurredAt` without an offset is local;
    /// without one such a time is refused (a PBX's wall clock read as UTC would be off by its offset).
    static func decode(_ body: [UInt8], kind: CallEventKind, localTimeIn zone: TimeZone? = nil) throws -> CallEvent {
        var fields = Fields()
        try WebhookJSON.eachMember(body) { key, member in fields.take(key, member) }
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
            agentId: try WebhookFields.int(fields.agentId?.value, key: "agentId"), sipLogin: try text(fields.sipLogin, "sipLogin"),
            occurredAt: occurredAt, startedAt: startedAt, duration: try WebhookFields.int(fields.duration?.value, key: "duration", roundingUp: true),
            talkTime: try WebhookFields.int(fields.talkTime?.value, key: "talkTime", roundingUp: true), endReason: try text(fields.endReason, "endReason"),
            recordingUrl: try text(fields.recordingUrl, "recordingUrl"), utm: try fields.utm(),
            clientId: try text(fields.clientId, "clientId"), eventId: try text(fields.eventId, "eventId"))
    }

    /// `WebhookFields.text` of a member; text as read is taken as it is, without the casts.
    private static func text(_ member: Kept?, _ key: String) throws -> String? {
        switch member {
        case nil: return nil
        case .text(let text)?: return text.isEmpty ? nil : text   // "" is absent, as in `WebhookFields.text`
        case .other(let boxed)?: return try WebhookFields.text(boxed.value, key: key)
        }
    }

    /// A time member: ISO 8601 with an offset or Unix seconds, normalized to RFC 3339 UTC.
    private static func time(_ value: Kept?, key: String, localTimeIn zone: TimeZone?) throws -> String? {
        guard let raw = try text(value, key) else { return nil }
        // The common form (`…Z`) states its offset: normalized once, without asking whether it is a wall clock.
        if let canonical = Timestamp.canonicalUTC(raw) { return canonical }
        guard let normalized = Timestamp.normalize(raw, localTimeIn: zone), zone != nil || !Timestamp.isWallClock(raw) else {
            throw WebhookError.invalidField(key, "expected ISO 8601 with an offset or Unix seconds (a time without "
                + "an offset only when the integration's timeZone says where it is), got \(raw)")
        }
        return normalized
    }

    /// A member as `Fields` keeps it. `WebhookJSONParser.Member` holds an `Any`, which makes it
    /// address-only: every read of one back (a dozen a webhook, most of absent members) was an
    /// outlined copy of the whole enum. This one is loadable: a read is a retain at most.
    private enum Kept {
        case text(String)
        /// Anything but a string, boxed (a number, a boolean, null, an object or an array).
        case other(Boxed)

        init(_ member: WebhookJSONParser.Member) {
            switch member {
            case .text(let text): self = .text(text)
            case .other(let value): self = .other(Boxed(value))
            }
        }

        /// The value as `WebhookJSONParser.Member.value` gives it.
        var value: Any {
            switch self {
            case .text(let text): return text
            case .other(let boxed): return boxed.value
            }
        }
    }

    /// A member's value other than a string, held by reference for `Kept`.
    private final class Boxed {
        let value: Any

        init(_ value: Any) { self.value = value }
    }

    /// The body's members this format reads, picked out as the parser reads them (every webhook
    /// goes through here; a dictionary of the whole body and a hashed lookup per field, or an
    /// array of the members, cost more). A repeated key keeps its last value, as the dictionary did.
    private struct Fields {
        var callId, callIdSnake, direction, clientNumber, ourNumber, agentId, sipLogin, occurredAt, startedAt: Kept?
        var duration, talkTime, endReason, recordingUrl, clientId, eventId: Kept?
        var utmObject: Any?
        var utmTags: [String: Any] = [:]

        /// Keeps `member` when `key` is one of this format's members.
        mutating func take(_ key: String, _ member: WebhookJSONParser.Member) {
            switch key {
            case "callId": callId = Kept(member)
            case "call_id": callIdSnake = Kept(member)
            case "direction": direction = Kept(member)
            case "clientNumber": clientNumber = Kept(member)
            case "ourNumber": ourNumber = Kept(member)
            case "agentId": agentId = Kept(member)
            case "sipLogin": sipLogin = Kept(member)
            case "occurredAt": occurredAt = Kept(member)
            case "startedAt": startedAt = Kept(member)
            case "duration": duration = Kept(member)
            case "talkTime": talkTime = Kept(member)
            case "endReason": endReason = Kept(member)
            case "recordingUrl": recordingUrl = Kept(member)
            case "clientId": clientId = Kept(member)
            case "eventId": eventId = Kept(member)
            case "utm": utmObject = member.value
            default: if key.hasPrefix("utm_") { utmTags[key] = member.value }
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
                _ = try WebhookFields.text(utmTags[key], key: key)
                _ = try WebhookFields.text(nested[key], key: "utm." + key)
                _ = try WebhookFields.text(nested[short], key: "utm." + short)
            }
            return WebhookFields.utm(topLevel: { utmTags[$0] }, nested: utmObject)
        }
    }
}
