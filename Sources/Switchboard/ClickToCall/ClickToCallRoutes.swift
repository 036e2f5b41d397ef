import Foundation
import HTTPServer

/// `POST /api/v1/calls`, `GET /api/v1/sip-accounts`, and the presence webhook.
enum ClickToCallRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        let service = context.clickToCall

        router.post("/api/v1/calls", context.api { request, agent in
            guard agent.role != .qualityControl else { throw DomainError.forbidden("quality control cannot place calls") }
            let body = try APIBody.object(request)
            // A typo (`contactID`) is named, not answered with "missing contactId or number".
            try APIBody.refuseUnknownFields(of: body.values, known: ["contactId", "number", "region", "integrationId", "dealId", "idempotencyKey"])
            var contactId = try body.int("contactId")
            let asked = ClickToCall.asked(contactId: contactId, number: contactId == nil ? body.string("number") : nil, region: body.string("region"),
                                          integrationId: try body.int("integrationId"), dealId: try body.int("dealId"))
            // A retry first, answered as the request it repeats was (or 422 when it is another one).
            let suppliedKey = request.header("idempotency-key") ?? body.string("idempotencyKey")
            if let suppliedKey, let (status, placed) = try service.replay(agent: agent, key: suppliedKey, asked: asked) {
                if status == 409 { throw ClickToCallError.inProgress("a request with this idempotency key is still being placed") }
                // The agent's own request, but its client may have gone to someone else since: as GET /calls/{id}.
                if let contactId = placed.call?.contactId { _ = try context.visibleContact(contactId, for: agent) }
                return .json(placed, status: status)
            }
            // The client first: an unknown one is 404 whatever the integrations can do.
            var called: String?
            if let id = contactId {
                let contact = try context.visibleContact(id, for: agent)
                guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not call this client") }
                guard let first = contact.phones.first else { throw DomainError.unprocessable("contact \(id) has no phone number") }
                called = first
            }
            let integration = try service.integration(named: try body.int("integrationId"))
            let number: String
            if let called {
                number = called
            } else if let raw = body.string("number") {
                do { number = try PhoneNumber.e164(raw, region: body.string("region") ?? integration.region) } catch {
                    throw DomainError.unprocessable("\(error)")
                }
                if let existing = try context.store.read({ db in try ClickToCall.client(of: number, in: db) }) {
                    // Refused without naming the client: a manager does not learn another's contact id from its number.
                    guard agent.canWrite(contactOwner: existing.owner) else { throw ClickToCall.notYourClient }
                    contactId = existing.id
                }
            } else {
                throw WebhookError.missingField("contactId or number")
            }
            // The deal the call is about must be one of the client's (it was taken on trust).
            let dealId = try body.int("dealId")
            if let dealId {
                let owner = try context.store.read { db in try db.scalar("SELECT contact_id FROM deals WHERE id = ?", dealId).int }
                guard let owner, owner == contactId else {
                    throw WebhookError.invalidField("dealId", "deal \(dealId) is not a deal of the client called")
                }
            }
            let key = suppliedKey ?? UUID().uuidString
            let (status, placed) = try service.place(agent: agent, integration: integration, number: number, contactId: contactId,
                                                     dealId: dealId, key: key, asked: asked)
            if status == 409 { throw ClickToCallError.inProgress("a request with this idempotency key is still being placed") }
            return .json(placed, status: status)
        })

        router.get("/api/v1/sip-accounts", context.api { request, _ in
            .json(["sipAccounts": try SIPAccounts.list(context, integrationId: try APIQuery(request).id("integrationId"))])
        })

        // Presence pushed by a provider or a PBX bridge: {"sipLogin": "...", "online": true, "onCall": false}.
        router.post("/webhooks/presence/:secret") { request, responder in
            CallWebhookRoutes.handle(responder) {
                guard let secret = request.parameters["secret"], let integration = try context.integrations.authenticate(secret: secret) else {
                    throw DomainError.unauthorized("unknown integration secret")
                }
                let body = WebhookFields(try WebhookJSON.object(request.body))
                guard let login = body.string("sipLogin") ?? body.string("login") else { throw WebhookError.missingField("sipLogin") }
                let status = body.string("status")?.lowercased()
                let online = try Self.flag(body.values["online"], "online") ?? (status.map { $0 != "offline" } ?? false)
                let onCall = try Self.flag(body.values["onCall"], "onCall") ?? (status == "speaking" || status == "busy")
                service.presence.report(integrationId: integration.id, login: login, online: online, onCall: onCall)
                responder.send(.json(["status": "ok"]))
            }
        }
    }
}

