import Foundation

/// Everything the daemon can be told, with defaults that run out of the box.
///
/// Sources, later winning: defaults → the JSON file (`--config` or
/// `SWITCHBOARD_CONFIG`) → environment variables (`SWITCHBOARD_` + the key in
/// SCREAMING_SNAKE_CASE, e.g. `maxBodyBytes` → `SWITCHBOARD_MAX_BODY_BYTES`).
/// An unknown key or a bad value stops start-up with a message naming it.
public struct Configuration: Sendable, Equatable {
    /// `host:port` to listen on.
    public var listen = "127.0.0.1:8080"
    /// The SQLite database file.
    public var database = "./switchboard.db"
    /// Where downloaded media and other files go.
    public var dataDirectory = "./data"
    /// Public base URL of this daemon (as providers see it), for webhook URLs and Twilio signatures.
    public var publicURL = ""
    public var maxBodyBytes = 8 * 1024 * 1024
    public var maxConnections = 10_000
    public var headerTimeoutSeconds = 10.0
    public var bodyTimeoutSeconds = 30.0
    public var idleTimeoutSeconds = 75.0
    public var shutdownGraceSeconds = 10.0
    /// Event-loop threads; 0 means one per CPU.
    public var eventLoops = 0
    public var logRequests = true
    /// Whether inbound WhatsApp media is downloaded in the background (off: rows stay pending).
    public var fetchMedia = true
    /// How often the background media fetcher looks for media to download.
    public var mediaFetchIntervalSeconds = 2.0

    public init() {}

    /// Every key, its type and how to set it; the single source of truth for file and environment.
    static let keys: [Key] = [
        .string("listen", \.listen),
        .string("database", \.database),
        .string("dataDirectory", \.dataDirectory),
        .string("publicURL", \.publicURL),
        .int("maxBodyBytes", \.maxBodyBytes, min: 1024),
        .int("maxConnections", \.maxConnections, min: 1),
        .double("headerTimeoutSeconds", \.headerTimeoutSeconds),
        .double("bodyTimeoutSeconds", \.bodyTimeoutSeconds),
        .double("idleTimeoutSeconds", \.idleTimeoutSeconds),
        .double("shutdownGraceSeconds", \.shutdownGraceSeconds),
        .int("eventLoops", \.eventLoops, min: 0, max: 256),
        .bool("logRequests", \.logRequests),
        .bool("fetchMedia", \.fetchMedia),
        .double("mediaFetchIntervalSeconds", \.mediaFetchIntervalSeconds),
    ]

