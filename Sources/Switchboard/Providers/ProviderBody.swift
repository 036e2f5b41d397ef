import Foundation
import HTTPServer

/// Reading provider webhook bodies and checking their signatures: the pieces the
/// Twilio, Zadarma, Ringostat and Aircall formats share.
enum ProviderBody {
    /// The body as form pairs in arrival order (repeats kept, as Twilio's signature needs them),
    /// urlencoded or `multipart/form-data`: both give the same pairs, so signatures computed over
    /// field values (Zadarma) or over the URL and the sorted pairs (Twilio) check either way.
    /// A body declared as JSON is 415: these providers only post forms.
    static func formPairs(_ request: HTTPRequest) throws -> [(String, String)] {
        if let type = request.header("content-type")?.lowercased(), mediaType(type).contains("json") {
            throw WebhookError.unsupportedMediaType("expected \(formMediaTypes), got \(type)")
        }
        if let pairs = try multipartPairs(request) { return pairs }
        return try WebhookJSON.formPairs(WebhookJSON.formText(request.body))
    }

    /// The form encodings we read, as 415 messages name them.
    static let formMediaTypes = "application/x-www-form-urlencoded or multipart/form-data"

    /// The text fields of a `multipart/form-data` body (RFC 7578, read by
    /// `FormDecoding.multipartPairs`, which says which parts are fields) in arrival order, or nil
    /// when the body is not declared as multipart. A provider that posts forms may post either
    /// encoding: Zadarma's notifications may come as multipart (github.com/gravitymir/zadarma
    /// parses them so), and its own PHP examples read `$_POST`, which accepts both. A refused
    /// delivery costs more than a second decoder, since Zadarma disables a notification URL that
    /// keeps failing.
    /// - Throws: 400 `invalid_form` for a broken multipart body or boundary; 415 for another
    ///   multipart type (`multipart/mixed`…), whose parts are not form fields.
    static func multipartPairs(_ request: HTTPRequest) throws -> [(String, String)]? {
        guard let type = request.header("content-type") else { return nil }
        let boundary: String?
        do throws(FormDecoding.MultipartError) {
            boundary = try FormDecoding.multipartBoundary(contentType: type)
        } catch {
            throw WebhookError.invalidForm(error.reason)
        }
        guard let boundary else {
            let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if mediaType.hasPrefix("multipart/") {
                throw WebhookError.unsupportedMediaType("expected \(formMediaTypes), got \(mediaType)")
            }
            return nil
        }
        do throws(FormDecoding.MultipartError) {
            return try FormDecoding.multipartPairs(request.body, boundary: boundary)
        } catch {
            throw WebhookError.invalidForm(error.reason)
        }
    }

    /// The media type of a (lowercased) Content-Type, without its parameters: a multipart
    /// boundary may contain any word, "json" included.
    static func mediaType(_ contentType: String) -> Substring {
        contentType.prefix { $0 != ";" }
    }

    /// The body as a form dictionary (the last value of a repeated key wins).
    static func form(_ request: HTTPRequest) throws -> [String: String] {
        Dictionary(try formPairs(request), uniquingKeysWith: { _, last in last })
    }

    /// A JSON or form body, whichever it is: by Content-Type, else by its first byte.
    /// Ringostat lets the operator choose either per webhook. A form may be urlencoded or
    /// `multipart/form-data`; a repeated field keeps its last value either way. A bare `%`
    /// in a urlencoded value (`utm_campaign=50%off`) is kept as typed rather than refused:
    /// Ringostat never redelivers, so a 400 would lose the call for one unescaped character.
    static func jsonOrForm(_ request: HTTPRequest) throws -> [String: Any] {
        let type = request.header("content-type")?.lowercased() ?? ""
        if mediaType(type).contains("json") { return try WebhookJSON.object(request.body) }
        if let pairs = try multipartPairs(request) { return Dictionary(pairs, uniquingKeysWith: { _, last in last }) }
        if type.contains("x-www-form-urlencoded") { return try WebhookJSON.form(request.body, strict: false) }
        let first = request.body.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return try WebhookJSON.object(request.body) }
        let form = try WebhookJSON.form(request.body, strict: false)
        guard !form.isEmpty else { throw WebhookError.invalidForm("empty body") }
        return form
    }

    /// The provider's signing secret, or 401 saying how to configure it: without it a
    /// signature cannot be checked, and an unchecked signed webhook is refused, not trusted.
    static func signingKey(_ integration: Integration, what: String) throws -> [UInt8] {
        guard !integration.providerSecret.isEmpty else {
            throw WebhookError.badSignature("\(what) must be configured for this integration "
                + "(switchboard integrations add … --provider-secret) before its webhooks are accepted")
        }
        return Array(integration.providerSecret.utf8)
    }

    /// Whether `received` equals `expected`, compared in constant time (CRYPTO_memcmp).
    static func matches(_ received: String, _ expected: String) -> Bool {
        Crypto.constantTimeEquals(Array(received.utf8), Array(expected.utf8))
    }

    /// Base64 of `bytes` (standard alphabet, padded).
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// `time` moved by `seconds` when both are known (a start time plus a duration gives the end).
    static func adding(seconds: Int?, to time: String?) -> String? {
        guard let time, let seconds, seconds != 0, let date = Timestamp.parse(time) else { return time }
        return Timestamp.format(date.addingTimeInterval(Double(seconds)))
    }

    /// `text` as a stored timestamp; nil when absent, 422 naming `field` when present but not a time.
    /// - Parameter zone: where a time without an offset is local (`IntegrationSettings.timeZone`,
    ///   for providers that write their account's wall clock); nil reads it as UTC.
    static func timestamp(_ text: String?, field: String, localTimeIn zone: TimeZone? = nil) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard let normalized = Timestamp.normalize(text, localTimeIn: zone) else {
            throw WebhookError.invalidField(field, "expected a date and time, got \(text)")
        }
        return normalized
    }

    /// An `ended` event whose provider says the call was answered, preceded by that answer.
    /// Providers whose only (or default) webhook is the one after the call (Twilio's `completed`,
    /// Zadarma's NOTIFY_OUT_END, Ringostat's after-call, Aircall's call.ended) would otherwise
    /// leave a talked-through call without an answer time, and it would count as missed.
    /// The answer gets its own idempotency key; a separate answered webhook merges with it
    /// (each moment keeps its earliest time).
    static func answeredThenEnded(_ ended: CallEvent, answeredAt: String?) -> [CallEvent] {
        var answered = ended
        answered.kind = .answered
        answered.occurredAt = answeredAt ?? ended.occurredAt
        answered.endReason = nil
        answered.eventId = ended.eventId.map { "\($0):answered" }
        return [answered, ended]
    }
}
