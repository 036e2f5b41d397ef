import Foundation
import HTTPServer

/// The call webhooks: our native format and each provider's own.
enum CallWebhookRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        let ingest = CallIngest(store: context.store, hub: context.hub)

        // One exact path per kind: the router finds them in a dictionary, without splitting
        // the path or filling parameters; other kinds reach the pattern (422).
        for kind in CallEventKind.allCases {
            router.add("POST", "/webhooks/calls/\(kind.rawValue)", reportedAs: "/webhooks/calls/:kind") { request, responder in
                handleNative(request, kind: kind, responder, context, ingest: ingest)
            }
        }
        // The pattern: other spellings of the same paths (a trailing slash, percent-encoding)
        // and unknown kinds, refused after authentication as before.
        router.post("/webhooks/calls/:kind") { request, responder in
            let text = request.parameters["kind"] ?? ""
            if let kind = CallEventKind(rawValue: text) { return handleNative(request, kind: kind, responder, context, ingest: ingest) }
            handle(responder) {
                _ = try authenticate(context, secret: bearerToken(request), expected: .native)
                throw WebhookError.unknownEventKind(text)
            }
        }
        registerProvider(TwilioCallFormat.self, .twilio, path: "/webhooks/twilio/:secret", on: &router, context, ingest: ingest)
        registerProvider(ZadarmaCallFormat.self, .zadarma, path: "/webhooks/zadarma/:secret", methods: ["GET", "POST"],
                         on: &router, context, ingest: ingest)
        // Ringostat's webhooks may be GET, or POST with the parameters in the URL.
        registerProvider(RingostatCallFormat.self, .ringostat, path: "/webhooks/ringostat/:secret/:kind", methods: ["GET", "POST"],
                         on: &router, context, ingest: ingest)
        registerProvider(RingostatCallFormat.self, .ringostat, path: "/webhooks/ringostat/:kind", methods: ["GET", "POST"],
                         on: &router, context, ingest: ingest)
        registerProvider(AircallCallFormat.self, .aircall, path: "/webhooks/aircall/:secret", on: &router, context, ingest: ingest)
    }

    /// A native webhook: bearer secret, JSON body in our schema.
    static func handleNative(_ request: HTTPRequest, kind: CallEventKind, _ responder: Responder, _ context: RouteContext,
                             ingest: CallIngest) {
        handle(responder) {
            let integration = try authenticate(context, secret: bearerToken(request), expected: .native)
            try requireJSON(request)
            // One array for both: each `[event]` copied the event into a new one.
            let events = [try NativeCallFormat.decode(request.body, kind: kind, localTimeIn: integration.settings.providerTimeZone)]
            try requireSensibleFigures(events)
            ingest.ingest(events, integration: integration, rawBody: request.body, responder: responder)
        }
    }

    /// Registers `format` at `path` (which carries `:secret`, and `:kind` for per-moment URLs).
    static func registerProvider<F: CallProviderFormat>(_ format: F.Type, _ provider: Integration.Provider, path: String,
                                                        methods: [String] = ["POST"], on router: inout Router,
                                                        _ context: RouteContext, ingest: CallIngest) {
        for method in methods {
            router.add(method, path) { request, responder in
                handle(responder) {
                    let secret = request.parameters["secret"] ?? bearerToken(request) ?? request.header("x-switchboard-secret")
                    let integration = try authenticate(context, secret: secret, expected: provider)
                    var kind: CallEventKind?
                    if let text = request.parameters["kind"] {
                        guard let parsed = CallEventKind(rawValue: text) else { throw WebhookError.unknownEventKind(text) }
                        kind = parsed
                    }
                    switch try F.decode(request, integration: integration, url: context.baseURL + request.target, kind: kind) {
                    case .events(let events):
                        try requireSensibleFigures(events)
                        // What was sent is kept: the query, for a delivery that had its parameters only there.
                        let raw = request.body.isEmpty ? Array((request.query ?? "").utf8) : request.body
                        ingest.ingest(events, integration: integration, rawBody: raw, responder: responder)
                    case .reply(let response):
                        responder.send(response)
                    case .ignored(let why):
                        responder.send(.json(["status": "ignored", "reason": why]))
                    }
                }
            }
        }
    }

    /// Durations and talk times are seconds since something: a negative one (which would put a
    /// call's end before its start) is refused with 422, whatever the provider called the field;
    /// so is a call id that was not UTF-8.
    static func requireSensibleFigures(_ events: [CallEvent]) throws {
        for event in events {
            // Bytes that were not UTF-8 became U+FFFD: two such ids would be one call.
            if event.callId.unicodeScalars.contains("\u{FFFD}") { throw WebhookError.invalidField("callId", "is not UTF-8 text") }
            if let duration = event.duration, duration < 0 { throw WebhookError.invalidField("duration", "must not be negative, got \(duration)") }
            if let talk = event.talkTime, talk < 0 { throw WebhookError.invalidField("talkTime", "must not be negative, got \(talk)") }
        }
    }

    /// Runs `body`, turning a thrown error into its JSON error response (and a log line).
    static func handle(_ responder: Responder, _ body: () throws -> Void) {
        do {
            try body()
        } catch {
            responder.send(error: error)
        }
    }

    /// The integration owning `secret`; 401 (and nothing stored) otherwise.
    static func authenticate(_ context: RouteContext, secret: String?, expected: Integration.Provider) throws -> Integration {
        guard let secret, !secret.isEmpty else { throw DomainError.unauthorized("missing integration secret") }
        guard let integration = try context.integrations.authenticate(secret: secret) else {
            throw DomainError.unauthorized("unknown integration secret")
        }
        guard integration.provider == expected else {
            throw DomainError.unauthorized("this secret belongs to a \(integration.provider.rawValue) integration")
        }
        return integration
    }

    static func bearerToken(_ request: HTTPRequest) -> String? {
        guard var header = request.header(lowercased: "authorization") else { return nil }
        // "Bearer " in any case, then the token without surrounding spaces and tabs, all read
        // from the header's bytes in one pass (every webhook comes here; a zip, a Substring and
        // a trim cost ~2k instructions).
        return header.withUTF8 { bytes -> String? in
            let scheme = bearerScheme
            guard bytes.count > scheme.count else { return nil }
            for index in 0..<scheme.count where bytes[index] | 0x20 != scheme[index] { return nil }
            var start = scheme.count
            var end = bytes.count
            while start < end, bytes[start] == 32 || bytes[start] == 9 { start += 1 }
            while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// "bearer " as bytes; compared with `| 0x20`, which lower-cases letters and keeps the space.
    private static let bearerScheme: [UInt8] = Array("bearer ".utf8)

    static func requireJSON(_ request: HTTPRequest) throws {
        if let type = request.header("content-type"), !type.utf8.containsJSONIgnoringCase {
            throw WebhookError.unsupportedMediaType("expected application/json, got \(type.lowercased())")
        }
    }
}

private let jsonLetters = Array("json".utf8)

private extension String.UTF8View {
    /// Whether the media type (before any `;` parameter) mentions "json" in any case, searched
    /// by bytes without copying: a parameter (`text/plain; note=json`) does not make it JSON.
    var containsJSONIgnoringCase: Bool {
        // No letter of "json" repeats, so after a mismatch the search restarts at this byte.
        let needle = jsonLetters
        var matched = 0
        for byte in self {
            if byte == UInt8(ascii: ";") { return false }
            let lower = byte | 0x20
            if lower == needle[matched] {
                matched += 1
                if matched == needle.count { return true }
            } else {
                matched = lower == needle[0] ? 1 : 0
            }
        }
        return false
    }
}
