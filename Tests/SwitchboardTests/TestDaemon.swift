import Foundation
import Switchboard
import TestSupport
import XCTest

/// A daemon in this process on an ephemeral port, with a supervisor and helpers to call it.
final class TestDaemon: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init.
    let dir: TemporaryDirectory
    let daemon: SwitchboardDaemon
    let supervisorKey: String
    let supervisorId: Int

    init(configure: (inout Configuration) -> Void = { _ in }) throws {
        dir = try TemporaryDirectory()
        var configuration = Configuration()
        configuration.listen = "127.0.0.1:0"
        configuration.database = dir.path("switchboard.db")
        configuration.logRequests = false
        configuration.eventLoops = 2
        configuration.dataDirectory = dir.path("data")
        // Tests run media passes themselves (`mediaFetcher.runOnce`); the background thread is opt-in.
        configuration.fetchMedia = false
        configure(&configuration)
        daemon = try SwitchboardDaemon(configuration: configuration)
        try daemon.start()
        let created = try daemon.agents.add(.init(name: "Sam Supervisor", role: .supervisor))
        supervisorKey = created.apiKey
        supervisorId = created.agent.id
    }

    /// Stops the daemon and removes its directory (databases of some tests are large).
    func stop() {
        daemon.shutdown()
        dir.remove()
    }

    var port: Int { daemon.port }

    /// Adds an agent and returns (id, key).
    func addAgent(_ name: String, role: Agent.Role, sip: [String] = []) throws -> (id: Int, key: String) {
        let created = try daemon.agents.add(.init(name: name, role: role, sipLogins: sip))
        return (created.agent.id, created.apiKey)
    }

    func addIntegration(_ provider: Integration.Provider = .native, region: String? = "RO", providerSecret: String = "",
                        settings: IntegrationSettings = .init(), name: String? = nil) throws -> IntegrationDirectory.Created {
        try daemon.integrations.add(.init(name: name ?? "\(provider.rawValue)-\(UUID().uuidString.prefix(6))", provider: provider,
                                          region: region, providerSecret: providerSecret, settings: settings),
                                    baseURL: "http://127.0.0.1:\(port)")
    }

    /// One request on a fresh connection.
    @discardableResult
    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: String = "") throws -> RawResponse {
        var raw = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        for (name, value) in headers { raw += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PATCH" { raw += "Content-Length: \(body.utf8.count)\r\n" }
        raw += "\r\n" + body
        let connection = try RawConnection(port: port)
        try connection.send(raw)
        return try connection.readResponse()
    }

    /// A native call webhook.
    @discardableResult
    func call(_ kind: String, secret: String, _ fields: [String: Any]) throws -> RawResponse {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        return try send("POST", "/webhooks/calls/\(kind)",
                        headers: [("Authorization", "Bearer \(secret)"), ("Content-Type", "application/json")], body: body)
    }

    /// An API call as the supervisor (or `key`), decoded.
    @discardableResult
    func api(_ method: String, _ path: String, key: String? = nil, body: Any? = nil) throws -> RawResponse {
        var text = ""
        if let body { text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self) }
        return try send(method, path, headers: [("Authorization", "Bearer \(key ?? supervisorKey)"), ("Content-Type", "application/json")],
                        body: text)
    }

    /// Counts rows with the sqlite3 shell-free reader.
    func count(_ table: String, _ condition: String = "1") throws -> Int {
        try daemon.store.read { db in try db.scalar("SELECT count(*) FROM \(table) WHERE \(condition)").int ?? -1 }
    }

    /// Opens the live stream as `key`.
    func openEvents(key: String) throws -> RawConnection {
        let connection = try RawConnection(port: port)
        try connection.send("GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(key)\r\n\r\n")
        _ = try connection.read(until: "event: hello")
        _ = try connection.read(until: "\n\n")
        return connection
    }
}

extension RawConnection {
    /// Reads the next SSE event named `name` and returns its data as JSON.
    func nextEvent(named name: String) throws -> [String: Any] {
        while true {
            let text = try read(until: "\n\n")
            for block in text.components(separatedBy: "\n\n") where block.contains("event: \(name)\n") {
                let data = block.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }.joined(separator: "\n")
                return (try JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
            }
        }
    }
}
