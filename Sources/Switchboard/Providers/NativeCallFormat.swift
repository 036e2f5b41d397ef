import Foundation
import HTTPServer

/// Our own webhook format: `POST /webhooks/calls/{kind}` with a JSON body (see webhooks/native-*.md).
enum NativeCallFormat {
    static func decode(_ body: [UInt8], kind: CallEventKind) throws -> CallEvent {
        let object = try WebhookJSON.object(body)
        let fields = WebhookFields(object)
        guard let callId = fields.string("callId") ?? fields.string("call_id") else {
            throw WebhookError.missingField("callId")
        }
        let direction = fields.string("direction")?.lowercased() ?? "inbound"
        guard direction == "inbound" || direction == "outbound" else {
            throw WebhookError.invalidField("direction", "must be inbound or outbound")
        }
        var occurredAt: String?
        if let raw = fields.string("occurredAt") {
            guard let normalized = Timestamp.normalize(raw) else {
                throw WebhookError.invalidField("occurredAt", "expected ISO 8601 with an offset or Unix seconds, got \(raw)")
            }
            occurredAt = normalized
        }
        return CallEvent(
            kind: kind, callId: callId, direction: direction,
            clientNumber: fields.string("clientNumber"), ourNumber: fields.string("ourNumber"),
            agentId: try fields.int("agentId"), sipLogin: fields.string("sipLogin"), occurredAt: occurredAt,
            duration: try fields.int("duration"), talkTime: try fields.int("talkTime"), endReason: fields.string("endReason"),
            recordingUrl: fields.string("recordingUrl"), utm: fields.utm(), clientId: fields.string("clientId"),
            eventId: fields.string("eventId"))
    }
}
