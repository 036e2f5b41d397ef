import Foundation
import Store
import Synchronization

/// Creating, listing, changing and authenticating integrations.
///
/// Our webhook secret is shown once at creation and stored as a SHA-256 hash;
/// webhooks find their integration by that hash. Found integrations are cached
/// for a few seconds so the webhook hot path does not query the database.
public final class IntegrationDirectory: Sendable {
    let store: Store
    /// Keyed by the secret's SHA-256 (the digest itself: no hex text is made on a hit).
    private let cache = Mutex<[SecretDigest: (integration: Integration, expires: UInt64)]>([:])
    private let cacheNanos: UInt64 = 5_000_000_000

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

    public func add(_ new: NewIntegration, baseURL: String) throws -> Created {
        let name = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw DomainError.invalid("name must not be empty") }
        let region = try Self.checkedRegion(new.region)
        let secret = "whs_" + (try Crypto.randomBytes(24)).hexString
        let settings = JSONText.string(new.settings)
        let createdAt = Timestamp.now()
        let integration = try store.writeAndWait { db -> Integration in
            if try db.queryOne("SELECT id FROM integrations WHERE name = ?", name) != nil {
                throw DomainError.conflict("an integration named \(name) exists")
            }
            try new.settings.validate(agentRole: { try Self.agentRole(db, id: $0) })
            try db.execute("""
                INSERT INTO integrations(name, provider, region, secret_hash, provider_secret, settings, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, name, new.provider.rawValue, region, Self.hash(secret), new.providerSecret, settings, createdAt)
            return try Self.load(db, id: db.lastInsertRowID)
        }
        return Created(integration: integration, secret: secret,
                       webhooks: Self.webhookURLs(for: integration.provider, secret: secret, baseURL: baseURL))
    }

    public func list() throws -> [Integration] {
        try store.read { db in try db.query("SELECT * FROM integrations ORDER BY id").map(Integration.init(row:)) }
    }

    public func find(id: Int) throws -> Integration? {
        try store.read { db in try db.queryOne("SELECT * FROM integrations WHERE id = ?", id).map(Integration.init(row:)) }
    }

    /// Finds by id or by name.
    public func find(reference: String) throws -> Integration? {
        try store.read { db in
            try db.queryOne("SELECT * FROM integrations WHERE name = ? OR CAST(id AS TEXT) = ?", reference, reference)
                .map(Integration.init(row:))
        }
    }

    public func remove(id: Int) throws -> Bool {
        let removed = try store.writeAndWait { db in try db.execute("DELETE FROM integrations WHERE id = ?", id) > 0 }
        cache.withLock { $0.removeAll() }
        return removed
    }

    /// Replaces region, settings and the provider secret where given; all of them or, when one is refused, none.
    public func update(id: Int, region: String??, settings: IntegrationSettings?, providerSecret: String?) throws -> Integration {
        let checkedRegion = try region.map(Self.checkedRegion)
        let updated = try store.writeAndWait { db -> Integration in
            guard try db.queryOne("SELECT id FROM integrations WHERE id = ?", id) != nil else {
                throw DomainError.notFound("no integration \(id)")
            }
            // Checked before the first UPDATE, so a refusal leaves the integration as it was.
            try settings?.validate(agentRole: { try Self.agentRole(db, id: $0) })
            if let checkedRegion { try db.execute("UPDATE integrations SET region = ? WHERE id = ?", checkedRegion, id) }
            if var settings {
                // The API never shows the dialer key; a settings document sent back without it keeps the stored one.
                let stored = try Self.load(db, id: id).settings.dialer?.apiKey
                if settings.dialer != nil, settings.dialer?.apiKey == nil || settings.dialer?.apiKey == "(set)" {
                    settings.dialer?.apiKey = stored
                }
                try db.execute("UPDATE integrations SET settings = ? WHERE id = ?", JSONText.string(settings), id)
            }
            if let providerSecret { try db.execute("UPDATE integrations SET provider_secret = ? WHERE id = ?", providerSecret, id) }
            return try Self.load(db, id: id)
        }
        cache.withLock { $0.removeAll() }
        return updated
    }

    /// The integration whose webhook secret is `secret`, or nil.
    public func authenticate(secret: String) throws -> Integration? {
        guard secret.hasPrefix("whs_"), secret.utf8.count == 52 else { return nil }
        let digest = Crypto.sha256(Array(secret.utf8))
        let key = SecretDigest(digest)
        let now = DispatchTime.now().uptimeNanoseconds
        if let hit = cache.withLock({ $0[key] }), hit.expires > now { return hit.integration }
        let hash = digest.hexString
        let found = try store.read { db in
            try db.queryOne("SELECT * FROM integrations WHERE secret_hash = ?", hash)
        }
        guard let found, let stored = found.string("secret_hash"),
              Crypto.constantTimeEquals(Array(stored.utf8), Array(hash.utf8)) else { return nil }
        let integration = Integration(row: found)
        cache.withLock { $0[key] = (integration, now + cacheNanos) }
        return integration
    }

    static func hash(_ secret: String) -> String { Crypto.sha256(Array(secret.utf8)).hexString }

    /// `region` upper-cased; nil stays nil (no default region).
    /// - Throws: `DomainError.invalid` when it is not two letters.
    private static func checkedRegion(_ region: String?) throws -> String? {
        guard let region = region?.uppercased() else { return nil }
        guard region.count == 2, region.allSatisfy({ $0.isLetter }) else {
            throw DomainError.invalid("region must be an ISO 3166 alpha-2 code such as RO, RU, PL")
        }
        return region
    }

    /// The role of agent `id`, nil when there is no such agent (settings name agents by id).
    private static func agentRole(_ db: Database, id: Int) throws -> Agent.Role? {
        try db.scalar("SELECT role FROM agents WHERE id = ?", id).string.flatMap(Agent.Role.init(rawValue:))
    }

    private static func load(_ db: Database, id: Int) throws -> Integration {
        guard let row = try db.queryOne("SELECT * FROM integrations WHERE id = ?", id) else {
            throw DomainError.notFound("no integration \(id)")
        }
        return Integration(row: row)
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

/// A SHA-256 digest as a dictionary key (four words: cheaper to hash and compare than its hex text).
private struct SecretDigest: Hashable {
    let a, b, c, d: UInt64

    init(_ digest: [UInt8]) {
        func word(_ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for offset in at..<min(at + 8, digest.count) { value = value << 8 | UInt64(digest[offset]) }
            return value
        }
        (a, b, c, d) = (word(0), word(8), word(16), word(24))
    }
}
