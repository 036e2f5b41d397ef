extension CallEvent {
    /// The stored payload of `DomainEvent.call(self)`, written by hand because it is encoded
    /// for every webhook and JSONEncoder is slow on Linux. It decodes with the same Codable
    /// code as everything else (`DomainEventTests` checks the round trip).
    var domainEventJSON: String {
        var w = JSONObjectWriter(capacity: 384)
        w.object("call") { c in
            c.int("agentId", agentId)
            c.string("callId", callId)
            c.string("clientId", clientId)
            c.string("clientNumber", clientNumber)
            c.string("direction", direction)
            c.int("duration", duration)
            c.string("endReason", endReason)
            c.string("eventId", eventId)
            c.string("kind", kind.rawValue)
            c.string("occurredAt", occurredAt)
            c.string("ourNumber", ourNumber)
            c.string("recordingUrl", recordingUrl)
            c.string("sipLogin", sipLogin)
            c.string("startedAt", startedAt)
            c.int("talkTime", talkTime)
            c.strings("utm", utm)
        }
        w.string("type", "call")
        return String(decoding: w.finish(), as: UTF8.self)
    }
}
