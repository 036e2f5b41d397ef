import HTTPServer
import Telemetry

/// Writes one JSON object by hand, keys in the order given (callers give them sorted, so
/// the bytes match JSONEncoder with `.sortedKeys`); nil values are left out, as the
/// synthesized Codable conformances do. For payloads on hot paths only. Nested writers
/// share their parent's buffer; a writer is used in place (`inout`), never copied.
struct JSONObjectWriter {
    /// Shared with the writers of nested objects, which write in place.
    private var out: ByteBuffer
    private var isFirst = true

    init(capacity: Int = 256) {
        out = ByteBuffer(capacity: capacity)
        out.append(byte: 123)
    }

    /// Starts with the head of a Server-Sent Events frame for `event` and `id`, then the object:
    /// with `finishFrame()` the frame is written in one piece instead of framed after as a copy.
    init(capacity: Int, frameOf event: String, id: UInt64) {
        out = ByteBuffer(capacity: capacity)
        EventStream.appendHead(event: event, id: id, to: out)
        out.append(byte: 123)
    }

    /// Continues in `out`: a nested object is written in place, not built apart and copied.
    private init(continuing out: ByteBuffer) {
        self.out = out
        out.append(byte: 123)
    }

    /// Keys are identifiers written in the code: copied without an escaping pass.
    private mutating func key(_ name: StaticString) {
        out.appendKey(name, isFirst: isFirst)
        isFirst = false
    }

    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONLine.appendString(value, to: &out)
    }

    mutating func int(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        out.appendInt(value)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        out.append(value ? "true" : "false")
    }

    /// A nested object, written by `fill` straight into this buffer.
    mutating func object(_ name: StaticString, _ fill: (inout JSONObjectWriter) -> Void) {
        key(name)
        nestedObject(fill)
    }

    /// An array of objects, each written by `fill` straight into this buffer.
    mutating func objects<Item>(_ name: StaticString, _ items: [Item], _ fill: (Item, inout JSONObjectWriter) -> Void) {
        key(name)
        out.append(byte: 91)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(byte: 44) }
            nestedObject { fill(item, &$0) }
        }
        out.append(byte: 93)
    }

    /// One nested object in the same buffer, with its own "first member" state.
    private func nestedObject(_ fill: (inout JSONObjectWriter) -> Void) {
        var nested = JSONObjectWriter(continuing: out)
        fill(&nested)
        out.append(byte: 125)
    }

    /// An array of strings.
    mutating func strings(_ name: StaticString, _ values: [String]) {
        key(name)
        out.append(byte: 91)
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(byte: 44) }
            JSONLine.appendString(value, to: &out)
        }
        out.append(byte: 93)
    }

    /// A string-to-string object, keys sorted.
    mutating func strings(_ name: StaticString, _ values: [String: String]) {
        key(name)
        JSONText.appendStringMap(values, to: &out)
    }

    /// `"links":{"contact":…,"createDeal":…,"timeline":…}` of a screen-pop's contact (keys sorted).
    mutating func contactLinks(_ id: Int) {
        key("links")
        out.append(#"{"contact":"/api/v1/contacts/"#)
        out.appendInt(id)
        out.append(#"","createDeal":"/api/v1/contacts/"#)
        out.appendInt(id)
        out.append(#"/deals","timeline":"/api/v1/contacts/"#)
        out.appendInt(id)
        out.append(#"/timeline"}"#)
    }

    consuming func finish() -> [UInt8] {
        out.append(byte: 125)
        return out.makeArray()
    }

    /// Ends the object and the frame begun by `init(capacity:frameOf:id:)`. The object is one
    /// line (keys are identifiers, strings escaped), so these are the bytes `EventStream.frame` makes.
    consuming func finishFrame() -> [UInt8] {
        out.append(byte: 125)
        out.append(EventStream.frameEnd)
        return out.makeArray()
    }
}

/// A live payload that writes its own JSON (the same bytes JSONEncoder would).
protocol HandWrittenJSON: LivePayload {
    /// Room for the usual payload, so the buffer seldom grows.
    static var typicalSize: Int { get }
    /// Writes the members of the payload's object, keys sorted.
    func writeMembers(to w: inout JSONObjectWriter)
}

extension HandWrittenJSON {
    /// The payload's JSON.
    var json: [UInt8] {
        var w = JSONObjectWriter(capacity: Self.typicalSize)
        writeMembers(to: &w)
        return w.finish()
    }

    /// The whole SSE frame of the payload as `event` with stream id `id`, written in one buffer.
    func frame(event: String, id: UInt64) -> [UInt8] {
        var w = JSONObjectWriter(capacity: Self.typicalSize + 64, frameOf: event, id: id)
        writeMembers(to: &w)
        return w.finishFrame()
    }
}

extension CallRecord: HandWrittenJSON {
    static var typicalSize: Int { 512 }

    func writeMembers(to w: inout JSONObjectWriter) {
        w.int("agentId", agentId)
        w.string("answeredAt", answeredAt)
        w.string("clientId", clientId)
        w.string("clientNumber", clientNumber)
        w.string("clientNumberRaw", clientNumberRaw)
        w.int("contactId", contactId)
        w.string("createdAt", createdAt)
        w.int("dealId", dealId)
        w.string("dialedCallId", dialedCallId)
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
        w.string("startedAt", startedAt)
        w.string("state", state)
        w.int("talkTime", talkTime)
        w.strings("utm", utm)
    }
}

extension DealRecord: HandWrittenJSON {
    static var typicalSize: Int { 256 }

    func writeMembers(to w: inout JSONObjectWriter) {
        w.int("callId", callId)
        w.int("contactId", contactId)
        w.string("createdAt", createdAt)
        w.int("id", id)
        w.string("pipeline", pipeline)
        w.string("stage", stage)
        w.string("state", state)
        w.string("title", title)
        w.string("updatedAt", updatedAt)
    }
}

extension ScreenPop: HandWrittenJSON {
    static var typicalSize: Int { 1024 }

    /// Written into one buffer, nested objects in place: every screen-pop goes through here.
    func writeMembers(to w: inout JSONObjectWriter) {
        if let agent {
            w.object("agent") { a in
                a.int("id", agent.id)
                a.string("name", agent.name)
            }
        }
        w.object("call") { call.writeMembers(to: &$0) }
        if let contact {
            w.object("contact") { c in
                c.int("id", contact.id)
                c.bool("isNew", contact.isNew)
                if contact.hasLinks { c.contactLinks(contact.id) }
                c.string("name", contact.name)
                c.objects("openDeals", contact.openDeals) { deal, d in deal.writeMembers(to: &d) }
                c.int("ownerAgentId", contact.ownerAgentId)
                c.strings("phones", contact.phones)
            }
        }
        w.string("type", type)
    }
}
