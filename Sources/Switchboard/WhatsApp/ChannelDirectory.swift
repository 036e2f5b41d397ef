import Foundation
import Store
import Synchronization

/// Creating, listing, changing and finding WhatsApp channels.
public final class ChannelDirectory: Sendable {
    let store: Store
    /// Channels found by reference, kept a few seconds so each webhook does not query the
    /// database (as integrations are); emptied whenever a channel is added, changed or removed here.
    private let found = Mutex<[String: (channel: Channel, expires: UInt64)]>([:])
    private let cacheNanos: UInt64 = 5_000_000_000

    public init(store: Store) { self.store = store }

    /// What `add` needs.
    public struct NewChannel: Sendable {
        public var name: String
        public var provider: Channel.Provider
        public var phoneNumberId: String?
        public var displayNumber: String?
        public var region: String?
        public var appSecret: String
        public var verifyToken: String
        public var accessToken: String
        public var settings: ChannelSettings

        public init(name: String, provider: Channel.Provider = .meta, phoneNumberId: String?, displayNumber: String? = nil,
                    region: String?, appSecret: String = "", verifyToken: String = "", accessToken: String = "",
                    settings: ChannelSettings = .init()) {
            self.name = name
            self.provider = provider
            self.phoneNumberId = phoneNumberId
            self.displayNumber = displayNumber
            self.region = region
            self.appSecret = appSecret
            self.verifyToken = verifyToken
            self.accessToken = accessToken
            self.settings = settings
        }
    }

    /// A new channel with its webhook URL (and, for Wazzup, the one-time secret in it).
    public struct Created: Sendable, Encodable {
        public let channel: Channel
        public let webhook: String
        public let secret: String

        public func encode(to encoder: Encoder) throws {
            try channel.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(webhook, forKey: .webhook)
            try c.encode(secret, forKey: .secret)
        }

        enum CodingKeys: String, CodingKey { case webhook, secret }
    }

