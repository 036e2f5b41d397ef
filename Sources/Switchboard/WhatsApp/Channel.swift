import Foundation
import Synchronization
import Store

/// One WhatsApp business number and how its conversations are handled.
public struct Channel: Sendable, Codable, Equatable {
    public enum Provider: String, Sendable, Codable, CaseIterable { case meta, wazzup }

    public var id: Int
    public var name: String
    public var provider: Provider
    /// Meta's `phone_number_id` (Wazzup: the channel id).
    public var phoneNumberId: String?
    public var displayNumber: String?
    public var region: String?
    public var settings: ChannelSettings
    public var createdAt: String
    /// Meta app secret (signatures), verify token (handshake) and access token (sending); never returned by the API.
    var appSecret: String
    var verifyToken: String
    var accessToken: String

    enum CodingKeys: String, CodingKey { case id, name, provider, phoneNumberId, displayNumber, region, settings, createdAt, hasAccessToken }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        provider = try c.decode(Provider.self, forKey: .provider)
        phoneNumberId = try c.decodeIfPresent(String.self, forKey: .phoneNumberId)
        displayNumber = try c.decodeIfPresent(String.self, forKey: .displayNumber)
        region = try c.decodeIfPresent(String.self, forKey: .region)
        settings = try c.decode(ChannelSettings.self, forKey: .settings)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        appSecret = ""
        verifyToken = ""
        accessToken = ""
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(provider, forKey: .provider)
        try c.encodeIfPresent(phoneNumberId, forKey: .phoneNumberId)
        try c.encodeIfPresent(displayNumber, forKey: .displayNumber)
        try c.encodeIfPresent(region, forKey: .region)
        try c.encode(settings, forKey: .settings)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(!accessToken.isEmpty, forKey: .hasAccessToken)
    }

    init(row: Row) {
        id = row.int("id") ?? 0
        name = row.string("name") ?? ""
        provider = Provider(rawValue: row.string("provider") ?? "") ?? .meta
        phoneNumberId = row.string("phone_number_id")
        displayNumber = row.string("display_number")
        region = row.string("region")
        settings = ChannelSettings.decoded(row.string("settings") ?? "{}")
        createdAt = row.string("created_at") ?? ""
        appSecret = row.string("app_secret") ?? ""
        verifyToken = row.string("verify_token") ?? ""
        accessToken = row.string("access_token") ?? ""
    }

    static func load(_ db: Database, id: Int) throws -> Channel? {
        try db.queryOne("SELECT * FROM channels WHERE id = ?", id).map(Channel.init(row:))
    }
}

