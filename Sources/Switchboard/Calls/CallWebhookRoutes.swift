import Foundation
import HTTPServer

/// The call webhooks: our native format and each provider's own.
enum CallWebhookRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        let ingest = CallIngest(store: context.store, hub: context.hub)

        router.post("/webhooks/calls/:kind") { request, responder in
            handle(responder) {
                let integration = try authenticate(context, secret: bearerToken(request), expected: .native)
                guard let kind = CallEventKind(rawValue: request.parameters["kind"] ?? "") else {
                    throw WebhookError.unknownEventKind(request.parameters["kind"] ?? "")
                }
                try requireJSON(request)
                let event = try NativeCallFormat.decode(request.body, kind: kind)
                ingest.ingest([event], integration: integration, rawBody: request.body, responder: responder)
            }
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
        guard let header = request.header("authorization"), header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    static func requireJSON(_ request: HTTPRequest) throws {
        if let type = request.header("content-type")?.lowercased(), !type.contains("json") {
            throw WebhookError.unsupportedMediaType("expected application/json, got \(type)")
        }
    }
}
