/// Incremental, RFC 9112-strict HTTP/1.1 request parser.
///
/// Strictness is deliberate: every ambiguity that lets two parsers disagree on
/// where a request ends (request smuggling) is rejected with 400 — Content-Length
/// together with Transfer-Encoding, repeated Content-Length, whitespace before a
/// colon, obs-fold, bare LF, malformed chunk sizes (RFC 9112 §6.3, §5.1, §5.2, §7.1).
/// Pure Swift, no system imports, so the fuzzer can compile it alone.
public struct HTTPRequestParser {
    /// Limits applied while parsing.
    public struct Limits: Sendable {
        public var maxHeaderBytes: Int
        public var maxBodyBytes: Int
        public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 8 * 1024 * 1024) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What a call to `parse` found.
    public enum Event {
        /// The head is complete and a body is still to come; `expectsContinue` says
        /// the client waits for `100 Continue` before sending it.
        case head(expectsContinue: Bool)
        /// A whole request.
        case request(HTTPRequest)
    }

    private enum State {
        case head(scanned: Int)
        case fixedBody(HTTPRequest, remaining: Int)
        case chunkSize(HTTPRequest)
        case chunkData(HTTPRequest, remaining: Int)
        case chunkDataEnd(HTTPRequest)
        case trailers(HTTPRequest, bytes: Int)
    }

    public let limits: Limits
    private var state: State = .head(scanned: 0)

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Which part of a request the parser is waiting for; drives the server's timeouts.
    public enum Phase: Equatable, Sendable { case idle, head, body }

    /// The current phase. `idle` also covers "head started but nothing scanned yet";
    /// the server combines it with whether unread bytes are buffered.
    public var phase: Phase {
        switch state {
        case .head(let scanned): return scanned == 0 ? .idle : .head
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers: return .body
        }
    }

    /// Consumes bytes from `buffer` starting at `position` and returns the next event,
    /// or nil when more bytes are needed. Advances `position` past what it consumed.
    public mutating func parse(_ buffer: [UInt8], position: inout Int) throws(HTTPParseError) -> Event? {
        while true {
            switch state {
            case .head(let scanned):
                guard let (request, bodyFraming, headEnd) = try parseHead(buffer, start: position, scanned: scanned) else {
                    return nil
                }
                position = headEnd
                let expects = request.header(lowercased: "expect") != nil
                switch bodyFraming {
                case .none:
                    state = .head(scanned: 0)
                    return .request(request)
                case .length(let n):
                    state = .fixedBody(request, remaining: n)
                case .chunked:
                    state = .chunkSize(request)
                }
                if expects, buffer.count == position { return .head(expectsContinue: true) }

            case .fixedBody(var request, let remaining):
                let available = min(remaining, buffer.count - position)
                if available > 0 {
                    request.body.append(contentsOf: buffer[position..<(position + available)])
                    position += available
                }
                if remaining - available == 0 {
                    state = .head(scanned: 0)
                    return .request(request)
                }
                state = .fixedBody(request, remaining: remaining - available)
                return nil

            case .chunkSize(let request):
                guard let lineEnd = try findLineEnd(buffer, from: position, limit: 4096) else { return nil }
                let size = try parseChunkSize(buffer[position..<lineEnd])
                position = lineEnd + 2
                if size == 0 {
                    state = .trailers(request, bytes: 0)
                } else {
                    guard request.body.count + size <= limits.maxBodyBytes else { throw .bodyTooLarge }
                    state = .chunkData(request, remaining: size)
                }

            case .chunkData(var request, let remaining):
                let available = min(remaining, buffer.count - position)
                if available > 0 {
                    request.body.append(contentsOf: buffer[position..<(position + available)])
                    position += available
                }
                if remaining - available == 0 {
                    state = .chunkDataEnd(request)
                } else {
                    state = .chunkData(request, remaining: remaining - available)
                    return nil
                }

            case .chunkDataEnd(let request):
                guard buffer.count - position >= 2 else { return nil }
                guard buffer[position] == 13, buffer[position + 1] == 10 else {
                    throw .badRequest("chunk data not followed by CRLF")
                }
                position += 2
                state = .chunkSize(request)

            case .trailers(let request, let bytes):
                guard let lineEnd = try findLineEnd(buffer, from: position, limit: limits.maxHeaderBytes - bytes) else {
                    return nil
                }
                let line = buffer[position..<lineEnd]
                position = lineEnd + 2
                if line.isEmpty {
                    state = .head(scanned: 0)
                    return .request(request)
                }
                // Trailer fields are validated like headers and then dropped: nothing here uses them.
                _ = try parseField(line)
                state = .trailers(request, bytes: bytes + line.count + 2)
            }
        }
    }

