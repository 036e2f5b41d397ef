import Telemetry

/// An error that knows its HTTP status and renders as the standard JSON error body.
/// Errors crossing into HTTP should conform; anything else becomes a 500.
public protocol HTTPResponseError: Error {
    var status: Int { get }
    var code: String { get }
    var message: String { get }
}

/// A general-purpose HTTP error.
public struct HTTPError: HTTPResponseError, Equatable {
    public var status: Int
    public var code: String
    public var message: String

    public init(_ status: Int, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> HTTPError { HTTPError(400, code: "bad_request", message) }
    public static func unauthorized(_ message: String = "missing or invalid credentials") -> HTTPError {
        HTTPError(401, code: "unauthorized", message)
    }
    public static func forbidden(_ message: String) -> HTTPError { HTTPError(403, code: "forbidden", message) }
    public static func notFound(_ message: String) -> HTTPError { HTTPError(404, code: "not_found", message) }
    public static func conflict(_ message: String) -> HTTPError { HTTPError(409, code: "conflict", message) }
    public static func unprocessable(_ message: String) -> HTTPError { HTTPError(422, code: "unprocessable", message) }
}

extension HTTPParseError: HTTPResponseError {}

extension HTTPResponse {
    /// The response for any error: its own status when it has one, otherwise 500 with a generic message.
    public static func from(_ error: any Error) -> HTTPResponse {
        if let error = error as? any HTTPResponseError {
            return .error(status: error.status, code: error.code, message: error.message)
        }
        // The request line says only "500": the cause goes to the log at error level too.
        Logger.shared.log(.error, "request failed", [("error", .string("\(error)"))])
        return .error(status: 500, code: "internal", message: "internal error: \(error)")
    }
}
