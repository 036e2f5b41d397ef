internal import CCurl
import Foundation

/// Owns one `CURL*` easy handle; cleaned up in deinit.
final class EasyHandle: @unchecked Sendable {
    // @unchecked: a handle is used by one thread at a time (taken from and returned to the pool).
    private let handle: UnsafeMutableRawPointer

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    func perform(_ request: HTTPClient.Request) throws(HTTPClientError) -> HTTPClient.Response {
        curl_easy_reset(handle)
        let sink = ResponseSink(limit: request.maxResponseBytes)
        let sinkPointer = Unmanaged.passRetained(sink)
        defer { sinkPointer.release() }
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        for (name, value) in request.headers { headers = curl_slist_append(headers, "\(name): \(value)") }
        // An empty Expect: header stops curl from sending `Expect: 100-continue` on larger bodies.
        headers = curl_slist_append(headers, "Expect:")

        func check(_ code: CURLcode, _ what: String) throws(HTTPClientError) {
            guard code == CURLE_OK else {
                throw HTTPClientError(kind: .notSent, code: Int(code.rawValue), message: "\(what): \(String(cString: curl_easy_strerror(code)))", url: request.url)
            }
        }
        try check(sb_curl_setopt_string(handle, CURLOPT_URL, request.url), "URL")
        try check(sb_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(sb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000)), "CONNECTTIMEOUT")
        try check(sb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000)), "TIMEOUT")
        try check(sb_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "SSL_VERIFYPEER")
        try check(sb_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "SSL_VERIFYHOST")
        try check(sb_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "FOLLOWLOCATION")
        try check(sb_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers), "HTTPHEADER")
        try check(sb_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer.toOpaque()), "WRITEDATA")
        try check(sb_curl_setopt_write(handle, { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
            let total = size * count
            guard sink.bytes.count + total <= sink.limit else { return 0 }
            data.withMemoryRebound(to: UInt8.self, capacity: total) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: total)) }
            return total
        }), "WRITEFUNCTION")
        let method = request.method.uppercased()
        if method == "GET" {
            try check(sb_curl_setopt_long(handle, CURLOPT_HTTPGET, 1), "HTTPGET")
        } else {
            try check(sb_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count), "POSTFIELDSIZE")
            let code = request.body.withUnsafeBytes { raw in
                // COPYPOSTFIELDS copies the bytes, so they need not outlive this call.
                sb_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)))
            }
            try check(code, "COPYPOSTFIELDS")
            if method != "POST" { try check(sb_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), "CUSTOMREQUEST") }
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let kind: HTTPClientError.Kind
            switch code {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
                kind = .notSent
            case CURLE_OPERATION_TIMEDOUT:
                // A timeout before any request byte left sent nothing; after that, the server may have acted.
                var sent = 0
                _ = sb_curl_getinfo_long(handle, CURLINFO_REQUEST_SIZE, &sent)
                kind = sent == 0 ? .notSent : .timedOut
            default:
                kind = .failedAfterSending
            }
            throw HTTPClientError(kind: kind, code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)), url: request.url)
        }
        var status = 0
        _ = sb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentType: UnsafeMutablePointer<CChar>?
        // The string belongs to the handle and lives until the next request on it: copied here.
        let typeCode = sb_curl_getinfo_string(handle, CURLINFO_CONTENT_TYPE, &contentType)
        return HTTPClient.Response(status: status, body: sink.bytes,
                                   contentType: typeCode == CURLE_OK ? contentType.map { String(cString: $0) } : nil)
    }
}

/// Collects the response body inside curl's write callback (bounded).
private final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []
    init(limit: Int) { self.limit = limit }
}