/// How a channel treats who writes to it; every field has a default, so `{}` is valid.
public struct ChannelSettings: Sendable, Codable, Equatable {
    /// The settings column decoded, remembered by its text: every inbound message loads its
    /// channel on the writer thread, and JSONDecoder made that the costliest step.
    static func decoded(_ text: String) -> ChannelSettings {
        if let known = decodedByText.withLock({ $0[text] }) { return known }
        let settings = (try? JSONText.decoder.decode(ChannelSettings.self, from: Data(text.utf8))) ?? ChannelSettings()
        decodedByText.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[text] = settings
        }
        return settings
    }

    private static let decodedByText = Mutex<[String: ChannelSettings]>([:])

    public enum SyncFilter: String, Sendable, Codable { case everyone, existing, except }
    public enum CreateAs: String, Sendable, Codable { case lead, contact }
    public enum ClosedDealsPolicy: String, Sendable, Codable { case notify, newDeal = "new-deal" }
    public enum Distribution: String, Sendable, Codable { case unsorted, roundRobin = "round-robin" }

    /// Whose messages are synced: everyone, only existing contacts, or everyone except `exceptions`.
    public var syncFilter: SyncFilter = .everyone
    /// E.164 numbers not synced when `syncFilter` is `except`.
    public var exceptions: [String] = []
    public var pipeline = "default"
    public var stage = "new"
    /// A new client becomes a contact with a deal (lead) or a contact only.
    public var createAs: CreateAs = .lead
    /// When every deal of the client is closed and they write again.
    public var closedDealsPolicy: ClosedDealsPolicy = .notify
    /// New clients: everyone with receivesNewClients is notified and the first to reply owns them
    /// (unsorted), or they go to one such agent at a time in turn (round-robin).
    public var distribution: Distribution = .unsorted
    public var apiBase = "https://graph.facebook.com"
    public var apiVersion = "v21.0"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case syncFilter, exceptions, pipeline, stage, createAs, closedDealsPolicy, distribution, apiBase, apiVersion
    }

    /// Keys of `object` that are no setting (a typo such as `syncFiltr` would be saved and do
    /// nothing), sorted. Checked where settings come in, not where stored ones are read.
    public static func unknownKeys(in object: [String: Any]) -> [String] {
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        return object.keys.filter { !known.contains($0) }.sorted()
    }

    /// SQL true when the `channels` row `alias` leaves new clients unsorted (the default when
    /// its settings do not say).
    static func isUnsortedSQL(_ alias: String) -> String {
        "coalesce(json_extract(\(alias).settings, '$.distribution'), 'unsorted') = 'unsorted'"
    }

    /// Settings from a parsed JSON document (`settings` of `POST /api/v1/channels`): null and a
    /// null member are defaults, as absent is.
    /// - Throws: 422 naming an unknown setting, a wrong type or an empty pipeline or stage.
    static func decoded(document: Any?) throws -> ChannelSettings? {
        guard let document, !(document is NSNull) else { return nil }
        guard let object = document as? [String: Any] else { throw DomainError.unprocessable("settings: must be a JSON object") }
        if let unknown = unknownKeys(in: object).first {
            throw DomainError.unprocessable("settings.\(unknown): unknown setting (README.md, WhatsApp, lists them)")
        }
        let settings = try APIBody.decode(JSONMergePatch.apply(object, to: nil), as: ChannelSettings.self, field: "settings")
            ?? ChannelSettings()
        for (name, value) in [("pipeline", settings.pipeline), ("stage", settings.stage)] where value.trimmedSpaces.isEmpty {
            throw DomainError.unprocessable("settings.\(name): must not be empty (deals need one)")
        }
        return settings
    }

    /// `stored` with the JSON merge patch `patch` (RFC 7396; JSON text, `null` for every default)
    /// applied: settings it leaves out stay as they are, a null member goes back to its default.
    static func merging(_ patch: Data, into stored: ChannelSettings) throws -> ChannelSettings {
        let parsed = try JSONSerialization.jsonObject(with: patch, options: .fragmentsAllowed)
        if parsed is NSNull { return ChannelSettings() }
        guard let object = parsed as? [String: Any] else { throw DomainError.unprocessable("settings: must be a JSON object") }
        let base = try JSONSerialization.jsonObject(with: Data(JSONText.bytes(stored)))
        return try decoded(document: JSONMergePatch.apply(object, to: base)) ?? ChannelSettings()
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ChannelSettings()
        syncFilter = try c.decodeIfPresent(SyncFilter.self, forKey: .syncFilter) ?? d.syncFilter
        exceptions = try c.decodeIfPresent([String].self, forKey: .exceptions) ?? d.exceptions
        pipeline = try c.decodeIfPresent(String.self, forKey: .pipeline) ?? d.pipeline
        stage = try c.decodeIfPresent(String.self, forKey: .stage) ?? d.stage
        createAs = try c.decodeIfPresent(CreateAs.self, forKey: .createAs) ?? d.createAs
        closedDealsPolicy = try c.decodeIfPresent(ClosedDealsPolicy.self, forKey: .closedDealsPolicy) ?? d.closedDealsPolicy
        distribution = try c.decodeIfPresent(Distribution.self, forKey: .distribution) ?? d.distribution
        apiBase = try c.decodeIfPresent(String.self, forKey: .apiBase) ?? d.apiBase
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion) ?? d.apiVersion
    }
}
