import Foundation
@testable import Switchboard
import XCTest

/// The native format reads the body's members in one pass; it must decode every body
/// exactly as reading the parsed dictionary field by field does (the reference below),
/// including refusals and their messages, repeated keys, numbers for strings and UTM tags.
final class NativeCallFormatTests: XCTestCase {
    private var random = SeededRandom(seed: 20261124)

    func testDecodesLikeTheDictionaryReader() throws {
        var decoded = 0
        for _ in 0..<5000 {
            let body = Array(bodyText().utf8)
            let ours = Result { try NativeCallFormat.decode(body, kind: .ringing) }
            let reference = Result { try referenceDecode(body, kind: .ringing) }
            switch (ours, reference) {
            case (.success(let a), .success(let b)):
                XCTAssertEqual(a, b, String(decoding: body, as: UTF8.self))
                decoded += 1
            case (.failure(let a as WebhookError), .failure(let b as WebhookError)):
                XCTAssertEqual(a.message, b.message, String(decoding: body, as: UTF8.self))
                XCTAssertEqual(a.status, b.status)
            default:
                XCTFail("different outcomes for \(String(decoding: body, as: UTF8.self)): \(ours) vs \(reference)")
            }
        }
        XCTAssertGreaterThan(decoded, 1500, "plenty of bodies must decode")
    }

    /// The decoder as it was before the one-pass reader: the whole object, then a lookup per field
    /// (text fields of another type refused, in the order the fields are read).
    private func referenceDecode(_ body: [UInt8], kind: CallEventKind) throws -> CallEvent {
        let object = try WebhookJSON.object(body)
        let fields = WebhookFields(object)
        func text(_ key: String) throws -> String? { try WebhookFields.text(object[key], key: key) }
        guard let callId = try text("callId") ?? text("call_id") else { throw WebhookError.missingField("callId") }
        let direction = try text("direction")?.lowercased()
        guard direction == nil || direction == "inbound" || direction == "outbound" else {
            throw WebhookError.invalidField("direction", "must be inbound or outbound")
        }
        func time(_ key: String) throws -> String? {
            guard let raw = try text(key) else { return nil }
            guard let normalized = Timestamp.normalize(raw), !Timestamp.isWallClock(raw) else {
                throw WebhookError.invalidField(key, "expected ISO 8601 with an offset or Unix seconds (a time without "
                    + "an offset only when the integration's timeZone says where it is), got \(raw)")
            }
            return normalized
        }
        let occurredAt = try time("occurredAt"), startedAt = try time("startedAt")
        let clientNumber = try text("clientNumber"), ourNumber = try text("ourNumber"), agentId = try fields.int("agentId")
        let sipLogin = try text("sipLogin"), duration = try fields.seconds("duration"), talkTime = try fields.seconds("talkTime")
        let endReason = try text("endReason"), recordingUrl = try text("recordingUrl")
        if let utm = object["utm"], !(utm is NSNull), !(utm is [String: Any]), (utm as? String)?.trimmedSpaces.isEmpty != true {
            throw WebhookError.invalidField("utm", "expected an object of UTM tags")
        }
        let nested = object["utm"] as? [String: Any] ?? [:]
        for key in CallEvent.utmKeys {
            let short = String(key.dropFirst(4))
            _ = try text(key)
            _ = try WebhookFields.text(nested[key], key: "utm." + key)
            _ = try WebhookFields.text(nested[short], key: "utm." + short)
        }
        return CallEvent(
            kind: kind, callId: callId, direction: direction, clientNumber: clientNumber, ourNumber: ourNumber, agentId: agentId,
            sipLogin: sipLogin, occurredAt: occurredAt, startedAt: startedAt, duration: duration, talkTime: talkTime,
            endReason: endReason, recordingUrl: recordingUrl, utm: fields.utm(),
            clientId: try text("clientId"), eventId: try text("eventId"))
    }

    // MARK: - Generator: native-looking bodies with wrong types, repeats and noise

    private func bodyText() -> String {
        switch random.next(40) {
        case 0: return ""
        case 1: return "[1,2]"
        case 2: return #""callId""#
        case 3: return #"{"callId":"x","#
        default: break
        }
        let keys = ["callId", "call_id", "direction", "clientNumber", "ourNumber", "agentId", "sipLogin", "occurredAt", "startedAt", "duration",
                    "talkTime", "endReason", "recordingUrl", "clientId", "eventId", "utm", "utm_source", "utm_medium", "utm_campaign",
                    "utm_term", "utm_content", "utm_other", "other", "CallId"]
        var members: [String] = []
        if random.next(10) > 0 { members.append(#""callId":"c-\#(random.next(1000))""#) }
        for _ in 0..<random.next(9) {
            let key = keys[random.next(keys.count)]
            members.append("\"\(key)\":\(value(for: key))")
        }
        members.shuffle(using: &random)
        return "{" + members.joined(separator: ",") + "}"
    }

    private func value(for key: String) -> String {
        switch random.next(8) {
        case 0: return "null"
        case 1: return ["1", "0", "-3", "2.5", "1e3", "123456"][random.next(6)]
        case 2: return ["true", "false"][random.next(2)]
        case 3: return #""""#
        case 4: return ["{}", #"{"source":"g","utm_medium":"cpc","term":3}"#, #"{"utm_source":"","source":"fb"}"#, "[]", #"["a"]"#][random.next(5)]
        default: break
        }
        switch key {
        case "direction": return ["\"inbound\"", "\"OUTBOUND\"", "\"sideways\""][random.next(3)]
        case "occurredAt", "startedAt": return ["\"2026-11-23T10:00:00Z\"", "\"2026-11-23T12:00:00+02:00\"", "\"1795000000\"", "\"yesterday\"",
                                     "\"2026-11-23 12:00:00\""][random.next(5)]
        case "agentId", "duration", "talkTime": return ["\"7\"", "\"7.9\"", "\"seven\"", "12"][random.next(4)]
        case "clientNumber": return ["\"+40722123456\"", "\"0722 123 456\"", "\"\\u002b40722000000\""][random.next(3)]
        default: return ["\"a\"", "\"x y\"", "\"\\u00e9\"", "\"g\""][random.next(4)]
        }
    }
}

extension SeededRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 { UInt64(bitPattern: Int64(next(Int.max))) }
}
