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
        if let q = target.firstIndex(of: "?") { return target[..<q] }
        return target[...]
    }

    /// The raw query string (after `?`), if any.
    public var query: Substring? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: q)...]
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.name == lower })?.value
    }

    /// Query parameters, percent- and plus-decoded; the last value of a repeated key wins.
    public var queryParameters: [String: String] {
        guard let query else { return [:] }
        return FormDecoding.decode(query)
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var wantsKeepAlive: Bool {
        let connection = header("connection")?.lowercased() ?? ""
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
