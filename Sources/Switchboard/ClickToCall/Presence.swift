import Foundation
import HTTPClient
import Synchronization

/// Which SIP accounts of an integration are online and which are on a call.
///
/// Two sources: the provider's status API (Ringostat `/sipstatus/online` and
/// `/sipstatus/speaking`, Zadarma `/v1/sip/` and `/v1/sip/{id}/status/`, or a
/// generic `presenceURL`), cached for `presenceSeconds`; and presence webhooks,
/// which override what the API said for the accounts they name.
final class PresenceService: Sendable {
    struct Snapshot: Sendable {
        var online: Set<String>
        var speaking: Set<String>
        /// Every account the sources mentioned.
        var known: Set<String>
        /// Whether any source answered: Ringostat's or Zadarma's API, a `presenceURL`, or a
        /// presence webhook. An answer naming nobody online means everyone is offline.
        var hasSource = true
        /// The status API failed, and this is what presence webhooks said alone.
        var statusAPIError: String?
    }

    private struct Cached: Sendable {
        let snapshot: Snapshot
        let expires: UInt64
    }

    private let api: ProviderAPI
    private let cache = Mutex<[Int: Cached]>([:])
    private let reported = Mutex<[Int: [String: (online: Bool, onCall: Bool)]]>([:])

    init(api: ProviderAPI) { self.api = api }

    /// Presence for `integration`, from cache or freshly fetched.
    func snapshot(for integration: Integration) throws -> Snapshot {
        let now = DispatchTime.now().uptimeNanoseconds
        var base: Snapshot
        // Pushes are read after the fetch (which may take seconds): one that came meanwhile counts.
        if let hit = cache.withLock({ $0[integration.id] }), hit.expires > now {
            base = hit.snapshot
        } else {
            do {
                base = try fetch(integration)
            } catch {
                let pushed = reported.withLock { $0[integration.id] ?? [:] }
                // The status API failed: what presence webhooks said is still known, and is used
                // (it answered 502 for every call while pushes said who was online). Not cached:
                // the next request asks the API again.
                guard !pushed.isEmpty else { throw error }
                base = Snapshot(online: [], speaking: [], known: [], hasSource: true,
                                statusAPIError: ClickToCall.message(of: error))
                return Self.applying(pushed, to: base)
            }
            let ttl = UInt64((integration.settings.dialer?.presenceSeconds ?? 5) * 1e9)
            cache.withLock { $0[integration.id] = Cached(snapshot: base, expires: now + ttl) }
        }
        return Self.applying(reported.withLock { $0[integration.id] ?? [:] }, to: base)
    }

    /// `base` with what presence webhooks said of the accounts they named.
    private static func applying(_ pushed: [String: (online: Bool, onCall: Bool)], to snapshot: Snapshot) -> Snapshot {
        var base = snapshot
        for (login, state) in pushed {
            base.hasSource = true
            base.known.insert(login)
            if state.online { base.online.insert(login) } else { base.online.remove(login) }
            if state.onCall { base.speaking.insert(login) } else { base.speaking.remove(login) }
        }
        return base
    }

    /// A presence webhook: `login` is now online/offline, on a call or not.
    func report(integrationId: Int, login: String, online: Bool, onCall: Bool) {
        reported.withLock { $0[integrationId, default: [:]][login] = (online, onCall) }
    }

    private func fetch(_ integration: Integration) throws -> Snapshot {
        guard let dialer = integration.settings.dialer else { return Snapshot(online: [], speaking: [], known: [], hasSource: false) }
        switch integration.provider {
        case .ringostat:
            let base = dialer.apiBase ?? "https://api.ringostat.net"
            var headers: [(name: String, value: String)] = [("Auth-key", dialer.apiKey ?? "")]
            if let project = dialer.projectId { headers.append(("x-project-id", project)) }
            let online = try logins(api.send(.init(url: base + "/sipstatus/online", headers: headers), provider: "Ringostat"), "Ringostat")
            let speaking = try logins(api.send(.init(url: base + "/sipstatus/speaking", headers: headers), provider: "Ringostat"), "Ringostat")
            return Snapshot(online: online, speaking: speaking, known: online.union(speaking))
        case .zadarma:
            let signer = ZadarmaSigner(key: dialer.apiKey ?? "", secret: integration.providerSecret)
            let base = dialer.apiBase ?? "https://api.zadarma.com"
            let list = try api.send(signer.request(base: base, method: "/v1/sip/", parameters: [:]), provider: "Zadarma")
            let object = try ZadarmaSigner.checked(list)
            let ids = (object["sips"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? String) ?? ($0["id"] as? NSNumber)?.stringValue }
            var online = Set<String>()
            for id in ids {
                let status = try ZadarmaSigner.checked(api.send(signer.request(base: base, method: "/v1/sip/\(id)/status/", parameters: [:]),
                                                                provider: "Zadarma"))
                if "\(status["is_online"] ?? "false")" == "true" { online.insert(id) }
            }
            return Snapshot(online: online, speaking: [], known: Set(ids))
        case .native, .twilio, .aircall:
            guard let url = dialer.presenceURL else { return Snapshot(online: [], speaking: [], known: [], hasSource: false) }
            let response = try api.send(.init(url: url), provider: "the presence service")
            guard (200..<300).contains(response.status),
                  let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] else {
                throw ClickToCallError.providerRejected("presence service answered \(response.status)")
            }
            let online = Set(Self.names(object["online"]))
            let speaking = Set(Self.names(object["speaking"]))
            return Snapshot(online: online, speaking: speaking, known: online.union(speaking))
        }
    }

    /// SIP logins from a Ringostat status answer: an array of strings or of objects naming the account.
    private func logins(_ response: HTTPClient.Response, _ provider: String) throws -> Set<String> {
        guard (200..<300).contains(response.status) else {
            throw ClickToCallError.providerRejected("\(provider) presence: HTTP \(response.status) \(ProviderAPI.errorMessage(in: response.body) ?? "")")
        }
        let value = try? JSONSerialization.jsonObject(with: Data(response.body))
        if let object = value as? [String: Any], let message = ProviderAPI.errorMessage(in: response.body), object["data"] == nil {
            throw ClickToCallError.providerRejected("\(provider) presence: \(message)")
        }
        if let object = value as? [String: Any] { return Set(Self.names(object["data"] ?? object["result"] ?? object["sips"])) }
        return Set(Self.names(value))
    }

    static func names(_ value: Any?) -> [String] {
        guard let array = value as? [Any] else { return [] }
        return array.compactMap { item in
            if let text = item as? String { return text }
            guard let object = item as? [String: Any] else { return nil }
            for key in ["sip", "login", "sip_login", "extension", "name", "id"] {
                if let text = object[key] as? String { return text }
                if let number = object[key] as? NSNumber { return number.stringValue }
            }
            return nil
        }
    }
}
