import Telemetry

extension CallEvent {
    /// The stored payload of `DomainEvent.call(self)`, written by hand because it is encoded
    /// for every webhook and JSONEncoder is slow on Linux. It decodes with the same Codable
    /// code as everything else (`DomainEventTests` checks the round trip).
    var domainEventJSON: String {
        var out = Array(#"{"call":{"#.utf8)
        var first = true
        func key(_ name: String) {
            if !first { out.append(44) }
            first = false
            JSONLine.appendString(name, to: &out)
            out.append(58)
        }
        func string(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            JSONLine.appendString(value, to: &out)
        }
        func int(_ name: String, _ value: Int?) {
            guard let value else { return }
            key(name)
            out += Array(String(value).utf8)
        }
        int("agentId", agentId)
        string("callId", callId)
        string("clientId", clientId)
        string("clientNumber", clientNumber)
        string("direction", direction)
        int("duration", duration)
        string("endReason", endReason)
        string("eventId", eventId)
        string("kind", kind.rawValue)
        string("occurredAt", occurredAt)
        string("ourNumber", ourNumber)
        string("recordingUrl", recordingUrl)
        string("sipLogin", sipLogin)
        int("talkTime", talkTime)
        key("utm")
        JSONText.appendStringMap(utm, to: &out)
        out += Array(#"},"type":"call"}"#.utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
