import Foundation
import HTTPServer
import Store

/// `/api/v1/contacts`: search, create, read, update, deals and the timeline.
enum ContactRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/contacts", context.api { request, agent in
            let query = request.queryParameters
            let limit = min(max(Int(query["limit"] ?? "") ?? 50, 1), 200)
            let contacts: [ContactRecord] = try context.store.read { db in
                var ids: [Int]
                if let phone = query["phone"] {
                    let e164: String
                    do { e164 = try PhoneNumber.e164(phone, region: query["region"]) } catch {
                        throw DomainError.unprocessable("\(error)")
                    }
                    ids = try db.query("SELECT contact_id FROM contact_phones WHERE phone = ?", e164).compactMap { $0.int("contact_id") }
                } else if let name = query["q"], !name.isEmpty {
                    let pattern = "%" + name.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                    ids = try db.query("SELECT id FROM contacts WHERE name LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?", pattern, limit * 4)
                        .compactMap { $0.int("id") }
                } else {
                    ids = try db.query("SELECT id FROM contacts ORDER BY updated_at DESC LIMIT ?", limit * 4).compactMap { $0.int("id") }
                }
                return try ids.compactMap { try ContactRecord.load(db, id: $0) }
            }
            let visible = contacts.filter { agent.canSee(contactOwner: $0.ownerAgentId) }.prefix(limit)
            return .json(["contacts": Array(visible)])
        })

        router.post("/api/v1/contacts", context.api { request, agent in
            guard agent.role != .qualityControl else { throw DomainError.forbidden("quality control cannot write") }
            let body = try APIBody.object(request)
            guard let name = body.string("name") else { throw WebhookError.missingField("name") }
            let region = body.string("region")
            let phones = try (body.values["phones"] as? [Any] ?? []).map { value -> String in
                guard let text = value as? String else { throw WebhookError.invalidField("phones", "expected strings") }
                do { return try PhoneNumber.e164(text, region: region) } catch { throw DomainError.unprocessable("\(error)") }
            }
            let owner = agent.role == .manager ? agent.id : try body.int("ownerAgentId")
            let fields = body.values["fields"] as? [String: String] ?? [:]
            let result = try context.record(.contactCreated(.init(name: name, phones: phones, ownerAgentId: owner, fields: fields)),
                                            by: agent, request: request)
            return .json(try context.visibleContact(result.contactId ?? 0, for: agent), status: 201)
        })

        router.get("/api/v1/contacts/:id", context.api { request, agent in
            .json(try context.visibleContact(try APIBody.id(request), for: agent))
        })

        router.patch("/api/v1/contacts/:id", context.api { request, agent in
            let id = try APIBody.id(request)
            let contact = try context.visibleContact(id, for: agent)
            guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not change this contact") }
            let body = try APIBody.object(request)
            var fields: [String: String]?
            if let raw = body.values["fields"] {
                guard let dictionary = raw as? [String: Any] else { throw WebhookError.invalidField("fields", "expected an object") }
                fields = try dictionary.mapValues { value in
                    if value is NSNull { return "" }
                    guard let text = value as? String else { throw WebhookError.invalidField("fields", "values must be strings") }
                    return text
                }
            }
            var phones: [String]?
            if let raw = body.values["phones"] as? [Any] {
                phones = try raw.map { value in
                    guard let text = value as? String else { throw WebhookError.invalidField("phones", "expected strings") }
                    do { return try PhoneNumber.e164(text, region: body.string("region")) } catch { throw DomainError.unprocessable("\(error)") }
                }
            }
            let owner = try body.int("ownerAgentId")
            if owner != nil, agent.role != .supervisor { throw DomainError.forbidden("only supervisors reassign contacts") }
            let patch = ContactPatch(name: body.string("name"), ownerAgentId: owner, fields: fields, phones: phones)
            _ = try context.record(.contactUpdated(contactId: id, patch: patch), by: agent, request: request)
            return .json(try context.visibleContact(id, for: agent))
        })

        router.post("/api/v1/contacts/:id/deals", context.api { request, agent in
            let id = try APIBody.id(request)
            let contact = try context.visibleContact(id, for: agent)
            guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not change this contact") }
            let body = try APIBody.object(request)
            let input = DealInput(contactId: id, title: body.string("title") ?? "Deal with \(contact.name)",
                                  pipeline: body.string("pipeline") ?? "default", stage: body.string("stage") ?? "new",
                                  callId: try body.int("callId"))
            let result = try context.record(.dealCreated(input), by: agent, request: request)
            guard let deal = try context.store.read({ db in try DealRecord.load(db, id: result.dealId ?? 0) }) else {
                throw DomainError.notFound("deal vanished")
            }
            return .json(deal, status: 201)
        })

        router.get("/api/v1/contacts/:id/deals", context.api { request, agent in
            let id = try APIBody.id(request)
            _ = try context.visibleContact(id, for: agent)
            let deals = try context.store.read { db in
                try db.query("SELECT * FROM deals WHERE contact_id = ? ORDER BY updated_at DESC", id).map(DealRecord.init(row:))
            }
            return .json(["deals": deals])
        })

        router.get("/api/v1/contacts/:id/timeline", context.api { request, agent in
            let id = try APIBody.id(request)
            _ = try context.visibleContact(id, for: agent)
            let query = request.queryParameters
            let limit = min(max(Int(query["limit"] ?? "") ?? 50, 1), 200)
            return .json(try context.store.read { db in try Timeline.page(db, contactId: id, limit: limit, before: query["before"]) })
        })

        router.get("/api/v1/calls/:id", context.api { request, agent in
            let id = try APIBody.id(request)
            guard let call = try context.store.read({ db in try CallRecord.load(db, id: id) }) else { throw DomainError.notFound("no call \(id)") }
            if let contactId = call.contactId {
                // A call of a client the agent may not see is, to them, no call at all.
                let owner = try context.store.read { db in try ContactRecord.load(db, id: contactId) }?.ownerAgentId
                guard agent.canSee(contactOwner: owner) else { throw DomainError.notFound("no call \(id)") }
            } else if !agent.canSee(contactOwner: nil) {
                // No contact (an unparseable number): like a client nobody owns, which quality control and
                // supervisors see and a manager does not. 403 rather than 404: there is no client to hide.
                throw DomainError.forbidden("managers see only calls with clients they own")
            }
            return .json(call)
        })
    }
}
