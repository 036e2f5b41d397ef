/// One parsed HTTP/1.1 request with its whole body.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request-target exactly as sent (origin-form: path and query).
    public var target: String
    public var versionMinor: Int
    /// Header fields in arrival order; names are lower-cased.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Path parameters filled in by the router (`/contacts/:id` → `["id": "42"]`).
    public var parameters: [String: String] = [:]
    /// The route pattern that matched, for metrics and logs.
    public var route: String = ""
    /// Peer address, "ip:port".
    public var remoteAddress: String = ""

    public init(method: String, target: String, versionMinor: Int = 1,
                headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.versionMinor = versionMinor
        self.headers = headers
        self.body = body
    }

    /// The path part of the target, without the query.
    public var path: Substring {
        guard let q = queryMark else { return target[...] }
        return target[..<q]
    }

    /// The raw query string (after `?`), if any.
    public var query: Substring? {
        guard let q = queryMark else { return nil }
        return target[target.index(after: q)...]
    }

    /// Where `?` is in the target.
    private var queryMark: String.Index? {
        var target = target
        let offset = target.withUTF8 { bytes -> Int? in
            for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "?") { return index }
            return nil
        }
        return offset.map { target.utf8.index(target.utf8.startIndex, offsetBy: $0) }
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        var name = name
        let hasUpper = name.withUTF8 { bytes in bytes.contains(where: { $0 >= 65 && $0 <= 90 }) }
        return header(lowercased: hasUpper ? name.lowercased() : name)
    }

    /// The first value of header `name`, which is already lower-case (no check for capitals).
    public func header(lowercased name: String) -> String? {
        for header in headers where header.name == name { return header.value }
        return nil
    }

    /// Query parameters, percent- and plus-decoded; the last value of a repeated key wins.
    public var queryParameters: [String: String] {
        guard let query else { return [:] }
        return FormDecoding.decode(query)
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        guard let connection = header(lowercased: "connection")?.lowercased() else { return versionMinor >= 1 }
        let tokens = connection.split(separator: ",").map { $0.trimmingCharacters(in: " \t") }
        if versionMinor >= 1 { return !tokens.contains("close") }
        return tokens.contains("keep-alive")
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