    // MARK: - Head

    private enum BodyFraming { case none, length(Int), chunked }

    private mutating func parseHead(_ buffer: [UInt8], start: Int, scanned: Int) throws(HTTPParseError)
        -> (HTTPRequest, BodyFraming, Int)? {
        // RFC 9112 §2.2: ignore empty lines before the request-line.
        var begin = start
        while buffer.count - begin >= 2, buffer[begin] == 13, buffer[begin + 1] == 10 { begin += 2 }
        if begin != start {
            state = .head(scanned: 0)
            return try parseHead(buffer, start: begin, scanned: 0)
        }
        // Find the empty line that ends the head; reject a bare LF anywhere.
        var i = start + scanned
        var headEnd: Int?
        var bareLF = false
        let limit = min(buffer.count, start + limits.maxHeaderBytes)
        buffer.withUnsafeBufferPointer { bytes in
            // Indices stay within `start..<limit`, inside the buffer: unchecked reads.
            while i < limit {
                i = firstIndex(of: 10, in: bytes, from: i, to: limit)
                guard i < limit else { return }
                guard i > start, bytes[i - 1] == 13 else {
                    bareLF = true
                    return
                }
                if i - start >= 3, bytes[i - 2] == 10, bytes[i - 3] == 13 {
                    headEnd = i + 1
                    return
                }
                i += 1
            }
        }
        if bareLF { throw .badRequest("bare LF in request head") }
        guard let headEnd else {
            if buffer.count - start >= limits.maxHeaderBytes {
                // Over the limit: it is the URI's fault if the request line never ended.
                let firstLineEnded = buffer[start..<limit].contains(10)
                throw firstLineEnded ? .headersTooLarge : .uriTooLong
            }
            // Resume scanning where we stopped, minus 3 bytes to catch a split CRLFCRLF.
            state = .head(scanned: max(0, i - start - 3))
            return nil
        }
        state = .head(scanned: 0)

        // Request line.
        let lineEnd = firstIndex(of: 13, in: buffer, from: start, to: headEnd)
        let requestLine = buffer[start..<lineEnd]
        let (method, target, minor) = try parseRequestLine(requestLine)

        // Header fields.
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(12)   // grown one append at a time it was reallocated three times per request
        var cursor = lineEnd + 2
        while cursor < headEnd - 2 {
            let end = firstIndex(of: 13, in: buffer, from: cursor, to: headEnd)
            let line = buffer[cursor..<end]
            if let first = line.first, first == 32 || first == 9 {
                throw .badRequest("obsolete line folding is not allowed")
            }
            headers.append(try parseField(line))
            cursor = end + 2
        }
        var request = HTTPRequest(method: method, target: target, versionMinor: minor, headers: headers)
        let framing = try bodyFraming(of: &request)
        return (request, framing, headEnd)
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, Int) {
        guard let firstSpace = line.firstIndex(of: 32) else { throw .badRequest("malformed request line") }
        let methodBytes = line[line.startIndex..<firstSpace]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else {
            throw .badRequest("malformed method")
        }
        let rest = line[(firstSpace + 1)...]
        guard let secondSpace = rest.firstIndex(of: 32) else { throw .badRequest("malformed request line") }
        let targetBytes = rest[rest.startIndex..<secondSpace]
        let versionBytes = rest[(secondSpace + 1)...]
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .badRequest("malformed request target")
        }
        let isOriginForm = targetBytes.first == UInt8(ascii: "/")
        let isAbsoluteForm = !isOriginForm && (startsWith(targetBytes, "http://") || startsWith(targetBytes, "https://"))
        guard isOriginForm || isAbsoluteForm || (targetBytes.count == 1 && targetBytes.first == UInt8(ascii: "*")) else {
            throw .badRequest("malformed request target")
        }
        let v = versionBytes.startIndex
        guard versionBytes.count == 8, startsWith(versionBytes, "HTTP/"),
              isDigit(versionBytes[v + 5]), versionBytes[v + 6] == UInt8(ascii: "."), isDigit(versionBytes[v + 7]) else {
            throw .badRequest("malformed HTTP version")
        }
        guard versionBytes[v + 5] == UInt8(ascii: "1"), versionBytes[v + 7] <= UInt8(ascii: "1") else { throw .versionNotSupported }
        var target = String(decoding: targetBytes, as: UTF8.self)
        // Absolute-form (RFC 9112 §3.2.2): keep only path and query.
        if isAbsoluteForm {
            let afterScheme = target.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            target = afterScheme.count == 4 ? "/" + afterScheme[3] : "/"
        }
        return (methodString(methodBytes), target, Int(versionBytes[v + 7] - UInt8(ascii: "0")))
    }

    private func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (name: String, value: String) {
        // Read over the line's contiguous bytes: the slice's checked subscripts and closures
        // cost ~1k instructions per field, and every request has several.
        let result = line.withUnsafeBufferPointer { bytes in
            Result { () throws(HTTPParseError) -> (name: String, value: String) in try parseField(bytes) }
        }
        return try result.get()
    }

    /// `parseField` of one line's bytes (without its CRLF).
    private func parseField(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> (name: String, value: String) {
        let colon = firstIndex(of: UInt8(ascii: ":"), in: line, from: 0, to: line.count)
        guard colon < line.count else { throw .badRequest("header line without a colon") }
        guard colon > 0 else { throw .badRequest("empty header name") }
        for index in 0..<colon where !isTokenByte(line[index]) {
            let last = line[colon - 1]
            if last == 32 || last == 9 {
                throw .badRequest("whitespace between header name and colon")
            }
            throw .badRequest("invalid character in header name")
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
        for index in valueStart..<valueEnd {
            let c = line[index]
            guard c == 9 || (c >= 32 && c != 127) else { throw .badRequest("invalid character in header value") }
        }
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        let value = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
        return (knownName(name) ?? lowercase(name), String(decoding: value, as: UTF8.self))
    }

    private func bodyFraming(of request: inout HTTPRequest) throws(HTTPParseError) -> BodyFraming {
        // Arrays only when a field repeats (rare; allocating them cost every request).
        var contentLength: String?
        var contentLengthCount = 0
        var transferEncodings: [String] = []
        var hosts = 0
        for (name, value) in request.headers {
            switch name {
            case "content-length":
                contentLength = value
                contentLengthCount += 1
            case "transfer-encoding": transferEncodings.append(value)
            case "host": hosts += 1
            default: break
            }
        }
        if request.versionMinor == 1, hosts != 1 {
            throw .badRequest(hosts == 0 ? "HTTP/1.1 request without Host" : "more than one Host header")
        }
        if let expect = request.header(lowercased: "expect"), expect.lowercased() != "100-continue" {
            throw .expectationFailed
        }
        if !transferEncodings.isEmpty {
            guard contentLengthCount == 0 else {
                throw .badRequest("both Content-Length and Transfer-Encoding")
            }
            guard request.versionMinor == 1 else { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            let codings = transferEncodings.joined(separator: ",").split(separator: ",")
                .map { $0.trimmingSpaces().lowercased() }
            guard codings.last == "chunked" else { throw .badRequest("request body is not chunked last") }
            guard codings.count == 1 else { throw .notImplemented("only the chunked transfer coding is supported") }
            return .chunked
        }
        guard let text = contentLength else { return .none }
        guard contentLengthCount == 1 else { throw .badRequest("more than one Content-Length") }
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy(isDigit), let length = Int(text) else {
            throw .badRequest("invalid Content-Length")
        }
        guard length <= limits.maxBodyBytes else { throw .bodyTooLarge }
        request.body.reserveCapacity(min(length, 64 * 1024))
        return length == 0 ? .none : .length(length)
    }

    // MARK: - Chunks

    private func findLineEnd(_ buffer: [UInt8], from start: Int, limit: Int) throws(HTTPParseError) -> Int? {
        var i = start
        let end = buffer.count
        while i < end {
            if buffer[i] == 10 {
                guard i > start, buffer[i - 1] == 13 else { throw .badRequest("bare LF in chunked body") }
                return i - 1
            }
            if i - start >= limit { throw .badRequest("chunk line too long") }
            i += 1
        }
        if end - start > limit { throw .badRequest("chunk line too long") }
        return nil
    }

    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var size = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = hexDigit(line[index]) {
            guard size <= (Int.max >> 4) else { throw .badRequest("chunk size overflows") }
            size = size << 4 | Int(digit)
            index += 1
        }
        guard index > line.startIndex else { throw .badRequest("invalid chunk size") }
        // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) — RFC 9112 §7.1.1.
        var rest = line[index...]
        while let first = rest.first, first == 32 || first == 9 { rest = rest.dropFirst() }
        if let first = rest.first {
            guard first == UInt8(ascii: ";") else { throw .badRequest("invalid chunk size") }
            guard rest.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else {
                throw .badRequest("invalid chunk extension")
            }
        }
        return size
    }
}

// MARK: - Byte classes (RFC 9110 §5.6.2)

@inline(__always)
private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

@inline(__always)
private func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 97...102: return c - 87
    case 65...70: return c - 55
    default: return nil
    }
}

