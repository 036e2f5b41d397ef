import Foundation
import Store

/// `switchboard rebuild`: throws away contacts, calls, deals, tasks and the
/// timeline and replays every raw event in arrival order, in one transaction
/// (all or nothing). Ids come out the same because they are handed out in the same order,
/// which holds only if every event applied live applies again: a removed integration keeps its
/// row and settings for that reason (IntegrationDirectory.remove, migration 011).
enum Rebuild {
    /// Sources of raw events that people made, rather than a provider's webhook.
    static let madeByPeople: Set<String> = ["api", "cli", "whatsapp-sender"]

    /// `skipped` hears of each event that no longer applies (its id and why), which is kept on it.
    static func run(store: Store, progress: @escaping (Int, Int) -> Void,
                    skipped: @escaping (Int, String) -> Void = { _, _ in }) throws -> Int {
        let total = try store.read { db in try db.scalar("SELECT count(*) FROM raw_events").int ?? 0 }
        let counter = ProgressBox(report: progress, total: total)
        let (applied, skippedEvents) = try store.writeAndWait { db -> (Int, [SkippedEvent]) in
            // wa_media stays: it records downloads (state, file, attempts, error), which no event
            // does. Messages come back with the same ids, so the replay's inserts find their rows
            // (ON CONFLICT DO NOTHING); rows of messages that do not come back go at the end.
            for table in ["timeline", "tasks", "deals", "call_aliases", "calls", "wa_status_history", "wa_messages",
                          "wa_threads", "wa_identities", "contact_phones", "contacts"] {
                try db.execute("DELETE FROM \(table)")
            }
            // AUTOINCREMENT tables count on from the live run's highest id: start again, so the
            // replay hands out the same ids (a withdrawn task's id still goes unused, as it did live).
            try db.execute("DELETE FROM sqlite_sequence WHERE name IN ('tasks')")
            try db.execute("UPDATE raw_events SET outcome = 'applied', note = NULL")
            var lastId = 0
            var applied = 0
            var skippedEvents: [SkippedEvent] = []
            while true {
                let batch = try db.query("""
                    SELECT id, integration_id, source, received_at, payload, settings_version FROM raw_events WHERE id > ? ORDER BY id LIMIT 1000
                    """, lastId)
                if batch.isEmpty { break }
                for row in batch {
                    lastId = row.int("id") ?? lastId
                    let event = try JSONText.decoder.decode(DomainEvent.self, from: Data((row.string("payload") ?? "").utf8))
                    let result: ApplyResult
                    // Events people made (API, command line, the sender's outcomes) can be skipped
                    // halfway (a patch's rename before its owner names an agent since removed):
                    // each runs in a savepoint, so a skipped one leaves nothing behind. Webhooks,
                    // nearly every event, do not, and would only pay for it.
                    let guarded = Self.madeByPeople.contains(row.string("source") ?? "")
                    if guarded { try db.execute("SAVEPOINT rebuild_event") }
                    do {
                        let settings = SettingsLookup.asApplied(integration: row.int("integration_id"), version: row.int("settings_version"))
                        result = try Projector(db: db, settings: settings)
                            .apply(event, eventId: lastId, integrationId: row.int("integration_id"), receivedAt: row.string("received_at") ?? "")
                        if guarded { try db.execute("RELEASE rebuild_event") }
                    } catch let error as DomainError {
                        if guarded { try db.executeScript("ROLLBACK TO rebuild_event; RELEASE rebuild_event") }
                        // An API event that was refused live is never stored, so this means the
                        // world changed since (a row it needs was deleted by hand; removed
                        // integrations are kept for this): record why and carry on.
                        try db.execute("UPDATE raw_events SET outcome = 'skipped', note = ? WHERE id = ?", error.message, lastId)
                        skippedEvents.append(SkippedEvent(id: lastId, reason: error.message))
                        continue
                    }
                    if let flag = result.flag {
                        try db.execute("UPDATE raw_events SET outcome = 'flagged', note = ? WHERE id = ?", flag, lastId)
                    }
                    applied += 1
                }
                counter.tick(batch.count)
            }
            try db.execute("DELETE FROM wa_media WHERE message_id NOT IN (SELECT id FROM wa_messages)")
            return (applied, skippedEvents)
        }
        for event in skippedEvents { skipped(event.id, event.reason) }
        return applied
    }
}

/// Carries the progress callback into the writer job.
private final class ProgressBox: @unchecked Sendable {
    // @unchecked: used only from the writer thread while the caller waits.
    let report: (Int, Int) -> Void
    let total: Int
    var done = 0
    init(report: @escaping (Int, Int) -> Void, total: Int) {
        self.report = report
        self.total = total
    }
    func tick(_ n: Int) {
        done += n
        report(done, total)
    }
}

/// A stored event `rebuild` could not apply, and why.
private struct SkippedEvent: Sendable {
    let id: Int
    let reason: String
}
