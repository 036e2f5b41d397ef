import Foundation
import Store

/// Records raw events and applies them, inside one writer job.
///
/// The idempotency key is UNIQUE: a redelivery inserts nothing and is answered
/// as a duplicate without touching the projections. Whatever `apply` throws
/// rolls back the raw insert too (the job's SAVEPOINT), so nothing is half-written.
enum EventLog {
    /// What happened to one incoming event.
    enum Outcome: Sendable {
        case duplicate(eventId: Int)
        case applied(eventId: Int, result: ApplyResult)
    }

    /// Stores `event` unless its key was seen, then applies it.
    /// `payload` is `event` already encoded, when the caller did that off the writer thread.
    static func record(_ event: DomainEvent, source: String, integrationId: Int?, key: String, rawBody: [UInt8]?,
                       receivedAt: String, in db: Database, settings: SettingsLookup, payload: String? = nil,
                       wantsLiveUpdates: Bool = true, parsedNumber: PhoneNumber.Parsed? = nil, settingsVersion: Int? = nil) throws -> Outcome {
        let payload = payload ?? JSONText.string(event)
        let inserted = try db.execute("""
            INSERT INTO raw_events(integration_id, source, idempotency_key, kind, received_at, payload, raw_body, settings_version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING
            """) { arguments in
            arguments.bind(integrationId); arguments.bind(source); arguments.bind(key); arguments.bind(event.kind)
            arguments.bind(receivedAt); arguments.bind(payload); arguments.bind(rawBody); arguments.bind(settingsVersion)
        }
        if inserted == 0 {
            let existing = try db.scalar("SELECT id FROM raw_events WHERE idempotency_key = ?", key).int ?? 0
            return .duplicate(eventId: existing)
        }
        let eventId = db.lastInsertRowID
        let result = try Projector(db: db, settings: settings, wantsLiveUpdates: wantsLiveUpdates, parsedNumber: parsedNumber)
            .apply(event, eventId: eventId, integrationId: integrationId, receivedAt: receivedAt)
        if let flag = result.flag {
            try db.execute("UPDATE raw_events SET outcome = 'flagged', note = ? WHERE id = ?", flag, eventId)
        }
        return .applied(eventId: eventId, result: result)
    }
}

/// How the projector finds an integration's settings (live: the directory's row; rebuild: the same table).
struct SettingsLookup: Sendable {
    let integration: @Sendable (Database, Int) throws -> Integration?
    var channel: @Sendable (Database, Int) throws -> Channel? = { db, id in try Channel.load(db, id: id) }

    static let fromDatabase = SettingsLookup { db, id in
        try db.queryOne("SELECT * FROM integrations WHERE id = ?", id).map(Integration.init(row:))
    }

    /// The integration the webhook was authenticated as (already in memory); others from the database.
    static func preferring(_ integration: Integration) -> SettingsLookup {
        SettingsLookup { db, id in id == integration.id ? integration : try fromDatabase.integration(db, id) }
    }

    /// For `rebuild`: integration `id` with the region and settings of `version`, the ones its
    /// event was applied with (`integration_settings`); others, and events stored before
    /// versions were kept (nil), with today's.
    static func asApplied(integration id: Int?, version: Int?) -> SettingsLookup {
        SettingsLookup { db, wanted in
            guard var integration = try fromDatabase.integration(db, wanted) else { return nil }
            if wanted == id, let version,
               let kept = try db.queryOne("SELECT region, settings FROM integration_settings WHERE integration_id = ? AND version = ?", wanted, version) {
                integration.region = kept.string("region")
                integration.settings = IntegrationSettings.decode(kept.string("settings"))
            }
            return integration
        }
    }

    /// The channel the webhook was authenticated for (read when it arrived); others from the database.
    static func preferring(_ channel: Channel) -> SettingsLookup {
        var lookup = fromDatabase
        lookup.channel = { db, id in id == channel.id ? channel : try Channel.load(db, id: id) }
        return lookup
    }
}

/// What applying one event produced: ids for the response, a flag, live updates.
struct ApplyResult: Sendable {
    var callId: Int?
    var contactId: Int?
    var dealId: Int?
    var taskId: Int?
    var flag: String?
    /// Stored as sent, but something in it points nowhere (an agent no one has): for the operator.
    var warning: String?
    var updates: [LiveUpdate] = []
}
