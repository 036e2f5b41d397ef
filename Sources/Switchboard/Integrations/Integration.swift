import Store

/// A connected call platform: which provider format it speaks, how its numbers
/// are read, and what its calls do (missed-call tasks, UTM fields).
public struct Integration: Sendable, Codable, Equatable {
    public enum Provider: String, Sendable, Codable, CaseIterable {
        case native, twilio, zadarma, ringostat, aircall
    }

    public var id: Int
    public var name: String
    public var provider: Provider
    /// Default region (ISO 3166 alpha-2) for numbers without an international prefix.
    public var region: String?
    public var settings: IntegrationSettings
    public var createdAt: String
    /// The provider's signing secret (Twilio auth token, Zadarma API secret, Aircall token); never returned by the API.
    var providerSecret: String

    enum CodingKeys: String, CodingKey { case id, name, provider, region, settings, createdAt }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(provider, forKey: .provider)
        try c.encodeIfPresent(region, forKey: .region)
        var shown = settings
        shown.dialer = settings.dialer?.redacted
        try c.encode(shown, forKey: .settings)
        try c.encode(createdAt, forKey: .createdAt)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        provider = try c.decode(Provider.self, forKey: .provider)
        region = try c.decodeIfPresent(String.self, forKey: .region)
        settings = try c.decode(IntegrationSettings.self, forKey: .settings)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        providerSecret = ""
    }

    init(row: Row) {
        id = row.int("id") ?? 0
        name = row.string("name") ?? ""
        provider = Provider(rawValue: row.string("provider") ?? "") ?? .native
        region = row.string("region")
        settings = IntegrationSettings.decode(row.string("settings"))
        createdAt = row.string("created_at") ?? ""
        providerSecret = row.string("provider_secret") ?? ""
    }
}

/// Per-integration behaviour; every field has a default so `{}` is valid.
public struct IntegrationSettings: Sendable, Codable, Equatable {
    public var missedCallTask = MissedCallTaskSettings()
    public var utm = UTMSettings()
    /// Click-to-call and presence; nil when this integration does not place calls.
    public var dialer: DialerSettings?

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        missedCallTask = try c.decodeIfPresent(MissedCallTaskSettings.self, forKey: .missedCallTask) ?? .init()
        utm = try c.decodeIfPresent(UTMSettings.self, forKey: .utm) ?? .init()
        dialer = try c.decodeIfPresent(DialerSettings.self, forKey: .dialer)
    }

    static func decode(_ text: String?) -> IntegrationSettings {
        guard let text, let decoded = try? JSONText.decoder.decode(IntegrationSettings.self, from: Data(text.utf8)) else {
            return IntegrationSettings()
        }
        return decoded
    }
}

/// What a missed call files: on which board, for whom, titled how, due when.
public struct MissedCallTaskSettings: Sendable, Codable, Equatable {
    public var enabled = true
    public var board = "calls"
    /// A fixed agent; nil means the contact's owner (or nobody when it has none).
    public var assigneeAgentId: Int?
    /// `{{contact.name}}`, `{{contact.phone}}` and `{{call.ourNumber}}` are filled in.
    public var title = "Call back {{contact.name}}"
    /// Minutes from the missed call to the deadline.
    public var deadlineMinutes = 60

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MissedCallTaskSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        board = try c.decodeIfPresent(String.self, forKey: .board) ?? defaults.board
        assigneeAgentId = try c.decodeIfPresent(Int.self, forKey: .assigneeAgentId)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? defaults.title
        deadlineMinutes = try c.decodeIfPresent(Int.self, forKey: .deadlineMinutes) ?? defaults.deadlineMinutes
    }
}

/// Which UTM tags land in which contact fields.
public struct UTMSettings: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable { case firstTouch = "first-touch", lastTouch = "last-touch" }
    /// UTM key (`utm_source`) → contact custom field name (`Source`).
    public var fields: [String: String] = [:]
    /// Only these keys are written; nil means every key in `fields`.
    public var write: [String]?
    /// First touch fills empty fields only; last touch overwrites.
    public var mode: Mode = .firstTouch

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fields = try c.decodeIfPresent([String: String].self, forKey: .fields) ?? [:]
        write = try c.decodeIfPresent([String].self, forKey: .write)
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? .firstTouch
        for key in fields.keys where !CallEvent.utmKeys.contains(key) {
            throw DecodingError.dataCorruptedError(forKey: .fields, in: c, debugDescription: "unknown UTM key \(key)")
        }
    }
}

import Foundation
