import HTTPServer

/// Twilio's call webhooks (not implemented yet).
enum TwilioCallFormat: CallProviderFormat {
    static func decode(_ request: HTTPRequest, integration: Integration, url: String, kind: CallEventKind?) throws -> ProviderDelivery {
        throw HTTPError(501, code: "not_implemented", "Twilio webhooks are not implemented yet")
    }
}
