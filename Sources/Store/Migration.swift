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
        var now: [String] = []
        for migration in migrations where !applied.contains(migration.name) {
            try database.transaction { db in
                try db.executeScript(migration.sql)
                try db.execute("INSERT INTO schema_migrations(name) VALUES (?)", migration.name)
            }
            now.append(migration.name)
        }
        return now
    }
}
