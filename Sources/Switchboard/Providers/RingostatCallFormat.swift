import HTTPServer

/// Ringostat's call webhooks (not implemented yet).
enum RingostatCallFormat: CallProviderFormat {
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        throw HTTPError(501, code: "not_implemented", "Ringostat webhooks are not implemented yet")
    }
}