@inline(__always)
private func isTokenByte(_ c: UInt8) -> Bool {
    switch c {
    case 48...57, 65...90, 97...122: return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default: return false
    }
}

/// Header names are tokens (ASCII), so lower-casing byte by byte is exact.
private func lowercase(_ source: UnsafeBufferPointer<UInt8>) -> String {
    String(unsafeUninitializedCapacity: source.count) { target in
        for index in 0..<source.count {
            let c = source[index]
            target[index] = c >= 65 && c <= 90 ? c + 32 : c
        }
        return source.count
    }
}

/// The names nearly every request carries, as shared literals when `name` is one of them in
/// any case (nil otherwise): a lower-cased copy of each cost ~150 instructions per field.
private func knownName(_ name: UnsafeBufferPointer<UInt8>) -> String? {
    switch name.count {
    case 4: return name.equalsIgnoringCase("host") ? "host" : nil
    case 6: return name.equalsIgnoringCase("accept") ? "accept" : nil
    case 10: return name.equalsIgnoringCase("connection") ? "connection" : nil
    case 12: return name.equalsIgnoringCase("content-type") ? "content-type" : nil
    case 13: return name.equalsIgnoringCase("authorization") ? "authorization" : nil
    case 14: return name.equalsIgnoringCase("content-length") ? "content-length" : nil
    default: return nil
    }
}

