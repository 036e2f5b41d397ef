import Foundation
import Store
@testable import Switchboard

/// A database at `path` as a version before `migration` left it: every migration up to it applied.
func legacyDatabase(at path: String, before migration: String) throws -> Database {
    let legacy = try Database(path: path)
    _ = try legacy.scalar("PRAGMA journal_mode = WAL")
    try Migrator.migrate(legacy, Array(Schema.migrations.prefix { $0.name != migration }))
    return legacy
}
