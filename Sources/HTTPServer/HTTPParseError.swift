/// Why a request could not be parsed; each maps to the status RFC 9110/9112 asks for.
/// After any of these the connection is closed: the framing can no longer be trusted.
public enum HTTPParseError: Error, Equatable, Sendable {
    case badRequest(String)
    case uriTooLong
    case headersTooLarge
    case bodyTooLarge
    case versionNotSupported
    case notImplemented(String)
    case expectationFailed

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .uriTooLong: return 414
        case .headersTooLarge: return 431
        case .bodyTooLarge: return 413
        case .versionNotSupported: return 505
        case .notImplemented: return 501
        case .expectationFailed: return 417
        }
    }

    public var code: String {
        switch self {
        case .badRequest: return "bad_request"
        case .uriTooLong: return "uri_too_long"
        case .headersTooLarge: return "headers_too_large"
        case .bodyTooLarge: return "body_too_large"
        case .versionNotSupported: return "http_version_not_supported"
        case .notImplemented: return "not_implemented"
        case .expectationFailed: return "expectation_failed"
        }
    }

    public var message: String {
        switch self {
        case .badRequest(let why): return why
        case .uriTooLong: return "request line exceeds the limit"
        case .headersTooLarge: return "header section exceeds the limit"
        case .bodyTooLarge: return "request body exceeds the limit"
        case .versionNotSupported: return "only HTTP/1.0 and HTTP/1.1 are supported"
        case .notImplemented(let why): return why
        case .expectationFailed: return "only the 100-continue expectation is supported"
        }
    }
}
