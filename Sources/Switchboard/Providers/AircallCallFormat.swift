import HTTPServer

/// Aircall's call webhooks (not implemented yet).
enum AircallCallFormat: CallProviderFormat {
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        throw HTTPError(501, code: "not_implemented", "Aircall webhooks are not implemented yet")
    }
}
