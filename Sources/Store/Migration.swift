import Foundation
import Telemetry

/// A named, ordered schema change, applied once in its own transaction and
/// recorded in `schema_migrations`. Never edit one after it ships: add another.
public struct Migration: Sendable {
    public let name: String
    public let sql: String

    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// Applies migrations that have not been applied yet.
public enum Migrator {
    /// Whether `database` already has a schema and some of `migrations` are not applied to
    /// it yet: an upgrade, which must not run beside a daemon of the older version.
    public static func hasPendingUpgrade(_ database: Database, _ migrations: [Migration]) throws -> Bool {
        guard try database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'").int == 1 else { return false }
        let applied = Set(try database.query("SELECT name FROM schema_migrations").compactMap { $0.string("name") })
        return !applied.isEmpty && migrations.contains { !applied.contains($0.name) }
    }

    /// Applies every pending migration in order; returns the names applied now.
    @discardableResult
    public static func migrate(_ database: Database, _ migrations: [Migration]) throws -> [String] {
        try database.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            )
            """)
        let applied = Set(try database.query("SELECT name FROM schema_migrations").compactMap { $0.string("name") })
        // A newer version changed this database in ways this one does not know: serving it could
        // write rows that version's rules no longer expect, so it is refused rather than run quietly.
        let known = Set(migrations.map(\.name))
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty, !migrations.isEmpty {
            throw SQLiteError(code: 1, message: "\(database.path) was upgraded by a newer switchboard (migrations this version does not "
                + "know: \(unknown.joined(separator: ", "))): run that version, or restore a backup made before the upgrade")
        }
        // An upgrade of a database in use can rewrite big tables (008 rebuilds the timeline:
        // ~2.4 s per million entries) before the daemon listens, so each step is logged.
        // Creating a new database is instant and stays quiet.
        let isUpgrade = !applied.isEmpty
        var now: [String] = []
        for migration in migrations where !applied.contains(migration.name) {
            let started = DispatchTime.now().uptimeNanoseconds
            if isUpgrade { Logger.shared.log(.info, "applying migration", [("name", .string(migration.name))]) }
            try database.transaction { db in
                try db.executeScript(migration.sql)
                try db.execute("INSERT INTO schema_migrations(name) VALUES (?)", migration.name)
            }
            if isUpgrade {
                let millis = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
                Logger.shared.log(.info, "migration applied", [("name", .string(migration.name)), ("ms", .int(millis))])
            }
            now.append(migration.name)
        }
        return now
    }
}
