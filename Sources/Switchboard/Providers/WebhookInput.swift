import Foundation
import HTTPServer

/// Why a webhook body was refused; 400 for unreadable bodies, 422 for readable but wrong ones.
enum WebhookError: HTTPResponseError {
    case invalidJSON(String)
    case invalidForm(String)
    case missingField(String)
    case invalidField(String, String)
    case unknownEventKind(String)
    case badSignature(String)
    case unsupportedMediaType(String)

    var status: Int {
        switch self {
        case .invalidJSON, .invalidForm: return 400
        case .missingField, .invalidField, .unknownEventKind: return 422
        case .badSignature: return 401
        case .unsupportedMediaType: return 415
        }
    }

    var code: String {
        switch self {
        case .invalidJSON: return "invalid_json"
        case .invalidForm: return "invalid_form"
        case .missingField: return "missing_field"
        case .invalidField: return "invalid_field"
        case .unknownEventKind: return "unknown_event_kind"
        case .badSignature: return "bad_signature"
        case .unsupportedMediaType: return "unsupported_media_type"
        }
    }

    var message: String {
        switch self {
        case .invalidJSON(let why): return "body is not valid JSON: \(why)"
        case .invalidForm(let why): return "body is not a valid form: \(why)"
        case .missingField(let name): return "required field \(name) is missing"
        case .invalidField(let name, let why): return "field \(name): \(why)"
        case .unknownEventKind(let kind): return "unknown event kind \(kind)"
        case .badSignature(let why): return why
        case .unsupportedMediaType(let why): return why
        }
    }
}

/// Parsing helpers shared by every provider format.
enum WebhookJSON {
    /// The body as a JSON object, with a bounded nesting depth.
    static func object(_ body: [UInt8]) throws -> [String: Any] {
        guard !body.isEmpty else { throw WebhookError.invalidJSON("empty body") }
        let value: Any
        do {
            value = try WebhookJSONParser.parse(body, depthLimit: 32)
        } catch {
            throw WebhookError.invalidJSON(error.reason)
        }
        guard let object = value as? [String: Any] else { throw WebhookError.invalidJSON("expected a JSON object") }
        return object
    }

    /// The members of the body's JSON object, handed to `visit` in order as they are read,
    /// without building a dictionary or an array of them; refused exactly as `object` refuses
    /// (`visit` may have seen the members before the fault).
    static func eachMember(_ body: [UInt8], _ visit: (String, WebhookJSONParser.Member) -> Void) throws {
        guard !body.isEmpty else { throw WebhookError.invalidJSON("empty body") }
        let isObject: Bool
        do {
            isObject = try WebhookJSONParser.eachMember(of: body, depthLimit: 32, visit)
        } catch {
            throw WebhookError.invalidJSON(error.reason)
        }
        guard isObject else { _ = try object(body); throw WebhookError.invalidJSON("expected a JSON object") }
    }

    /// The body as `application/x-www-form-urlencoded` pairs. `strict`: a `%` not followed by
    /// two hex digits is 400 `invalid_form`; otherwise it is kept as typed, as PHP's
    /// `urldecode` keeps it (for a provider that never redelivers, see `ProviderBody.jsonOrForm`).
    static func form(_ body: [UInt8], strict: Bool = true) throws -> [String: String] {
        let text = try formText(body)
        let pairs = strict ? try formPairs(text) : FormDecoding.pairs(text)
        return Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    /// The text of a form body, checked to be UTF-8 and to look like key=value pairs.
    static func formText(_ body: [UInt8]) throws -> String {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw WebhookError.invalidForm("not UTF-8")
        }
        guard text.isEmpty || !text.contains(where: { $0 == "{" || $0 == "\n" }) || text.contains("=") else {
            throw WebhookError.invalidForm("expected key=value pairs")
        }
        return text
    }

    /// The pairs of a form body, every escape checked (400 `invalid_form` otherwise).
    static func formPairs(_ text: String) throws -> [(String, String)] {
        do {
            return try FormDecoding.strictPairs(text)
        } catch {
            throw WebhookError.invalidForm(error.reason)
        }
    }
}

/// Typed access to a decoded JSON object or form, with errors naming the field.
struct WebhookFields {
    let values: [String: Any]

    init(_ values: [String: Any]) { self.values = values }

    /// A string, or a number rendered as one; nil for absent, null or empty.
    func string(_ key: String) -> String? { Self.string(values[key]) }

    func int(_ key: String) throws -> Int? { try Self.int(values[key], key: key) }

