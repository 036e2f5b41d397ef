import Foundation
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
    /// When the integration was removed; nil while it is live. A removed integration keeps its
    /// row (its id is never handed out again and `rebuild` replays its calls with its settings)
    /// but authenticates no webhook, is not listed and cannot be changed.
    public var removedAt: String?
    /// The provider's signing secret (Twilio auth token, Zadarma API secret, Aircall token); never returned by the API.
    var providerSecret: String
    /// Which version of `region` and `settings` this is (`integration_settings`, migration 036):
    /// each call event records the one it was applied with, and `rebuild` applies it with that.
    var settingsVersion = 0

    enum CodingKeys: String, CodingKey { case id, name, provider, region, settings, createdAt, removedAt }

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
        try c.encodeIfPresent(removedAt, forKey: .removedAt)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        provider = try c.decode(Provider.self, forKey: .provider)
        region = try c.decodeIfPresent(String.self, forKey: .region)
        settings = try c.decode(IntegrationSettings.self, forKey: .settings)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        removedAt = try c.decodeIfPresent(String.self, forKey: .removedAt)
        providerSecret = ""
    }

    init(row: Row) {
        id = row.int("id") ?? 0
        name = row.string("name") ?? ""
        provider = Provider(rawValue: row.string("provider") ?? "") ?? .native
        region = row.string("region")
        settings = IntegrationSettings.decode(row.string("settings"))
        createdAt = row.string("created_at") ?? ""
        removedAt = row.string("removed_at")
        providerSecret = row.string("provider_secret") ?? ""
        settingsVersion = row.int("settings_version") ?? 0
    }
}

