/// Handles one request; calls `responder.send` exactly once, now or later from any thread.
public typealias HTTPHandler = @Sendable (HTTPRequest, Responder) -> Void

/// Maps method + path patterns (`/api/v1/contacts/:id`) to handlers.
///
/// Built once before the server starts and then only read, so it is a value type.
/// `HEAD` falls back to the `GET` handler; the server drops the body.
public struct Router: Sendable {
    private struct Route: Sendable {
        let pattern: String
        let segments: [Segment]
        let handler: HTTPHandler
    }

    private enum Segment: Sendable, Equatable {
        case literal(Substring)
        case parameter(String)
    }

    private var exact: [String: [String: Route]] = [:]
    private var parameterized: [String: [Route]] = [:]
    private var fallback: HTTPHandler?

    public init() {}

    /// Registers `handler` for `method` on `pattern`; `:name` segments become parameters.
    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) {
        let segments: [Segment] = pattern.split(separator: "/").map { part in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(part)
        }
        let route = Route(pattern: pattern, segments: segments, handler: handler)
        if segments.contains(where: { if case .parameter = $0 { return true } else { return false } }) {
            parameterized[method, default: []].append(route)
        } else {
            exact[pattern, default: [:]][method] = route
        }
    }

    /// Registers `handler` for the literal `path`, reported as `pattern` (in `registeredRoutes`,
    /// logs and metrics): one value of a pattern's parameter, found by the dictionary lookup
    /// of exact paths instead of matching segments. Requests for other values reach the pattern.
    public mutating func add(_ method: String, _ path: String, reportedAs pattern: String, _ handler: @escaping HTTPHandler) {
        exact[path, default: [:]][method] = Route(pattern: pattern, segments: [], handler: handler)
    }

    public mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add("GET", pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add("POST", pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping HTTPHandler) { add("PUT", pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping HTTPHandler) { add("PATCH", pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { add("DELETE", pattern, handler) }

    /// Every registered method and pattern (`:name` segments as written), sorted by pattern then method.
    public var registeredRoutes: [(method: String, pattern: String)] {
        let exactRoutes = exact.values.flatMap { byMethod in byMethod.map { (method: $0.key, pattern: $0.value.pattern) } }
        let parameterRoutes = parameterized.flatMap { method, routes in routes.map { (method: method, pattern: $0.pattern) } }
        var seen = Set<String>()   // exact paths reported as a pattern appear once, as the pattern
        return (exactRoutes + parameterRoutes).filter { seen.insert($0.method + " " + $0.pattern).inserted }
            .sorted { ($0.pattern, $0.method) < ($1.pattern, $1.method) }
    }

    /// Handles requests no route matches (default: a JSON 404).
    public mutating func setFallback(_ handler: @escaping HTTPHandler) { fallback = handler }

    /// Finds the handler for `request`, fills `parameters` and `route`, and runs it.
    public func dispatch(_ request: HTTPRequest, _ responder: Responder) {
        var request = request
        let path = String(request.path)
        let method = request.method == "HEAD" ? "GET" : request.method
        if let byMethod = exact[path] {
            if let route = byMethod[method] ?? byMethod[request.method] {
                request.route = route.pattern
                responder.route = route.pattern
                return route.handler(request, responder)
            }
            return methodNotAllowed(Array(byMethod.keys), responder)
        }
        let parts = Self.segments(of: path)
        for route in parameterized[method] ?? [] {
            if let parameters = match(route.segments, parts) {
                request.parameters = parameters
                request.route = route.pattern
                responder.route = route.pattern
                return route.handler(request, responder)
            }
        }
        let allowed = parameterized.filter { _, routes in routes.contains { match($0.segments, parts) != nil } }.keys
        if !allowed.isEmpty { return methodNotAllowed(Array(allowed), responder) }
        if let fallback { return fallback(request, responder) }
        responder.send(.error(status: 404, code: "not_found", message: "no route for \(request.method) \(path)"))
    }

    /// The non-empty `/`-separated parts of `path`, found by bytes (`split` on String
    /// walks grapheme clusters, which showed up on every webhook).
    static func segments(of path: String) -> [Substring] {
        var parts: [Substring] = []
        let utf8 = path.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                if start != index { parts.append(path[start..<index]) }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if start != utf8.endIndex { parts.append(path[start..<utf8.endIndex]) }
        return parts
    }

    private func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard literal == part else { return nil }
            case .parameter(let name):
                parameters[name] = FormDecoding.percentDecode(part.replacingPlus())
            }
        }
        return parameters
    }

    private func methodNotAllowed(_ methods: [String], _ responder: Responder) {
        var response = HTTPResponse.error(status: 405, code: "method_not_allowed", message: "allowed: \(methods.sorted().joined(separator: ", "))")
        response.headers.append(("Allow", methods.sorted().joined(separator: ", ")))
        responder.send(response)
    }
}

private extension Substring {
    /// Path segments keep `+` literal; only query strings turn it into a space.
    func replacingPlus() -> String {
        guard utf8.contains(UInt8(ascii: "+")) else { return String(self) }
        return String(self).split(separator: "+", omittingEmptySubsequences: false).joined(separator: "%2B")
    }
}