    /// A number of seconds: `int`, with a fraction rounded up.
    func seconds(_ key: String) throws -> Int? { try Self.int(values[key], key: key, roundingUp: true) }

    /// The five UTM tags, read from `utm_*` keys or a nested `utm` object.
    func utm() -> [String: String] {
        Self.utm(topLevel: { values[$0] }, nested: values["utm"])
    }

    /// `string(_:)` of one value.
    static func string(_ value: Any?) -> String? {
        guard let value else { return nil }   // most fields are absent; the casts below are not free
        switch value {
        case let s as String: return s.isEmpty ? nil : s
        // A JSON true/false is no id, number or name ("1" would name call 1 or agent 1).
        case let n as NSNumber: return isBoolean(n) ? nil : n.stringValue
        default: return nil
        }
    }

    /// `string(_:)` for our own formats, which say what each field holds: a boolean, array or
    /// object where text belongs is 422 naming `key` (it was dropped, and the event stored
    /// without it: no client number, no agent, dated on arrival).
    static func text(_ value: Any?, key: String) throws -> String? {
        guard let value else { return nil }
        if let text = string(value) { return text }
        switch value {
        case is NSNull, is String: return nil   // null, or ""
        case is NSNumber: throw WebhookError.invalidField(key, "expected text, got a boolean")
        case is [Any]: throw WebhookError.invalidField(key, "expected text, got an array")
        default: throw WebhookError.invalidField(key, "expected text, got an object")
        }
    }

    /// `int(_:)` of one value; `key` names the field in the error.
    ///
    /// No count, duration or id a provider sends comes near 2^53, and keeping them below it
    /// means sums and differences of two of them cannot overflow (which would stop the
    /// daemon): a number outside ±2^53, or not finite (`nan`, `1e999`), is refused. So is a
    /// fractional one (an id `2.2` was read as 2), unless `roundingUp` (seconds): it is then
    /// rounded away from zero, since bridges that report seconds with fractions sent
    /// `"talkTime": 0.4`, which truncated to 0 made a talked call a missed one with a task.
    static func int(_ value: Any?, key: String, roundingUp: Bool = false) throws -> Int? {
        guard let value else { return nil }
        let number: Double
        switch value {
        case is NSNull: return nil
        case let s as String:
            if s.isEmpty { return nil }
            if let n = Int(s), n.magnitude <= UInt(largestInt) { return n }
            guard let d = Double(s) else { throw WebhookError.invalidField(key, "expected a number, got \(s)") }
            number = d
        case let n as NSNumber:
            if isBoolean(n) { throw WebhookError.invalidField(key, "expected a number, got a boolean") }
            if let exact = Int(exactly: n), exact.magnitude <= UInt(largestInt) { return exact }
            number = n.doubleValue
        default: throw WebhookError.invalidField(key, "expected a number")
        }
        guard number.isFinite, abs(number) <= Double(largestInt) else {
            throw WebhookError.invalidField(key, "expected a number between -2^53 and 2^53")
        }
        guard roundingUp || number.rounded(.towardZero) == number else {
            throw WebhookError.invalidField(key, "expected a whole number, got \(value)")
        }
        return Int(number.rounded(.awayFromZero))
    }

    /// Whether the JSON parser made `n` from `true` or `false` (NSNumber(value: Bool), type "c";
    /// it makes integers and doubles of other types).
    static func isBoolean(_ n: NSNumber) -> Bool { n.objCType.pointee == CChar(UInt8(ascii: "c")) }

    /// 2^53: the largest magnitude `int` accepts.
    static let largestInt = 1 << 53

    /// `utm()` over a top-level lookup and the value of the `utm` key. Values are trimmed, and a
    /// blank one counts as absent: a template sending `"utm_campaign": "  "` overwrote the real
    /// campaign in last touch, and `" google "` split reports from `google`.
    static func utm(topLevel: (String) -> Any?, nested: Any?) -> [String: String] {
        var out: [String: String] = [:]
        let nested = nested as? [String: Any] ?? [:]
        for (key, short) in utmKeysAndShortNames {
            for candidate in [string(topLevel(key)), string(nested[key]), string(nested[short])] {
                guard let value = candidate?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { continue }
                out[key] = value
                break
            }
        }
        return out
    }

    /// `utm_source` and `source`, and so on.
    private static let utmKeysAndShortNames = CallEvent.utmKeys.map { ($0, String($0.dropFirst(4))) }
}
