import HTTPServer

/// Errors of the domain that reach users; each knows its HTTP status.
public enum DomainError: HTTPResponseError, CustomStringConvertible, Equatable {
    case invalid(String)
    case unprocessable(String)
    case notFound(String)
    case conflict(String)
    case forbidden(String)
    case unauthorized(String)

    public var status: Int {
        switch self {
        case .invalid: return 400
        case .unprocessable: return 422
        case .notFound: return 404
        case .conflict: return 409
        case .forbidden: return 403
        case .unauthorized: return 401
        }
    }

    public var code: String {
        switch self {
        case .invalid: return "invalid_request"
        case .unprocessable: return "unprocessable"
        case .notFound: return "not_found"
        case .conflict: return "conflict"
        case .forbidden: return "forbidden"
        case .unauthorized: return "unauthorized"
        }
    }

    public var message: String {
        switch self {
        case .invalid(let m), .unprocessable(let m), .notFound(let m), .conflict(let m), .forbidden(let m), .unauthorized(let m):
            return m
        }
    }

    public var description: String { message }
}
