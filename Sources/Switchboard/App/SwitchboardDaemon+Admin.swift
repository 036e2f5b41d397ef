import Foundation
import Store

/// The version printed by `switchboard version`.
public enum SwitchboardVersion {
    public static let current = "0.1.0"
}

extension SwitchboardDaemon {
    /// Applies pending migrations to the configured database; returns their names. Refused
    /// (`DatabaseLockError.held`) while a daemon serves it: an upgrade migrates with the old one stopped.
    public static func migrate(configuration: Configuration) throws -> [String] {
        announceNewDatabase(configuration)
        let database = try Database(path: configuration.database)
        let lock = try DatabaseLock(databasePath: database.filename, purpose: "migrate")
        defer { lock.release() }
        _ = try database.scalar("PRAGMA journal_mode = WAL")
        return try Migrator.migrate(database, Schema.migrations)
    }

    /// Opens the store (migrating it) for an admin command and closes it afterwards.
    public static func withDirectory<T>(_ configuration: Configuration, _ body: (AgentDirectory) throws -> T) throws -> T {
        let store = try adminStore(configuration)
        defer { store.close() }
        return try body(AgentDirectory(store: store))
    }

    /// Tells the operator on stderr when the configured database does not exist yet, just before
    /// a command creates it (a mistyped path would otherwise go unnoticed). Said only once the
    /// command's options were accepted: a usage error creates nothing.
    public static func announceNewDatabase(_ configuration: Configuration) {
        guard !FileManager.default.fileExists(atPath: configuration.database) else { return }
        let absolute = URL(fileURLWithPath: configuration.database).standardizedFileURL.path
        FileHandle.standardError.write(Data("switchboard: no database at \(absolute) yet: creating a new one there\n".utf8))
    }

    /// The store an admin command opens (migrating it), after `announceNewDatabase`.
    static func adminStore(_ configuration: Configuration, exclusiveFor purpose: String? = nil) throws -> Store {
        announceNewDatabase(configuration)
        return try Store(path: configuration.database, migrations: Schema.migrations, exclusiveFor: purpose)
    }

    /// JSON for the CLI's `--json` output.
    public static func json<T: Encodable>(_ value: T) -> String { JSONText.string(value) }
}

extension SwitchboardDaemon {
    /// Opens the store for an admin command on integrations.
    public static func withIntegrations<T>(_ configuration: Configuration, _ body: (IntegrationDirectory) throws -> T) throws -> T {
        let store = try adminStore(configuration)
        defer { store.close() }
        return try body(IntegrationDirectory(store: store))
    }

    /// Recomputes every projection from the raw events; `progress` is called every 1,000 events.
    /// Refused (`DatabaseLockError.held`) while a daemon serves the database: its writes
    /// during the rebuild would be replaced by the rebuild's.
    /// `skipped` hears of each stored event that no longer applies (its id and why).
    public static func rebuild(configuration: Configuration, progress: @escaping (Int, Int) -> Void,
                               skipped: @escaping (Int, String) -> Void = { _, _ in }) throws -> Int {
        let store = try adminStore(configuration, exclusiveFor: "rebuild")
        defer { store.close() }
        return try Rebuild.run(store: store, progress: progress, skipped: skipped)
    }
}

extension SwitchboardDaemon {
    /// `switchboard sip list`: SIP accounts with presence fetched from the providers now.
    public static func sipAccounts(_ configuration: Configuration) throws -> [SIPAccounts.Account] {
        let store = try adminStore(configuration)
        defer { store.close() }
        let presence = PresenceService(api: ProviderAPI(client: HTTPClient()))
        return try SIPAccounts.list(agents: AgentDirectory(store: store), integrations: IntegrationDirectory(store: store),
                                    presence: presence, integrationId: nil)
    }
}

import HTTPClient

extension SwitchboardDaemon {
    /// Opens the store for an admin command on WhatsApp channels.
    public static func withChannels<T>(_ configuration: Configuration, _ body: (ChannelDirectory) throws -> T) throws -> T {
        let store = try adminStore(configuration)
        defer { store.close() }
        return try body(ChannelDirectory(store: store))
    }
}
