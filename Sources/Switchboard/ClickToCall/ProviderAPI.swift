import Foundation
import HTTPClient
import HTTPServer

/// Calls to a provider's REST API through libcurl, with the errors an agent should see.
struct ProviderAPI: Sendable {
    let client: HTTPClient

    /// Sends `request`, retrying only when nothing can have reached the provider
    /// (refused connection): a request that was sent is never repeated.
    func send(_ request: HTTPClient.Request, provider: String) throws -> HTTPClient.Response {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try client.send(request)
            } catch let error where error.kind == .notSent && attempt < 3 {
                continue
            } catch {
                switch error.kind {
                case .notSent:
                    throw ClickToCallError.providerUnreachable("\(provider) is unreachable: \(error.message)")
                case .timedOut:
                    throw ClickToCallError.providerTimedOut("\(provider) did not answer within \(Int(request.timeout)) s; "
                        + "the call may have been placed, so it was not retried")
                case .failedAfterSending:
                    throw ClickToCallError.providerTimedOut("the connection to \(provider) failed after the request was sent "
                        + "(\(error.message)); the call may have been placed, so it was not retried")
                }
            }
        }
    }

    /// The error message a provider put in its body (`message`, `error`, `error.message`, `detail`), if any.
    static func errorMessage(in body: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return nil }
        if let error = object["error"] as? [String: Any] { return (error["message"] as? String) ?? "\(error)" }
        for key in ["message", "error", "detail", "error_message"] {
            if let text = object[key] as? String, !text.isEmpty { return text }
        }
        return nil
    }
}

/// Why a click-to-call failed; each reaches the agent with its own status.
enum ClickToCallError: HTTPResponseError {
    /// `providerRejected` for a 5xx (a server error may have dialled), else `providerRefused`: a 4xx
    /// refused, and a 3xx (redirects are not followed) placed nothing either.
    static func answered(_ status: Int, _ message: String) -> ClickToCallError {
        (500..<600).contains(status) ? .providerRejected(message) : .providerRefused(message)
    }

    case noneOnline(String)
    case providerRejected(String)
    /// The provider answered and refused (HTTP 4xx, or an error inside a 200): nothing was
    /// placed, so another account may be tried. A 5xx is `providerRejected`: it may have dialled.
    case providerRefused(String)
    case providerUnreachable(String)
    case providerTimedOut(String)
    case inProgress(String)

    /// Whether the provider may have placed the call all the same: it did not answer in time, or
    /// answered with a server error.
    var mayHaveDialled: Bool {
        switch self {
        case .providerTimedOut, .providerRejected: return true
        case .noneOnline, .inProgress, .providerRefused, .providerUnreachable: return false
        }
    }

    var status: Int {
        switch self {
        case .noneOnline, .inProgress: return 409
        case .providerRejected, .providerRefused, .providerUnreachable: return 502
        case .providerTimedOut: return 504
        }
    }

    var code: String {
        switch self {
        case .noneOnline: return "no_sip_account_online"
        case .providerRejected, .providerRefused: return "provider_error"
        case .providerUnreachable: return "provider_unreachable"
        case .providerTimedOut: return "provider_timeout"
        case .inProgress: return "in_progress"
        }
    }

    var message: String {
        switch self {
        case .noneOnline(let m), .providerRejected(let m), .providerRefused(let m), .providerUnreachable(let m), .providerTimedOut(let m),
             .inProgress(let m):
            return m
        }
    }

    /// The same error with `text` after its message.
    func adding(_ text: String) -> ClickToCallError {
        switch self {
        case .noneOnline(let m): return .noneOnline(m + text)
        case .providerRejected(let m): return .providerRejected(m + text)
        case .providerRefused(let m): return .providerRefused(m + text)
        case .providerUnreachable(let m): return .providerUnreachable(m + text)
        case .providerTimedOut(let m): return .providerTimedOut(m + text)
        case .inProgress(let m): return .inProgress(m + text)
        }
    }
}
