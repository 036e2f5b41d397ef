import Telemetry

/// A response to send: status, headers and a complete body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain` response.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// A response whose body is already-encoded JSON.
    public static func json(bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: bytes)
    }

    /// The `code` of an error body made by `error(status:code:message:)`, read back for the log.
    var errorCode: String? {
        let prefix = Array(#"{"error":{"code":""#.utf8)
        guard body.count > prefix.count, body.starts(with: prefix),
              let end = body[prefix.count...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: body[prefix.count..<end], as: UTF8.self)
    }

    /// The JSON error body every failure uses: `{"error":{"code":"...","message":"..."}}`.
    public static func error(status: Int, code: String, message: String) -> HTTPResponse {
        var body: [UInt8] = Array(#"{"error":{"code":"#.utf8)
        appendJSONString(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        appendJSONString(message, to: &body)
        body.append(contentsOf: "}}".utf8)
        return json(bytes: body, status: status)
    }

    /// Serialises status line, headers and body. `Date`, `Content-Length` and
    /// `Connection` are written here so no handler can get them wrong.
    func serialize(into out: inout [UInt8], date: [UInt8], keepAlive: Bool, includeBody: Bool) {
        out.reserveCapacity(out.count + 96 + headers.count * 48 + (includeBody ? body.count : 0))
        out.append(static: "HTTP/1.1 ")
        out.append(decimal: status)
        out.append(32)
        out.append(static: HTTPStatus.reasonPhrase(status))
        out.append(static: "\r\nDate: ")
        out.append(contentsOf: date)
        out.append(static: "\r\nContent-Length: ")
        out.append(decimal: body.count)
        if !keepAlive { out.append(static: "\r\nConnection: close") }
        for (name, value) in headers {
            out.append(static: "\r\n")
            out.append(utf8: name)
            out.append(static: ": ")
            out.append(utf8: value)
        }
        out.append(static: "\r\n\r\n")
        if includeBody { out.append(contentsOf: body) }
    }
}

/// Reason phrases for the statuses we send.
public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        reasonPhrase(status).description
    }

    static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}

/// Appends `s` as a JSON string literal.
func appendJSONString(_ s: String, to out: inout [UInt8]) {
    JSONLine.appendString(s, to: &out)
}
