import Telemetry

extension WhatsAppInbound {
    /// The stored payload of `DomainEvent.whatsappInbound(self)`, written by hand (every inbound
    /// message is encoded, and JSONEncoder is slow on Linux). Same bytes as the sorted-keys
    /// encoder and the same Codable decoding (`DomainEventTests` checks both).
    var domainEventJSON: String {
        var out = Array(#"{"message":{"channelId":"#.utf8)
        JSONLine.appendInt(channelId, to: &out)
        func string(_ name: String, _ value: String?, to out: inout [UInt8]) {
            guard let value else { return }
            out.append(44)
            JSONLine.appendString(name, to: &out)
            out.append(58)
            JSONLine.appendString(value, to: &out)
        }
        string("details", details, to: &out)
        string("from", from, to: &out)
        out += Array(#","media":["#.utf8)
        for (index, ref) in media.enumerated() {
            if index > 0 { out.append(44) }
            out.append(123)
            var first = true
            for (name, value) in [("filename", ref.filename), ("id", Optional(ref.id)), ("mimeType", ref.mimeType), ("sha256", ref.sha256)] {
                guard let value else { continue }
                if !first { out.append(44) }
                first = false
                JSONLine.appendString(name, to: &out)
                out.append(58)
                JSONLine.appendString(value, to: &out)
            }
            out.append(125)
        }
        out.append(93)
        string("messageId", messageId, to: &out)
        string("newNumber", newNumber, to: &out)
        string("profileName", profileName, to: &out)
        string("referral", referral, to: &out)
        if let rules { out += Array(#","rules":"#.utf8) + Array(JSONText.string(rules).utf8) }
        string("skipReason", skipReason, to: &out)
        string("text", text, to: &out)
        string("timestamp", timestamp, to: &out)
        string("type", type, to: &out)
        string("userId", userId, to: &out)
        out += Array(#"},"type":"whatsapp.inbound"}"#.utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