private extension UnsafeBufferPointer<UInt8> {
    /// Whether these token bytes are `lower` (as long as they are) in any case: `| 0x20`
    /// lower-cases a letter and leaves `-` as it is.
    func equalsIgnoringCase(_ lower: StaticString) -> Bool {
        let letters = lower.utf8Start
        for index in 0..<count where self[index] | 0x20 != letters[index] { return false }
        return true
    }
}

/// The common methods as shared literals; anything else is decoded.
private func methodString(_ bytes: ArraySlice<UInt8>) -> String {
    if startsWith(bytes, "GET"), bytes.count == 3 { return "GET" }
    if startsWith(bytes, "POST"), bytes.count == 4 { return "POST" }
    if startsWith(bytes, "HEAD"), bytes.count == 4 { return "HEAD" }
    return String(decoding: bytes, as: UTF8.self)
}

@inline(__always)
private func startsWith(_ bytes: ArraySlice<UInt8>, _ prefix: StaticString) -> Bool {
    let count = prefix.utf8CodeUnitCount
    guard bytes.count >= count else { return false }
    let start = prefix.utf8Start
    var index = bytes.startIndex
    for offset in 0..<count {
        if bytes[index] != start[offset] { return false }
        index += 1
    }
    return true
}

/// Requires `0 <= from` and `to <= buffer.count`.
private func firstIndex(of byte: UInt8, in buffer: [UInt8], from: Int, to: Int) -> Int {
    buffer.withUnsafeBufferPointer { bytes in firstIndex(of: byte, in: bytes, from: from, to: to) }
}

/// The index of the first `byte` in `bytes[from..<to]`, or `to`; requires `0 <= from` and
/// `to <= bytes.count`. Eight bytes are passed over at a time while none of them is `byte`
/// (every head is searched for LF, then each line for CR: a byte at a time that was ~2k
/// instructions per request).
private func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
    var i = from
    if let base = bytes.baseAddress {
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        while to - i >= 8 {
            let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) ^ pattern
            // Non-zero exactly when one of the eight bytes of `x` is zero, i.e. one of them is `byte`.
            if (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
    }
    while i < to, bytes[i] != byte { i += 1 }
    return i
}

private extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
