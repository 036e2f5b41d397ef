import Telemetry

/// Writes one JSON object by hand, keys in the order given (callers give them sorted, so
/// the bytes match JSONEncoder with `.sortedKeys`); nil values are left out, as the
/// synthesized Codable conformances do. For payloads on hot paths only.
struct JSONObjectWriter {
    private(set) var bytes: [UInt8]
    private var isFirst = true

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(123)
    }

    /// Keys are identifiers written in the code: copied without an escaping pass.
    private mutating func key(_ name: StaticString) {
        if !isFirst { bytes.append(44) }
        isFirst = false
        bytes.append(34)
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(34)
        bytes.append(58)
    }

    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONLine.appendString(value, to: &bytes)
    }

    mutating func int(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        JSONLine.appendInt(value, to: &bytes)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An already encoded JSON value.
    mutating func raw(_ name: StaticString, _ json: [UInt8]?) {
        guard let json else { return }
        key(name)
        bytes += json
    }

    /// A string-to-string object, keys sorted.
    mutating func strings(_ name: StaticString, _ values: [String: String]) {
        key(name)
        JSONText.appendStringMap(values, to: &bytes)
    }

    /// `"links":{"contact":…,"createDeal":…,"timeline":…}` of a screen-pop's contact (keys sorted).
    mutating func contactLinks(_ id: Int) {
        key("links")
        bytes.append(contentsOf: #"{"contact":"/api/v1/contacts/"#.utf8)
        JSONLine.appendInt(id, to: &bytes)
        bytes.append(contentsOf: #"","createDeal":"/api/v1/contacts/"#.utf8)
        JSONLine.appendInt(id, to: &bytes)
        bytes.append(contentsOf: #"/deals","timeline":"/api/v1/contacts/"#.utf8)
        JSONLine.appendInt(id, to: &bytes)
        bytes.append(contentsOf: #"/timeline"}"#.utf8)
    }

    consuming func finish() -> [UInt8] {
        bytes.append(125)
        return bytes
    }

    /// A JSON array of already encoded values.
    static func array(_ items: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [91]
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(44) }
            out += item
        }
        out.append(93)
        return out
    }

    static func strings(_ items: [String]) -> [UInt8] {
        array(items.map { item in
            var out: [UInt8] = []
            JSONLine.appendString(item, to: &out)
            return out
        })
    }
}

/// A live payload that writes its own JSON (the same bytes JSONEncoder would).
protocol HandWrittenJSON {
    var json: [UInt8] { get }
}

extension CallRecord: HandWrittenJSON {
    var json: [UInt8] {
        var w = JSONObjectWriter()
        w.int("agentId", agentId)
        w.string("answeredAt", answeredAt)
        w.string("clientId", clientId)
        w.string("clientNumber", clientNumber)
        w.string("clientNumberRaw", clientNumberRaw)
        w.int("contactId", contactId)
        w.string("createdAt", createdAt)
        w.string("direction", direction)
        w.int("duration", duration)
        w.string("endReason", endReason)
        w.string("endedAt", endedAt)
        w.string("flag", flag)
        w.int("id", id)
        w.int("integrationId", integrationId)
        w.string("missedAt", missedAt)
        w.string("note", note)
        w.string("ourNumber", ourNumber)
        w.string("outcome", outcome)
        w.string("providerCallId", providerCallId)
        w.string("recordingUrl", recordingUrl)
        w.string("ringingAt", ringingAt)
        w.string("sipLogin", sipLogin)
        w.string("state", state)
        w.int("talkTime", talkTime)
        w.strings("utm", utm)
        return w.finish()
    }
}

extension DealRecord: HandWrittenJSON {
    var json: [UInt8] {
        var w = JSONObjectWriter()
        w.int("callId", callId)
        w.int("contactId", contactId)
        w.string("createdAt", createdAt)
        w.int("id", id)
        w.string("pipeline", pipeline)
        w.string("stage", stage)
        w.string("state", state)
        w.string("title", title)
        w.string("updatedAt", updatedAt)
        return w.finish()
    }
}

extension ScreenPop: HandWrittenJSON {
    var json: [UInt8] {
        var w = JSONObjectWriter()
        if let agent {
            var a = JSONObjectWriter()
            a.int("id", agent.id)
            a.string("name", agent.name)
            w.raw("agent", a.finish())
        }
        w.raw("call", call.json)
        if let contact {
            var c = JSONObjectWriter()
            c.int("id", contact.id)
            c.bool("isNew", contact.isNew)
            c.contactLinks(contact.id)
            c.string("name", contact.name)
            c.raw("openDeals", JSONObjectWriter.array(contact.openDeals.map(\.json)))
            c.int("ownerAgentId", contact.ownerAgentId)
            c.raw("phones", JSONObjectWriter.strings(contact.phones))
            w.raw("contact", c.finish())
        }
        w.string("type", type)
        return w.finish()
    }
}