/// Per-integration behaviour; every field has a default so `{}` is valid.
public struct IntegrationSettings: Sendable, Codable, Equatable {
    public var missedCallTask = MissedCallTaskSettings()
    public var utm = UTMSettings()
    /// Click-to-call and presence; nil when this integration does not place calls.
    public var dialer: DialerSettings?
    /// The IANA time zone (`Europe/Kyiv`) in which the provider writes times without an offset:
    /// Ringostat's `calldate` is the project's wall clock, Zadarma's `call_start` the account's
    /// (its time zone setting, which https://zadarma.com/en/support/api/#api_info_timezone
    /// returns); see webhooks/ringostat.md, "Times", and webhooks/zadarma.md, "Time zone".
    /// Nil reads them as UTC, as before the setting existed. Times that carry an offset, and
    /// Unix times, are the same moment whatever it says; other providers send only those.
    public var timeZone: String?

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        missedCallTask = try c.decodeIfPresent(MissedCallTaskSettings.self, forKey: .missedCallTask) ?? .init()
        utm = try c.decodeIfPresent(UTMSettings.self, forKey: .utm) ?? .init()
        dialer = try c.decodeIfPresent(DialerSettings.self, forKey: .dialer)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
    }

    /// `timeZone` as Foundation's zone; nil when it is not set.
    ///
    /// A name `validate` refused cannot be saved; one it accepted that a later toolchain's tz
    /// data no longer knows reads as UTC (nil), as before the setting existed, rather than refuse
    /// the webhooks: Ringostat never redelivers one, and Zadarma turns off a failing URL.
    var providerTimeZone: TimeZone? {
        timeZone.flatMap(Self.zone(named:))
    }

    /// The zone named `name`, nil when it is not a zone of the tz database (names are
    /// case-sensitive: `Europe/Kyiv`). Foundation reads the tz data compiled into the
    /// toolchain's ICU, not /usr/share/zoneinfo, so no system package is needed. It also takes
    /// custom offsets (`GMT+2`, `UTC+02:00`, which it names `GMT+0200`): those are refused, as
    /// a fixed offset misses the daylight-saving change twice a year. (The tz database's own
    /// `Etc/GMT-2` stays accepted, and `GMT+0` is UTC.)
    static func zone(named name: String) -> TimeZone? {
        guard let zone = TimeZone(identifier: name), !zone.identifier.hasPrefix("GMT+"), !zone.identifier.hasPrefix("GMT-") else {
            return nil
        }
        return zone
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

    /// The names inside `{{…}}` that a title may use: exactly those `applyMissedCallRules`
    /// (Projector+Calls.swift) replaces, spelled exactly so (it replaces the literal text).
    static let titlePlaceholders = ["contact.name", "contact.phone", "call.ourNumber"]
    /// The latest deadline, a year after the missed call: later is no call-back deadline, and
    /// a huge value would move the deadline past the times we can store.
    static let maximumDeadlineMinutes = 366 * 24 * 60

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

extension IntegrationSettings {
    /// Refuses settings that decode but cannot work, naming the setting: tasks for an agent
    /// who does not exist, deadlines before the missed call, titles that would keep a literal
    /// `{{placeholder}}`, UTM keys written that are mapped to no field, a time zone that is none.
    ///
    /// Checked where settings are saved (`IntegrationDirectory.add` and `update`, which the API
    /// and the CLI both use), not in `init(from:)`: settings stored before a rule existed must
    /// still load, and `decode` would turn a failure into the defaults without a word.
    /// - Parameter agentRole: the role of the agent with this id, nil when there is none.
    /// - Throws: `DomainError.unprocessable` (422; exit 65 from the CLI) naming the first setting refused.
    func validate(agentRole: (Int) throws -> Agent.Role?) throws {
        func refuse(_ setting: String, _ why: String) -> DomainError { .unprocessable("settings.\(setting): \(why)") }
        func isBlank(_ text: String) -> Bool { text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        let task = missedCallTask
        if let id = task.assigneeAgentId, let why = Agent.workRefusal(id, role: try agentRole(id), qualityControl: "completes no tasks") {
            throw refuse("missedCallTask.assigneeAgentId", why)
        }
        guard task.deadlineMinutes >= 0 else {
            throw refuse("missedCallTask.deadlineMinutes", "must not be negative (the deadline would come before the missed call)")
        }
        guard task.deadlineMinutes <= MissedCallTaskSettings.maximumDeadlineMinutes else {
            throw refuse("missedCallTask.deadlineMinutes", "at most \(MissedCallTaskSettings.maximumDeadlineMinutes) (366 days)")
        }
        guard !isBlank(task.title) else { throw refuse("missedCallTask.title", "must not be empty") }
        if let unknown = Self.unknownPlaceholder(in: task.title) {
            throw refuse("missedCallTask.title", "unknown placeholder \(unknown); known: "
                + MissedCallTaskSettings.titlePlaceholders.map { "{{\($0)}}" }.joined(separator: ", "))
        }
        guard !isBlank(task.board) else { throw refuse("missedCallTask.board", "must not be empty") }
        for (key, field) in utm.fields.sorted(by: { $0.key < $1.key }) where isBlank(field) {
            throw refuse("utm.fields", "\(key) is mapped to an empty field name")
        }
        for key in utm.write ?? [] where utm.fields[key] == nil {
            throw refuse("utm.write", "\(key) is not mapped to a field in utm.fields")
        }
        if let name = timeZone, Self.zone(named: name) == nil {
            throw refuse("timeZone", "unknown time zone \(name); expected an IANA name such as Europe/Kyiv "
                + "(a zone, not an offset: it follows daylight-saving time)")
        }
    }

    /// The first `{{…}}` in `title` that is not exactly a known placeholder (an unclosed `{{`
    /// included), as written; nil when there is none. The projector replaces literal text,
    /// so `{{ contact.name }}` would stay as typed and is refused too.
    private static func unknownPlaceholder(in title: String) -> String? {
        var rest = title[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { return String(rest[open.lowerBound...]) }
            let name = rest[open.upperBound..<close.lowerBound]
            guard MissedCallTaskSettings.titlePlaceholders.contains(String(name)) else {
                return String(rest[open.lowerBound..<close.upperBound])
            }
            rest = rest[close.upperBound...]
        }
        return nil
    }
}

extension IntegrationSettings {
    /// Settings from the JSON text `integrations add --settings` takes, refused as the API
    /// refuses them: not JSON, not an object, a wrong type or an unknown key.
    /// - Throws: `DomainError.unprocessable` naming the setting (the CLI exits 65, invalid data,
    ///   as it does for settings that decode but cannot work).
    public init(json text: String) throws {
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw DomainError.unprocessable("settings: not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error))")
        }
        try self.init(document: document)
    }

    /// Settings from a parsed JSON document (`settings` of `POST /api/v1/integrations`):
    /// null is every default, as `{}` is; a null member is that setting's default, as absent is.
    /// - Throws: `DomainError.unprocessable` naming the setting that is not an object, has the
    ///   wrong type, or is unknown.
    init(document: Any) throws {
        if document is NSNull { self.init(); return }
        guard let object = document as? [String: Any] else { throw DomainError.unprocessable("settings: must be a JSON object") }
        // Merging onto nothing drops the null members (RFC 7396), so creating and patching read alike.
        self = try Self.decodeStrictly(JSONMergePatch.apply(object, to: nil))
    }

    /// Decodes `object`, then refuses any key that decoding did not use.
    ///
    /// Synthesised and hand-written `init(from:)` alike skip keys they do not know, so a typo
    /// (`missedCalTask`) would be saved and do nothing. Rather than keep a list of known keys
    /// per struct beside each struct (DialerSettings is another feature's), the decoded value
    /// is encoded again: a key of the input that is not in that output was read by nothing.
    /// Members that are objects in both are compared key by key; free-form maps (`utm.fields`,
    /// `dialer.template.headers`) come back with every key, so they pass.
    private static func decodeStrictly(_ object: [String: Any]) throws -> IntegrationSettings {
        guard JSONSerialization.isValidJSONObject(object) else { throw DomainError.unprocessable("settings: must be a JSON object") }
        let decoded: IntegrationSettings
        do {
            decoded = try JSONText.decoder.decode(IntegrationSettings.self, from: try JSONSerialization.data(withJSONObject: object))
        } catch let error as DecodingError {
            // Foundation's decoder reports a number that is no integer (1.5, 1e20) where an integer
            // belongs without saying where; the first such number is named instead.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               let (path, number) = firstNonInteger(in: object, at: "settings") {
                throw DomainError.unprocessable("\(path): expected an integer, got \(number)")
            }
            throw DomainError.unprocessable(reason(error))
        }
        let used = try JSONSerialization.jsonObject(with: Data(JSONText.bytes(decoded))) as? [String: Any] ?? [:]
        if let unknown = firstUnknownKey(in: object, used: used, at: "settings") {
            throw DomainError.unprocessable("\(unknown): unknown setting (README.md, Call platforms, lists them)")
        }
        return decoded
    }

    /// The path (`settings.missedCallTask.deadline`) of the first key of `document`, in key
    /// order and depth first, that `used` does not have; nil when there is none.
    private static func firstUnknownKey(in document: [String: Any], used: [String: Any], at path: String) -> String? {
        for key in document.keys.sorted() where !(document[key] is NSNull) {
            guard let usedValue = used[key] else { return "\(path).\(key)" }
            if let inner = document[key] as? [String: Any], let usedInner = usedValue as? [String: Any],
               let unknown = firstUnknownKey(in: inner, used: usedInner, at: "\(path).\(key)") {
                return unknown
            }
        }
        return nil
    }

    /// The path and value of the first number in `document` (key order, depth first) that is not an
    /// integer a setting can hold: fractional, or beyond 2^53.
    private static func firstNonInteger(in document: Any, at path: String) -> (String, String)? {
        if let object = document as? [String: Any] {
            for key in object.keys.sorted() {
                if let found = firstNonInteger(in: object[key] as Any, at: "\(path).\(key)") { return found }
            }
        } else if let array = document as? [Any] {
            for (index, item) in array.enumerated() {
                if let found = firstNonInteger(in: item, at: "\(path)[\(index)]") { return found }
            }
        } else if let number = document as? NSNumber, !WebhookFields.isBoolean(number) {
            let value = number.doubleValue
            if value != value.rounded() || abs(value) > Double(WebhookFields.largestInt) { return (path, "\(number)") }
        }
        return nil
    }

    /// A decoding failure as `settings.<path>: <why>`, the form `validate` uses.
    private static func reason(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce("settings") { text, key in key.intValue.map { "\(text)[\($0)]" } ?? "\(text).\(key.stringValue)" }
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "settings: \(error)"
        }
    }
}

