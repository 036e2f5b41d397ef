import Foundation
import Store
import Synchronization

/// Creating, listing, changing, removing and authenticating integrations.
///
/// Our webhook secret is shown once at creation and stored as a SHA-256 hash;
/// webhooks find their integration by that hash. Found integrations are cached
/// for a few seconds so the webhook hot path does not query the database.
///
/// Removal keeps the row (migration 011): calls are unique on (integration id, provider call
/// id), so an id handed out again would merge a new integration's webhooks into the removed
/// one's calls, and `rebuild` needs the removed integration's settings to replay its events.
/// Every lookup here except `list(includingRemoved:)` sees live integrations only.
public final class IntegrationDirectory: Sendable {
    let store: Store
    /// Keyed by the secret's `hashValue` (SipHash under this process's random seed), holding the
    /// secret itself, which a hit compares in constant time: a hit costs no SHA-256 (~3k
    /// instructions on every webhook). Two secrets sharing a hash value only take turns in the slot.
    private let cache = Mutex<[Int: CachedIntegration]>([:])
    private let cacheNanos: UInt64 = 5_000_000_000
    /// Bumped, under the cache's lock, whenever the cache is emptied: a lookup that read the
    /// database before a change caches its (stale) answer only if no change came meanwhile.
    private let cacheGeneration = Atomic<UInt64>(0)

    public init(store: Store) { self.store = store }

    /// What `add` needs.
    public struct NewIntegration: Sendable {
        public var name: String
        public var provider: Integration.Provider
        public var region: String?
        public var providerSecret: String
        public var settings: IntegrationSettings

        public init(name: String, provider: Integration.Provider, region: String?, providerSecret: String = "",
                    settings: IntegrationSettings = .init()) {
            self.name = name
            self.provider = provider
            self.region = region
            self.providerSecret = providerSecret
            self.settings = settings
        }
    }

    /// A new integration with its one-time secret and the URLs to give the provider.
    public struct Created: Sendable, Encodable {
        public let integration: Integration
        public let secret: String
        public let webhooks: [String: String]

        public func encode(to encoder: Encoder) throws {
            try integration.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(secret, forKey: .secret)
            try c.encode(webhooks, forKey: .webhooks)
        }

        enum CodingKeys: String, CodingKey { case secret, webhooks }
    }

    /// What `update` changes; nil leaves that part as it is. All of it is applied or, when one
    /// part is refused, none.
    public struct Change: Sendable {
        /// A new name, unique among live integrations (a removed one's name is free).
        public var name: String?
        /// `.some(nil)` clears the region.
        public var region: String??
        public var settings: IntegrationSettingsChange?
        /// The provider's signing secret; "" removes it.
        public var providerSecret: String?

        public init(name: String? = nil, region: String?? = nil, settings: IntegrationSettingsChange? = nil,
                    providerSecret: String? = nil) {
            self.name = name
            self.region = region
            self.settings = settings
            self.providerSecret = providerSecret
        }
    }