    public func add(_ new: NewChannel, baseURL: String) throws -> Created {
        let name = new.name.trimmedSpaces
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !name.allSatisfy(\.isNumber) else {
            throw DomainError.unprocessable("channel name must be letters, digits, - or _, not only digits (it is part of the webhook URL, "
                + "where a number is a channel id)")
        }
        let region = try new.region.map(PhoneNumber.checkedRegion)
        var adjusted = new.settings
        adjusted.exceptions = try Self.checkedExceptions(new.settings.exceptions, region: region)
        let settings = adjusted
        let secret = try Self.makeSecret()
        let now = Timestamp.now()
        let channel = try store.writeAndWait { db -> Channel in
            if try db.queryOne("SELECT id FROM channels WHERE name = ?", name) != nil {
                throw DomainError.conflict("a channel named \(name) exists")
            }
            if let id = new.phoneNumberId, try db.queryOne("SELECT id FROM channels WHERE phone_number_id = ?", id) != nil {
                throw DomainError.conflict("phone_number_id \(id) already belongs to a channel")
            }
            try db.execute("""
                INSERT INTO channels(name, provider, phone_number_id, display_number, region, settings, secret_hash,
                                     app_secret, verify_token, access_token, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, name, new.provider.rawValue, new.phoneNumberId, new.displayNumber, region, JSONText.string(settings),
                Self.hash(secret), new.appSecret, new.verifyToken, new.accessToken, now)
            guard let channel = try Channel.load(db, id: db.lastInsertRowID) else { throw DomainError.notFound("channel vanished") }
            return channel
        }
        return Created(channel: channel, webhook: Self.webhookURL(of: channel, secret: secret, baseURL: baseURL), secret: secret)
    }

    /// Gives a Wazzup channel a new webhook secret (its URL carries it): shown once, with the new
    /// URL to give Wazzup; the old one is refused at once (Wazzup secrets are not cached). A Meta
    /// channel is authenticated by Meta's signature with the app secret (PATCH `appSecret`): 422.
    /// nil when there is no channel `id`.
    public func rotateSecret(id: Int, baseURL: String) throws -> Created? {
        guard let channel = try find(id: id) else { return nil }
        guard channel.provider == .wazzup else {
            throw DomainError.unprocessable("channel \(channel.name) is a Meta channel: Meta signs its webhooks with the app secret; change appSecret instead")
        }
        let secret = try Self.makeSecret()
        let changed = try store.writeAndWait { db in
            try db.execute("UPDATE channels SET secret_hash = ? WHERE id = ?", Self.hash(secret), id) > 0
        }
        found.withLock { $0.removeAll() }
        return changed ? Created(channel: channel, webhook: Self.webhookURL(of: channel, secret: secret, baseURL: baseURL), secret: secret) : nil
    }

    /// A new webhook secret: `whc_` + 192 random bits in hex (stored only as `hash`).
    private static func makeSecret() throws -> String { "whc_" + (try Crypto.randomBytes(24)).hexString }

    static func hash(_ secret: String) -> String { Crypto.sha256(Array(secret.utf8)).hexString }

    /// Where the provider posts: Meta by the channel's name (it signs with the app secret), Wazzup by the secret.
    private static func webhookURL(of channel: Channel, secret: String, baseURL: String) -> String {
        channel.provider == .meta ? "\(baseURL)/webhooks/whatsapp/\(channel.name)" : "\(baseURL)/webhooks/wazzup/\(secret)"
    }

    public func list() throws -> [Channel] {
        try store.read { db in try db.query("SELECT * FROM channels ORDER BY id").map(Channel.init(row:)) }
    }

    /// The channel named `reference`, or with that id. A name wins in webhook URLs, which Meta or
    /// Wazzup already call (names made only of digits are refused now, but one kept from before
    /// must keep its URL working); `preferringId` lets the id win (removing a channel by id).
    public func find(reference: String, preferringId: Bool = false) throws -> Channel? {
        if preferringId {
            return try store.read { db in
                try db.queryOne("SELECT * FROM channels WHERE name = ?1 OR CAST(id AS TEXT) = ?1 ORDER BY CAST(id AS TEXT) = ?1 DESC LIMIT 1",
                                reference).map(Channel.init(row:))
            }
        }
        let now = DispatchTime.now().uptimeNanoseconds
        if let hit = found.withLock({ $0[reference] }), hit.expires > now { return hit.channel }
        let channel = try store.read { db in
            try db.queryOne("SELECT * FROM channels WHERE name = ?1 OR CAST(id AS TEXT) = ?1 ORDER BY name = ?1 DESC LIMIT 1",
                            reference).map(Channel.init(row:))
        }
        if let channel {
            found.withLock { cache in
                if cache.count >= 1024 { cache.removeAll() }
                cache[reference] = (channel, now + cacheNanos)
            }
        }
        return channel
    }

    public func find(id: Int) throws -> Channel? {
        try store.read { db in try Channel.load(db, id: id) }
    }

    /// The channel a Wazzup webhook secret belongs to.
    func authenticate(secret: String) throws -> Channel? {
        let hash = Self.hash(secret)
        return try store.read { db in try db.queryOne("SELECT * FROM channels WHERE secret_hash = ?", hash).map(Channel.init(row:)) }
    }

    public func remove(id: Int) throws -> Bool {
        defer { found.withLock { $0.removeAll() } }
        return try store.writeAndWait { db in try db.execute("DELETE FROM channels WHERE id = ?", id) > 0 }
    }


    /// What a `PATCH /api/v1/channels/{id}` changes; nil members stay as they are.
    public struct Change: Sendable {
        /// A JSON merge patch (RFC 7396) of the settings as JSON text, `null` for every default.
        public var settingsPatch: Data?
        /// The settings exactly (tests and tools); applied before `settingsPatch`.
        public var settings: ChannelSettings?
        public var region: String?
        public var phoneNumberId: String?
        /// `.some(nil)` clears it.
        public var displayNumber: String??
        public var appSecret: String?
        public var verifyToken: String?
        public var accessToken: String?

        public init(settingsPatch: Data? = nil, settings: ChannelSettings? = nil, region: String? = nil, phoneNumberId: String? = nil,
                    displayNumber: String?? = nil, appSecret: String? = nil, verifyToken: String? = nil, accessToken: String? = nil) {
            self.settingsPatch = settingsPatch
            self.settings = settings
            self.region = region
            self.phoneNumberId = phoneNumberId
            self.displayNumber = displayNumber
            self.appSecret = appSecret
            self.verifyToken = verifyToken
            self.accessToken = accessToken
        }
    }

    /// Applies `change`: settings merged into the stored ones (members a patch leaves out stay
    /// as they are), the rest where given. Everything is checked before anything is written.
    public func update(id: Int, _ change: Change) throws -> Channel {
        defer { found.withLock { $0.removeAll() } }
        let region = try change.region.map(PhoneNumber.checkedRegion)
        return try store.writeAndWait { db -> Channel in
            guard let stored = try Channel.load(db, id: id) else { throw DomainError.notFound("no channel \(id)") }
            var settings = change.settings
            if let patch = change.settingsPatch {
                settings = try ChannelSettings.merging(patch, into: settings ?? stored.settings)
            }
            if var changed = settings {
                changed.exceptions = try Self.checkedExceptions(changed.exceptions, region: region ?? stored.region)
                settings = changed
            }
            if let phoneNumberId = change.phoneNumberId,
               try db.queryOne("SELECT id FROM channels WHERE phone_number_id = ? AND id <> ?", phoneNumberId, id) != nil {
                throw DomainError.conflict("phone_number_id \(phoneNumberId) already belongs to a channel")
            }
            if let settings { try db.execute("UPDATE channels SET settings = ? WHERE id = ?", JSONText.string(settings), id) }
            if let region { try db.execute("UPDATE channels SET region = ? WHERE id = ?", region, id) }
            if let phoneNumberId = change.phoneNumberId {
                try db.execute("UPDATE channels SET phone_number_id = ? WHERE id = ?", phoneNumberId, id)
            }
            if let displayNumber = change.displayNumber {
                try db.execute("UPDATE channels SET display_number = ? WHERE id = ?", SQLValue(displayNumber), id)
            }
            if let appSecret = change.appSecret { try db.execute("UPDATE channels SET app_secret = ? WHERE id = ?", appSecret, id) }
            if let verifyToken = change.verifyToken { try db.execute("UPDATE channels SET verify_token = ? WHERE id = ?", verifyToken, id) }
            if let accessToken = change.accessToken { try db.execute("UPDATE channels SET access_token = ? WHERE id = ?", accessToken, id) }
            guard let channel = try Channel.load(db, id: id) else { throw DomainError.notFound("no channel \(id)") }
            return channel
        }
    }

    /// `exceptions` in E.164, read with the channel's region.
    private static func checkedExceptions(_ numbers: [String], region: String?) throws -> [String] {
        try numbers.map { number in
            do { return try PhoneNumber.e164(number, region: region) } catch { throw DomainError.unprocessable("exceptions: \(error)") }
        }
    }
}