/// How `PATCH /api/v1/integrations/{id}` changes settings: a JSON merge patch onto the stored
/// ones, or (in-process callers holding a whole value) a replacement.
///
/// The patch is applied inside the writer job, onto the settings as stored at that moment, so
/// two PATCHes naming different settings both take effect.
public struct IntegrationSettingsChange: Sendable {
    private enum Kind: Sendable {
        /// The patch object as JSON text: parsed JSON values are not Sendable.
        case merge(Data)
        case replace(IntegrationSettings)
    }

    private let kind: Kind

    /// A JSON merge patch (RFC 7396, https://www.rfc-editor.org/rfc/rfc7396): objects merge
    /// recursively, null deletes a key (the setting goes back to its default), anything else
    /// replaces. `null` itself, which deletes `settings` from the integration, is every default.
    /// - Throws: `DomainError.unprocessable` when `patch` is neither an object nor null.
    public static func merging(_ patch: Any) throws -> IntegrationSettingsChange {
        if patch is NSNull { return .replacing(with: IntegrationSettings()) }
        guard let object = patch as? [String: Any], JSONSerialization.isValidJSONObject(object) else {
            throw DomainError.unprocessable("settings: must be a JSON object")
        }
        return IntegrationSettingsChange(kind: .merge(try JSONSerialization.data(withJSONObject: object)))
    }

