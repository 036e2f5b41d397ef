import Store

/// A call as the API and the timeline show it.
struct CallRecord: Encodable, Sendable {
    let id: Int
    let integrationId: Int
    let providerCallId: String
    let direction: String
    let clientNumber: String?
    let clientNumberRaw: String?
    let ourNumber: String?
    let agentId: Int?
    let sipLogin: String?
    let contactId: Int?
    let ringingAt: String?
    let answeredAt: String?
    let endedAt: String?
    let missedAt: String?
    let duration: Int?
    let talkTime: Int?
    let endReason: String?
    var recordingUrl: String?
    let utm: [String: String]
    let clientId: String?
    let flag: String?
    /// How the call was placed, e.g. which SIP account stood in for an offline one.
    let note: String?
    let createdAt: String
    /// When the call began (`start(beganAt:createdAt:)`): where it sits on the timeline.
    let startedAt: String
    /// `ringing`, `answered` or `ended`.
    let state: String
    /// `answered`, `missed`, `busy`, `failed` once over; nil while in progress.
    let outcome: String?
    /// The deal a click-to-call was placed for.
    var dealId: Int?
    /// A click-to-call's id at the provider (its webhooks and call log name it), once known.
    var dialedCallId: String?

    init(row: Row) {
        self.init(id: row.int("id") ?? 0, integrationId: row.int("integration_id") ?? 0,
                  providerCallId: row.string("provider_call_id") ?? "", direction: row.string("direction") ?? "inbound",
                  clientNumber: row.string("client_number"), clientNumberRaw: row.string("client_number_raw"),
                  ourNumber: row.string("our_number"), agentId: row.int("agent_id"), sipLogin: row.string("sip_login"),
                  contactId: row.int("contact_id"), ringingAt: row.string("ringing_at"), beganAt: row.string("began_at"),
                  answeredAt: row.string("answered_at"),
                  endedAt: row.string("ended_at"), missedAt: row.string("missed_at"), duration: row.int("duration"),
                  talkTime: row.int("talk_time"), endReason: row.string("end_reason"), recordingUrl: row.string("recording_url"),
                  utm: JSONText.decodeDictionary(row.string("utm")), clientId: row.string("client_id"), flag: row.string("flag"),
                  note: row.string("note"), createdAt: row.string("created_at") ?? "", firstEndedAt: row.string("first_ended_at"))
        dealId = row.int("deal_id")
        dialedCallId = row.string("dialed_call_id")
    }

    /// The stored columns; `state` and `outcome` follow from them.
    init(id: Int, integrationId: Int, providerCallId: String, direction: String, clientNumber: String?, clientNumberRaw: String?,
         ourNumber: String?, agentId: Int?, sipLogin: String?, contactId: Int?, ringingAt: String?, beganAt: String?, answeredAt: String?,
         endedAt: String?, missedAt: String?, duration: Int?, talkTime: Int?, endReason: String?, recordingUrl: String?,
         utm: [String: String], clientId: String?, flag: String?, note: String?, createdAt: String, firstEndedAt: String?) {
        self.id = id
        self.integrationId = integrationId
        self.providerCallId = providerCallId
        self.direction = direction
        self.clientNumber = clientNumber
        self.clientNumberRaw = clientNumberRaw
        self.ourNumber = ourNumber
        self.agentId = agentId
        self.sipLogin = sipLogin
        self.contactId = contactId
        self.ringingAt = ringingAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.duration = duration
        self.talkTime = talkTime
        self.endReason = endReason
        self.recordingUrl = recordingUrl
        self.utm = utm
        self.clientId = clientId
        self.flag = flag
        self.note = note
        self.createdAt = createdAt
        startedAt = Self.start(beganAt: beganAt, createdAt: createdAt)
        let isOver = endedAt != nil || missedAt != nil
        state = isOver ? "ended" : (answeredAt != nil ? "answered" : (ringingAt != nil ? "ringing" : "requested"))
        if answeredAt != nil || (talkTime ?? 0) > 0 {
            // Talk time without an answered event still means someone spoke (an `ended` that came first).
            outcome = isOver ? "answered" : nil
        } else if isOver {
            switch (endReason ?? "").lowercased() {
            case "busy": outcome = "busy"
            case "failed", "error", "unallocated number", "no money", "dial-failed": outcome = "failed"
            default: outcome = "missed"
            }
        } else {
            outcome = nil
        }
        // An end nobody answered is a missed call whichever moment reported it (Twilio's parent
        // leg says only `completed`): it is missed when it first ended, as its task is dated.
        self.missedAt = missedAt ?? (isOver && outcome != "answered" ? firstEndedAt ?? endedAt : nil)
    }

    /// When the call began, for the timeline, UTM touches and ownership: its earliest moment of
    /// any kind (`created_at` keeps the minimum), or the start a report after the call stated
    /// (`began_at`) when that is earlier. Only ever moves earlier, as the timeline entry does,
    /// whatever order the moments arrive in: taking the ringing or answer first, an end reported
    /// earlier than the answer dated the call at the end until the answer came, then at the
    /// answer. `startSQL` says the same in SQL.
    static func start(beganAt: String?, createdAt: String) -> String {
        beganAt.map { min($0, createdAt) } ?? createdAt
    }

    /// `start(beganAt:createdAt:)` over a `calls` row.
    static let startSQL = "min(created_at, coalesce(began_at, created_at))"

    static func load(_ db: Database, id: Int) throws -> CallRecord? {
        try db.queryOne("SELECT * FROM calls WHERE id = ?", id).map(CallRecord.init(row:))
    }
}
