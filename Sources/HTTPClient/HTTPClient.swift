internal import CCurl
import Foundation
import Synchronization

/// Outbound HTTP through libcurl: every call to a provider goes through here.
///
/// Easy handles are pooled and reused, so connections to a provider stay open
/// between calls (curl keeps them in the handle's connection cache). Each
/// request gets connect and total timeouts, TLS verification stays on, and
/// curl's automatic `Expect: 100-continue` is switched off (providers answer
/// 417 or stall on it). Errors say whether the request can have reached the
/// server, which is what decides if a retry is safe.
public final class HTTPClient: Sendable {
    /// One request.
    public struct Request: Sendable {
        public var method: String
        public var url: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        public var connectTimeout: Double
        public var timeout: Double
        /// A longer response body fails the request (curl error 23); downloads of media raise it.
        public var maxResponseBytes: Int

        public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                    connectTimeout: Double = 3, timeout: Double = 10, maxResponseBytes: Int = 4 << 20) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.maxResponseBytes = maxResponseBytes
        }
    }

    /// A response, whatever its status.
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        /// The `Content-Type` header, when the server sent one.
        public var contentType: String? = nil
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let pool = Mutex<[EasyHandle]>([])

    public init() {
        _ = HTTPClient.globalInit
    }

    /// curl_global_init must run once before any thread uses curl.
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Performs `request`, blocking the calling thread. Never retries by itself.
    public func send(_ request: Request) throws(HTTPClientError) -> Response {
        let handle = try takeHandle()
        defer { pool.withLock { $0.append(handle) } }
        return try handle.perform(request)
    }

    private func takeHandle() throws(HTTPClientError) -> EasyHandle {
        if let handle = pool.withLock({ $0.popLast() }) { return handle }
        guard let handle = EasyHandle() else {
            throw HTTPClientError(kind: .notSent, code: -1, message: "curl_easy_init failed", url: "")
        }
        return handle
    }
}

/// A failed request: what curl said, and whether anything can have reached the server.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Nothing was sent (connection refused, DNS failure): safe to retry.
        case notSent
        /// Sent, but no complete answer within the timeout: the server may have acted.
        case timedOut
        /// Anything else after sending (connection reset, bad response): the server may have acted.
        case failedAfterSending
    }

    public let kind: Kind
    public let code: Int
    public let message: String
    public let url: String

    public var description: String { "\(message) (curl \(code)) calling \(url)" }
}
