import Foundation
import HTTPServer
@testable import Switchboard
import Synchronization

/// A local HTTP server playing Ringostat's API: presence lists and the callback
/// method, with a switchable behaviour, recording every callback request.
final class FakeRingostat: Sendable {
    enum Behaviour: Sendable { case ok(callId: String?), status(Int, String), okWithError(String), slow(Double), held(Gate) }

    /// A callback held open: `arrived` is signalled when it comes, and it answers ok once `release` is.
    final class Gate: Sendable {
        let arrived = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
    }

    struct State: Sendable {
        var online: [String] = []
        var speaking: [String] = []
        var behaviour: Behaviour = .ok(callId: nil)
        /// Set: the status API answers with this HTTP status and an error (a bad key, an outage).
        var presenceStatus: Int?
        /// Extensions the callback refuses (200 with an error), whatever `behaviour` says.
        var refused: Set<String> = []
        var callbacks: [[String: String]] = []
    }

    final class Box: Sendable {
        let mutex = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    let state = Box()
    let server: HTTPServer

    init() throws {
        var router = Router()
        let state = self.state
        router.get("/sipstatus/online") { _, r in
            if let failing = state.withLock({ $0.presenceStatus }) {
                r.send(.json(bytes: Array(#"{"message":"Auth-key is not valid"}"#.utf8), status: failing))
                return
            }
            let online = state.withLock { $0.online }
            r.send(.json(bytes: Array(try! JSONSerialization.data(withJSONObject: online.map { ["sip": $0] }))))  // test double
        }
        router.get("/sipstatus/speaking") { _, r in
            let speaking = state.withLock { $0.speaking }
            r.send(.json(bytes: Array(try! JSONSerialization.data(withJSONObject: speaking))))  // test double
        }
        router.post("/callback/outward_call") { request, r in
            var record = FormDecoding.decode(String(decoding: request.body, as: UTF8.self))
            record["auth-key"] = request.header("auth-key") ?? ""
            record["expect"] = request.header("expect") ?? ""
            let behaviour = state.withLock { s -> Behaviour in
                s.callbacks.append(record)
                return s.refused.contains(record["extension"] ?? "") ? .okWithError("Extension \(record["extension"] ?? "") is not available") : s.behaviour
            }
            switch behaviour {
            case .ok(let id):
                r.send(.json(bytes: Array((id.map { #"{"status":"ok","call_id":"\#($0)"}"# } ?? #"{"status":"ok"}"#).utf8)))
            case .status(let code, let message):
                r.send(.json(bytes: Array(#"{"message":"\#(message)"}"#.utf8), status: code))
            case .okWithError(let message):
                r.send(.json(bytes: Array(#"{"status":"error","message":"\#(message)"}"#.utf8)))
            case .slow(let seconds):
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { r.send(.json(bytes: Array(#"{"status":"ok"}"#.utf8))) }
            case .held(let gate):
                gate.arrived.signal()
                DispatchQueue.global().async {
                    gate.release.wait()
                    r.send(.json(bytes: Array(#"{"status":"ok","call_id":"held-1"}"#.utf8)))
                }
            }
        }
        // The extended JSON-RPC callback: errors come back as 200 with an `error` object.
        router.post("/a/v2") { request, r in
            let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
            var record = (object["params"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
            record["method"] = object["method"] as? String ?? ""
            record["auth-key"] = request.header("auth-key") ?? ""
            record["id"] = object["id"].map { "\($0)" } ?? ""
            let behaviour = state.withLock { s -> Behaviour in
                s.callbacks.append(record)
                return s.refused.contains(record["caller"] ?? "") ? .okWithError("Employee \(record["caller"] ?? "") is not available") : s.behaviour
            }
            switch behaviour {
            case .okWithError(let message):
                r.send(.json(bytes: Array(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"\#(message)"}}"#.utf8)))
            case .slow(let seconds):
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                    r.send(.json(bytes: Array(#"{"jsonrpc":"2.0","id":1,"result":{"call_id":"rpc-1"}}"#.utf8)))
                }
            default:
                r.send(.json(bytes: Array(#"{"jsonrpc":"2.0","id":1,"result":{"call_id":"rpc-1"}}"#.utf8)))
            }
        }
        server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 1, shutdownGrace: 3, logRequests: false), router: router)
        try server.start()
    }

    var baseURL: String { "http://127.0.0.1:\(server.port)" }
    var callbacks: [[String: String]] { state.withLock { $0.callbacks } }
    func set(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }
    func stop() { server.shutdown() }
}

extension FakeRingostat {
    /// Integration settings whose dialer is this fake (presence read on every request).
    func dialerSettings(timeoutSeconds: Double? = nil, extended: Bool = false) -> IntegrationSettings {
        var dialer = DialerSettings()
        dialer.apiBase = baseURL
        dialer.apiKey = "ringo-key"
        dialer.projectId = "42"
        dialer.extended = extended ? true : nil
        dialer.presenceSeconds = 0
        dialer.timeoutSeconds = timeoutSeconds
        var settings = IntegrationSettings()
        settings.dialer = dialer
        return settings
    }
}

extension TestDaemon {
    /// A Ringostat integration (region RO) dialling through `fake`, and managers Ana and Bob
    /// whose SIP accounts (ana, bob) are online on it.
    func addDialingManagers(_ fake: FakeRingostat) throws -> (ana: (id: Int, key: String), bob: (id: Int, key: String)) {
        fake.set { $0.online = ["ana", "bob"] }
        _ = try addIntegration(.ringostat, region: "RO", settings: fake.dialerSettings())
        return (try addAgent("Ana", role: .manager, sip: ["ana"]), try addAgent("Bob", role: .manager, sip: ["bob"]))
    }
}