    /// The settings become exactly `settings`.
    public static func replacing(with settings: IntegrationSettings) -> IntegrationSettingsChange {
        IntegrationSettingsChange(kind: .replace(settings))
    }

    /// `stored` after this change, decoded as strictly as new settings (not yet validated).
    /// - Throws: `DomainError.unprocessable` naming a setting the merged document has wrong or unknown.
    func applied(to stored: IntegrationSettings) throws -> IntegrationSettings {
        switch kind {
        case .replace(let settings):
            return settings
        case .merge(let data):
            // `merging` made the text from an object, so it parses as one.
            let patch = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            // The stored settings as encoded, every default spelled out: a patch replaces or
            // deletes a setting whether or not it was ever written.
            let base = try JSONSerialization.jsonObject(with: Data(JSONText.bytes(stored)))
            return try IntegrationSettings(document: JSONMergePatch.apply(patch, to: base))
        }
    }
}

/// JSON merge patch, RFC 7396 section 2 (https://www.rfc-editor.org/rfc/rfc7396#section-2),
/// over parsed JSON (`[String: Any]`, NSNull, …).
enum JSONMergePatch {
    /// `target` with the object `patch` applied member by member: null removes the member, an
    /// object is merged into the member recursively, anything else replaces it. A target that
    /// is not an object counts as `{}`.
    static func apply(_ patch: [String: Any], to target: Any?) -> [String: Any] {
        var result = target as? [String: Any] ?? [:]
        for (key, value) in patch {
            switch value {
            case is NSNull: result[key] = nil
            case let object as [String: Any]: result[key] = apply(object, to: result[key])
            default: result[key] = value
            }
        }
        return result
    }
}