    /// Loads defaults, then `file` (if any), then the environment.
    public static func load(file: String?, environment: [String: String]) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        if let file = file ?? environment["SWITCHBOARD_CONFIG"], !file.isEmpty {
            try configuration.apply(fileAt: file)
        }
        for key in keys {
            if let value = environment[key.environmentName] {
                try key.apply(text: value, to: &configuration, source: key.environmentName)
            }
        }
        try refuseUnknownVariables(in: environment)
        try configuration.validate()
        return configuration
    }

    /// A misspelt setting is refused, as unknown file keys are (SWITCHBOARD_DATABSE or
    /// SWITCHBORD_DATABASE would leave the daemon on the default database without a word):
    /// any variable one or two letters off a setting's name, in any case, and any other
    /// `SWITCHBOARD_` name except those Kubernetes and Docker links inject for a service
    /// called switchboard (SWITCHBOARD_PORT…, SWITCHBOARD_SERVICE_HOST, SWITCHBOARD_NAME, SWITCHBOARD_ENV_…).
    private static func refuseUnknownVariables(in environment: [String: String]) throws(ConfigurationError) {
        let known = keys.map(\.environmentName) + ["SWITCHBOARD_CONFIG"]
        for name in environment.keys.sorted() where !known.contains(name) {
            let upper = name.uppercased()
            let meant = known.first { editDistance(upper, $0, atMost: 2) }
            if let meant {
                throw ConfigurationError(key: name, message: "unknown environment variable; did you mean \(meant)?")
            }
            guard upper.hasPrefix("SWITCHBOARD_"),
                  !isInjectedByServiceLinks(String(upper.dropFirst("SWITCHBOARD_".count)), value: environment[name] ?? "") else { continue }
            throw ConfigurationError(key: name, message: "unknown environment variable (settings: \(known.joined(separator: ", ")))")
        }
    }

    /// What follows `SWITCHBOARD_` in the variables Kubernetes (a Service named switchboard or
    /// switchboard-…) and Docker links define — [X_]SERVICE_HOST, [X_]SERVICE_PORT[_NAME],
    /// [X_]PORT=tcp://…, [X_]PORT_8080_TCP[_PROTO|_PORT|_ADDR], NAME=/…, [X_]ENV_… —, told by
    /// their shape and value: SWITCHBOARD_LISTEN_PORT=8081 or SWITCHBOARD_DB_NAME=x are typos.
    private static func isInjectedByServiceLinks(_ rest: String, value: String) -> Bool {
        if rest.hasPrefix("ENV_") || rest.contains("_ENV_") { return true }
        if rest.range(of: #"(^|_)SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$"#, options: .regularExpression) != nil { return true }
        if rest.range(of: #"(^|_)PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$"#, options: .regularExpression) != nil { return true }
        let lowered = value.lowercased()
        if rest == "PORT" || rest.hasSuffix("_PORT") {
            return lowered.hasPrefix("tcp://") || lowered.hasPrefix("udp://") || lowered.hasPrefix("sctp://")
        }
        if rest == "NAME" || rest.hasSuffix("_NAME") { return value.hasPrefix("/") }
        return false
    }

    /// Whether `a` becomes `b` with at most `limit` inserted, deleted or replaced characters.
    private static func editDistance(_ a: String, _ b: String, atMost limit: Int) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard abs(x.count - y.count) <= limit else { return false }
        guard !x.isEmpty, !y.isEmpty else { return true }
        var previous = Array(0...y.count)   // distances from x's first i bytes to each prefix of y
        for i in 1...x.count {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count] <= limit
    }

    /// `publicURL`, or the listen address as a URL when none is set.
    public var baseURL: String {
        if !publicURL.isEmpty { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        return "http://\(listen)"
    }

    /// The listen address split into host and port.
    public func listenAddress() throws(ConfigurationError) -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ConfigurationError(key: "listen", message: "expected host:port, got \"\(listen)\"")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    private mutating func apply(fileAt path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "config", message: "cannot read \(path)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            // Foundation's own text ("The data is not in the correct format") says nothing of where.
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw ConfigurationError(key: "config", message: "\(path) is not valid JSON: \(detail)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ConfigurationError(key: "config", message: "\(path) must hold a JSON object")
        }
        for (name, value) in dictionary.sorted(by: { $0.key < $1.key }) {
            guard let key = Self.keys.first(where: { $0.name == name }) else {
                let known = Self.keys.map(\.name).joined(separator: ", ")
                throw ConfigurationError(key: name, message: "unknown key in \(path) (known keys: \(known))")
            }
            try key.apply(json: value, to: &self, source: "\(path): \(name)")
        }
    }

    private func validate() throws(ConfigurationError) {
        _ = try listenAddress()
        if database.isEmpty { throw ConfigurationError(key: "database", message: "must not be empty") }
        if database.lowercased().hasPrefix("file:") {
            throw ConfigurationError(key: "database", message: "a file path, not an SQLite URI (got \(database))")
        }
        if !publicURL.isEmpty && !(publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://")) {
            throw ConfigurationError(key: "publicURL", message: "must start with http:// or https://")
        }
    }
}

/// A configuration problem, naming the key at fault.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String
    public var description: String { "configuration error: \(key): \(message)" }
}