    public func add(_ new: NewIntegration, baseURL: String) throws -> Created {
        let name = try Self.checkedName(new.name)
        let region = try Self.checkedRegion(new.region)
        let secret = try Self.makeSecret()
        let settings = JSONText.string(new.settings)
        let createdAt = Timestamp.now()
        let integration = try store.writeAndWait { db -> Integration in
            try Self.refuseTakenName(db, name, except: nil)
            try new.settings.validate(agentRole: { try Self.agentRole(db, id: $0) })
            try Self.refuseMixedUTMModes(db, new.settings.utm, except: nil)
            try db.execute("""
                INSERT INTO integrations(name, provider, region, secret_hash, provider_secret, settings, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, name, new.provider.rawValue, region, Self.hash(secret), new.providerSecret, settings, createdAt)
            let id = db.lastInsertRowID
            try Self.keepSettingsVersion(db, id: id)
            return try Self.load(db, id: id)
        }
        return Created(integration: integration, secret: secret,
                       webhooks: Self.webhookURLs(for: integration.provider, secret: secret, baseURL: baseURL))
    }

    /// The live integrations by id; with `includingRemoved`, the removed ones too (`removedAt` set).
    public func list(includingRemoved: Bool = false) throws -> [Integration] {
        try store.read { db in
            try db.query(includingRemoved ? "SELECT * FROM integrations ORDER BY id"
                                          : "SELECT * FROM integrations WHERE removed_at IS NULL ORDER BY id")
                .map(Integration.init(row:))
        }
    }

    /// The live integration `id`; nil when there is none or it was removed.
    public func find(id: Int) throws -> Integration? {
        try store.read { db in try Self.live(db, id: id) }
    }

    /// Finds a live integration by id or by name.
    public func find(reference: String) throws -> Integration? {
        try store.read { db in
            // An id wins over a name that looks like one (names made of digits only are refused now).
            try db.queryOne("""
                SELECT * FROM integrations WHERE (name = ?1 OR CAST(id AS TEXT) = ?1) AND removed_at IS NULL
                ORDER BY CAST(id AS TEXT) = ?1 DESC LIMIT 1
                """, reference)
                .map(Integration.init(row:))
        }
    }

    /// Removes integration `id`; false when there is no live one.
    ///
    /// The row stays, marked removed (see the type's comment), with its name and settings, which
    /// `rebuild` reads; the credentials it held, which nothing needs any more, are forgotten: the
    /// provider's signing secret and the dialer's API key. Its webhooks are refused at once in
    /// this process (the cache is emptied); a daemon beside the CLI that removed it refuses them
    /// when its cache entry expires, within 5 seconds.
    public func remove(id: Int) throws -> Bool {
        let removed = try store.writeAndWait { db in
            try db.execute("""
                UPDATE integrations SET removed_at = ?, provider_secret = '', settings = json_remove(settings, '$.dialer')
                WHERE id = ? AND removed_at IS NULL
                """, Timestamp.now(), id) > 0
        }
        forgetCached()
        return removed
    }

    /// Gives the live integration `id` a new webhook secret (shown once, with the URLs that carry
    /// it: give them to the provider). The old secret is refused at once in this process and by a
    /// daemon beside the CLI within 5 seconds (its cache). nil when there is no live integration `id`.
    public func rotateSecret(id: Int, baseURL: String) throws -> Created? {
        let secret = try Self.makeSecret()
        let integration = try store.writeAndWait { db -> Integration? in
            guard let row = try db.queryOne("SELECT * FROM integrations WHERE id = ? AND removed_at IS NULL", id),
                  let oldHash = row.string("secret_hash") else { return nil }
            try db.execute("UPDATE integrations SET secret_hash = ? WHERE id = ?", Self.hash(secret), id)
            // Twilio is given `dialer.statusCallback` with each click-to-call: a URL that carries the
            // old secret would have its reports refused from now on, so it gets the new one.
            var settings = Integration(row: row).settings
            if let callback = settings.dialer?.statusCallback, let replaced = Self.replacingSecret(hashed: oldHash, in: callback, with: secret) {
                settings.dialer?.statusCallback = replaced
                try db.execute("UPDATE integrations SET settings = ? WHERE id = ?", JSONText.string(settings), id)
            }
            return try Self.load(db, id: id)
        }
        forgetCached()
        return integration.map {
            Created(integration: $0, secret: secret, webhooks: Self.webhookURLs(for: $0.provider, secret: secret, baseURL: baseURL))
        }
    }

    /// Changes what `change` names of the live integration `id`; all of it or, when one part is refused, none.
    ///
    /// Settings are changed inside the writer job, from the settings stored at that moment, then
    /// checked whole (`IntegrationSettings.validate`): a patch naming one setting can still be
    /// refused for what it does to another (deleting a UTM field that `utm.write` names).
    /// - Throws: `DomainError.notFound` (404) when there is no live integration `id`,
    ///   `.conflict` (409) for a name another live integration has, `.invalid` (400) for an
    ///   empty name or a bad region, `.unprocessable` (422) naming a refused setting.
    public func update(id: Int, _ change: Change) throws -> Integration {
        let checkedRegion = try change.region.map(Self.checkedRegion)
        let name = try change.name.map(Self.checkedName)
        let updated = try store.writeAndWait { db -> Integration in
            let stored = try Self.load(db, id: id)
            // Everything is checked before the first UPDATE, so a refusal leaves the integration as it was.
            if let name { try Self.refuseTakenName(db, name, except: id) }
            var settings = try change.settings?.applied(to: stored.settings)
            // The API shows a stored dialer key as "(set)" (DialerSettings.redacted); settings sent back with it keep the key.
            if settings?.dialer?.apiKey == "(set)" { settings?.dialer?.apiKey = stored.settings.dialer?.apiKey }
            try settings?.validate(agentRole: { try Self.agentRole(db, id: $0) })
            // Only a change to the UTM settings is checked: integrations left in mixed modes by an
            // older version could not change anything else (a task deadline) until they agreed.
            if let settings, settings.utm != stored.settings.utm { try Self.refuseMixedUTMModes(db, settings.utm, except: id) }
            if let name { try db.execute("UPDATE integrations SET name = ? WHERE id = ?", name, id) }
            if let checkedRegion { try db.execute("UPDATE integrations SET region = ? WHERE id = ?", checkedRegion, id) }
            if let settings { try db.execute("UPDATE integrations SET settings = ? WHERE id = ?", JSONText.string(settings), id) }
            if let secret = change.providerSecret {
                try db.execute("UPDATE integrations SET provider_secret = ? WHERE id = ?", secret, id)
            }
            if checkedRegion != nil || settings != nil {
                try db.execute("UPDATE integrations SET settings_version = settings_version + 1 WHERE id = ?", id)
                try Self.keepSettingsVersion(db, id: id)
            }
            return try Self.load(db, id: id)
        }
        forgetCached()
        return updated
    }

    /// The integration whose webhook secret is `secret`, or nil.
    public func authenticate(secret: String) throws -> Integration? {
        guard secret.hasPrefix("whs_"), secret.utf8.count == 52 else { return nil }
        let key = secret.hashValue
        let now = DispatchTime.now().uptimeNanoseconds
        if let hit = cache.withLock({ $0[key] }), hit.expires > now, Crypto.constantTimeEquals(hit.secret, secret) {
            return hit.integration
        }
        let generation = cacheGeneration.load(ordering: .acquiring)
        let hash = Self.hash(secret)
        let found = try store.read { db in
            try db.queryOne("SELECT * FROM integrations WHERE secret_hash = ? AND removed_at IS NULL", hash)
        }
        guard let found, let stored = found.string("secret_hash"),
              Crypto.constantTimeEquals(stored, hash) else { return nil }
        let integration = Integration(row: found)
        let entry = CachedIntegration(secret: secret, integration: integration, expires: now + cacheNanos)
        cache.withLock { if cacheGeneration.load(ordering: .acquiring) == generation { $0[key] = entry } }
        return integration
    }

    /// Empties the cache: removed, changed or re-keyed integrations are looked up again.
    private func forgetCached() {
        cache.withLock { entries in
            entries.removeAll()
            cacheGeneration.add(1, ordering: .releasing)
        }
    }

    static func hash(_ secret: String) -> String { Crypto.sha256(Array(secret.utf8)).hexString }

    /// `text` with the webhook secret whose hash is `hashed` replaced by `secret`; nil when it has none.
    private static func replacingSecret(hashed: String, in text: String, with secret: String) -> String? {
        var result = text
        var searchFrom = result.startIndex
        var replacedAny = false
        while let start = result.range(of: "whs_", range: searchFrom..<result.endIndex)?.lowerBound {
            let end = result.index(start, offsetBy: 52, limitedBy: result.endIndex) ?? result.endIndex
            if Self.hash(String(result[start..<end])) == hashed {
                result.replaceSubrange(start..<end, with: secret)
                replacedAny = true
                searchFrom = result.index(start, offsetBy: secret.count)
            } else {
                searchFrom = result.index(after: start)
            }
        }
        return replacedAny ? result : nil
    }

    /// A new webhook secret: `whs_` + 192 random bits in hex.
    private static func makeSecret() throws -> String { "whs_" + (try Crypto.randomBytes(24)).hexString }

    /// `name` without surrounding white space (`GivenName`), and not only digits.
    private static func checkedName(_ name: String) throws -> String {
        let trimmed = try GivenName.checked(name)
        // The CLI takes an integration by id or name: "4" as a name would hide integration 4.
        guard !trimmed.allSatisfy(\.isNumber) else { throw DomainError.unprocessable("name must not be only digits (ids are): \(trimmed)") }
        return trimmed
    }

    /// Throws `DomainError.conflict` when a live integration other than `except` is named `name`
    /// (the partial unique index `integrations_live_name` would refuse it too, less kindly).
    private static func refuseTakenName(_ db: Database, _ name: String, except id: Int?) throws {
        if try db.queryOne("SELECT id FROM integrations WHERE name = ? AND removed_at IS NULL AND id IS NOT ?", name, SQLValue(id)) != nil {
            throw DomainError.conflict("an integration named \(name) exists")
        }
    }

    /// `region` upper-cased (`PhoneNumber.checkedRegion`); nil stays nil (no default region).
    private static func checkedRegion(_ region: String?) throws -> String? {
        try region.map(PhoneNumber.checkedRegion)
    }

    /// The role of agent `id`, nil when there is no such agent (settings name agents by id).
    private static func agentRole(_ db: Database, id: Int) throws -> Agent.Role? {
        try db.scalar("SELECT role FROM agents WHERE id = ?", id).string.flatMap(Agent.Role.init(rawValue:))
    }

    /// The live integration `id`, nil when there is none or it was removed.
    private static func live(_ db: Database, id: Int) throws -> Integration? {
        try db.queryOne("SELECT * FROM integrations WHERE id = ? AND removed_at IS NULL", id).map(Integration.init(row:))
    }

    /// The live integration `id`.
    /// - Throws: `DomainError.notFound` when there is none or it was removed.
    /// 422 when a contact field `utm` writes is written by another live integration in the other
    /// mode: first touch keeps the earliest call's tag and last touch the latest's, and a field
    /// under both kept whichever tag arrived first.
    private static func refuseMixedUTMModes(_ db: Database, _ utm: UTMSettings, except id: Int?) throws {
        let written = Set((utm.write ?? Array(utm.fields.keys)).compactMap { utm.fields[$0] })
        guard !written.isEmpty else { return }
        for row in try db.query("SELECT name, settings FROM integrations WHERE removed_at IS NULL AND id IS NOT ?", SQLValue(id)) {
            let other = IntegrationSettings.decode(row.string("settings")).utm
            guard other.mode != utm.mode else { continue }
            let shared = written.intersection((other.write ?? Array(other.fields.keys)).compactMap { other.fields[$0] })
            if let field = shared.sorted().first {
                throw DomainError.unprocessable("settings.utm.mode: contact field \(field) is written in \(other.mode.rawValue) by integration "
                    + "\(row.string("name") ?? ""); integrations writing the same field need the same mode")
            }
        }
    }

    /// Keeps the integration's region and settings under its current `settings_version`: call
    /// events record the version they were applied with, and `rebuild` applies them with it.
    /// Without the dialer's: projections never read them, and they hold credentials (its API
    /// key, a status callback URL with the webhook secret) that removal and rotation forget.
    /// An agent is being removed: integrations whose missed-call tasks go to them send them to
    /// `target` (who takes over their work) or, without one, to each client's owner; each such
    /// change is a new settings version, as a change through the API is.
    static func replaceConfiguredAssignee(_ agentId: Int, with target: Int?, in db: Database) throws {
        let named = try db.query("""
            SELECT id FROM integrations WHERE removed_at IS NULL AND json_extract(settings, '$.missedCallTask.assigneeAgentId') = ?
            """, agentId).compactMap { $0.int("id") }
        for id in named {
            if let target {
                try db.execute("UPDATE integrations SET settings = json_set(settings, '$.missedCallTask.assigneeAgentId', ?) WHERE id = ?", target, id)
            } else {
                try db.execute("UPDATE integrations SET settings = json_remove(settings, '$.missedCallTask.assigneeAgentId') WHERE id = ?", id)
            }
            try db.execute("UPDATE integrations SET settings_version = settings_version + 1 WHERE id = ?", id)
            try keepSettingsVersion(db, id: id)
        }
    }

    private static func keepSettingsVersion(_ db: Database, id: Int) throws {
        try db.execute("""
            INSERT OR REPLACE INTO integration_settings(integration_id, version, region, settings)
            SELECT id, settings_version, region, json_remove(settings, '$.dialer') FROM integrations WHERE id = ?
            """, id)
    }

    private static func load(_ db: Database, id: Int) throws -> Integration {
        guard let integration = try live(db, id: id) else { throw DomainError.notFound("no integration \(id)") }
        return integration
    }

    /// Where the provider should send its webhooks.
    static func webhookURLs(for provider: Integration.Provider, secret: String, baseURL: String) -> [String: String] {
        switch provider {
        case .native:
            var urls: [String: String] = [:]
            for kind in CallEventKind.allCases { urls[kind.rawValue] = "\(baseURL)/webhooks/calls/\(kind.rawValue)" }
            return urls
        case .ringostat:
            // Ringostat's incoming and outgoing calls have separate webhooks; each URL says which
            // (webhooks/ringostat.md), so every moment has an incoming URL and the two moments
            // outgoing calls have (before and after the call) an outgoing one too.
            var urls: [String: String] = [:]
            for kind in CallEventKind.allCases {
                urls[kind.rawValue] = "\(baseURL)/webhooks/ringostat/\(secret)/\(kind.rawValue)?call_type=in"
            }
            urls["ringingOutgoing"] = "\(baseURL)/webhooks/ringostat/\(secret)/ringing?call_type=out"
            urls["endedOutgoing"] = "\(baseURL)/webhooks/ringostat/\(secret)/ended?call_type=out"
            return urls
        case .twilio: return ["statusCallback": "\(baseURL)/webhooks/twilio/\(secret)"]
        case .zadarma: return ["notifications": "\(baseURL)/webhooks/zadarma/\(secret)"]
        case .aircall: return ["webhook": "\(baseURL)/webhooks/aircall/\(secret)"]
        }
    }
}

/// An authenticated integration as the cache holds it, with the secret it was found by. A class:
/// a hit takes one reference out of the lock, not a copy of every field.
private final class CachedIntegration: Sendable {
    let secret: String
    let integration: Integration
    let expires: UInt64

    init(secret: String, integration: Integration, expires: UInt64) {
        self.secret = secret
        self.integration = integration
        self.expires = expires
    }
}