extension ClickToCallRoutes {
    /// A presence webhook's true/false: a JSON boolean, 1 or 0, or as text `true`/`false`, `1`/`0`,
    /// `yes`/`no`, `on`/`off` (bridges that send every value as text). Anything else is 422:
    /// `"online":"true"` was read as offline.
    static func flag(_ value: Any?, _ name: String) throws -> Bool? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String:
            guard let flag = Bool(word: text) else {
                throw WebhookError.invalidField(name, "expected true or false (or 1/0, yes/no, on/off), got \"\(text)\"")
            }
            return flag
        case let number as NSNumber where WebhookFields.isBoolean(number): return number.boolValue
        case let number as NSNumber where number == 0 || number == 1: return number == 1   // bridges that send 1/0
        default: throw WebhookError.invalidField(name, "expected true or false")
        }
    }
}

/// SIP accounts with presence, per integration that places calls.
public enum SIPAccounts {
    public struct Account: Encodable, Sendable {
        public let integrationId: Int
        public let integration: String
        public let login: String
        public let agentId: Int?
        public let agentName: String?
        public let online: Bool
        public let onCall: Bool
        /// Why presence is unknown or partial for this integration (its provider's status API
        /// failed, or it has no presence source at all); `online` and `onCall` are then false,
        /// except for accounts presence webhooks named. Other integrations are listed as usual.
        public var presenceError: String?
    }

    static func list(_ context: RouteContext, integrationId: Int?) throws -> [Account] {
        try list(agents: context.agents, integrations: context.integrations, presence: context.clickToCall.presence, integrationId: integrationId)
    }

    static func list(agents directory: AgentDirectory, integrations: IntegrationDirectory, presence: PresenceService,
                     integrationId: Int?) throws -> [Account] {
        let agents = try directory.list()
        var out: [Account] = []
        for integration in try integrations.list() where integration.settings.dialer != nil && (integrationId == nil || integration.id == integrationId) {
            let snapshot: PresenceService.Snapshot
            var failure: String?
            do {
                snapshot = try presence.snapshot(for: integration)
                failure = snapshot.statusAPIError.map { "\($0); showing what presence webhooks said" }
            } catch {
                // One provider's failure does not hide the other integrations' accounts.
                snapshot = PresenceService.Snapshot(online: [], speaking: [], known: [])
                failure = ClickToCall.message(of: error)
            }
            // Nothing reports presence (Twilio, a template without presenceURL, before any presence
            // webhook): "offline" would be wrong, since the account asked for is dialled as it is.
            if failure == nil && !snapshot.hasSource {
                failure = "no presence source (status API, presenceURL or presence webhook): the account asked for is dialled as it is"
            }
            var logins = snapshot.known.union(agents.flatMap(\.sipLogins))
            if let shared = integration.settings.dialer?.sipAccount { logins.insert(shared) }
            for login in logins.sorted() {
                let owner = agents.first { $0.sipLogins.contains(login) }
                out.append(Account(integrationId: integration.id, integration: integration.name, login: login, agentId: owner?.id,
                                   agentName: owner?.name, online: snapshot.online.contains(login), onCall: snapshot.speaking.contains(login),
                                   presenceError: failure))
            }
        }
        return out
    }
}
