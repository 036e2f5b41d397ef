import HTTPServer

/// Zadarma's call webhooks (not implemented yet).
enum ZadarmaCallFormat: CallProviderFormat {
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        throw HTTPError(501, code: "not_implemented", "Zadarma webhooks are not implemented yet")
    }
}
