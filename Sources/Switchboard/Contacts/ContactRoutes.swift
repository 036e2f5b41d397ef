import Foundation
import HTTPServer
import Store

/// `/api/v1/contacts`: search, create, read, update, deals and the timeline.
enum ContactRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/contacts", context.api { request, agent in
            let query = APIQuery(request)
            let limit = try query.limit(default: 50, maximum: 200)
            let phone = try query["phone"].map { text in
                do { return try PhoneNumber.e164(searchedPhone(text), region: query["region"]) } catch {
                    throw DomainError.unprocessable("\(error)")
                }
            }
            let before = try query["before"].map(ContactCursor.init(text:))
            // One more than asked says whether another page follows.
            var contacts: [ContactRecord] = try context.store.read { db in
                try search(db, phone: phone, name: query["q"], visibleTo: agent, limit: limit + 1, before: before)
                    .compactMap { try ContactRecord.load(db, id: $0) }
            }
            let hasMore = contacts.count > limit
            if hasMore { contacts.removeLast(contacts.count - limit) }
            return .json(ContactPage(contacts: contacts, nextBefore: hasMore ? contacts.last.map { ContactCursor(of: $0).text } : nil))
        })

        router.post("/api/v1/contacts", context.api { request, agent in
            guard agent.role != .qualityControl else { throw DomainError.forbidden("quality control cannot write") }
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ContactBody.members)
            guard let name = try ContactBody.name(body) else { throw WebhookError.missingField("name") }
            let phones = try ContactBody.phones(body) ?? []
            // A null field is a field not set, as a null in a patch clears it.
            let fields = try ContactBody.fields(body)?.filter { !$0.value.isEmpty } ?? [:]
            let owner: Int?
            var checks: [WriteCheck] = []
            switch try ContactBody.owner(body) {
            case _ where agent.role == .manager:
                owner = agent.id   // managers own what they create, whatever the body says
            case .set(let id):
                try context.requireWorkingAgent(id, field: "ownerAgentId", qualityControl: "owns no contacts")
                owner = id
            case .unchanged, .cleared:
                owner = nil
            }
            if let owner { checks.append(.workingAgent(owner, field: "ownerAgentId", qualityControl: "owns no contacts")) }
            let created = try context.record(.contactCreated(.init(name: name, phones: phones, ownerAgentId: owner, fields: fields)),
                                             by: agent, request: request, check: .all(checks)) { db, result in
                try ContactRecord.load(db, id: result.contactId ?? 0)
            }
            guard let created, agent.canSee(contactOwner: created.ownerAgentId) else { throw DomainError.notFound("contact vanished") }
            return .json(created, status: 201)
        })

        router.get("/api/v1/contacts/:id", context.api { request, agent in
            .json(try context.readableContact(try APIBody.id(request), for: agent))
        })

        router.patch("/api/v1/contacts/:id", context.api { request, agent in
            let id = try APIBody.id(request)
            let contact = try context.visibleContact(id, for: agent)
            guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not change this contact") }
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ContactBody.members)
            var patch = ContactPatch(name: try ContactBody.name(body), ownerAgentId: nil, fields: try ContactBody.fields(body),
                                     phones: try ContactBody.phones(body))
            var checks = [WriteCheck.contact(id)]
            switch try ContactBody.owner(body) {
            case .unchanged:
                break
            case .set(let owner):
                guard agent.role == .supervisor else { throw DomainError.forbidden("only supervisors reassign contacts") }
                try context.requireWorkingAgent(owner, field: "ownerAgentId", qualityControl: "owns no contacts")
                patch.ownerAgentId = owner
                checks.append(.workingAgent(owner, field: "ownerAgentId", qualityControl: "owns no contacts"))
            case .cleared:
                guard agent.role == .supervisor else { throw DomainError.forbidden("only supervisors reassign contacts") }
                patch.clearsOwner = true
            }
            let changed = try context.record(.contactUpdated(contactId: id, patch: patch), by: agent, request: request,
                                             check: .all(checks)) { db, _ in try ContactRecord.load(db, id: id) }
            guard let changed else { throw DomainError.notFound("no contact \(id)") }
            return .json(changed)
        })

        router.post("/api/v1/contacts/:id/deals", context.api { request, agent in
            let id = try APIBody.id(request)
            let contact = try context.visibleContact(id, for: agent)
            guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not change this contact") }
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ["title", "pipeline", "stage", "callId"])
            // No title: the projector names it after the contact, so a retry of this very request
            // records the same event even if the contact was renamed in between.
            let input = DealInput(contactId: id, title: try ContactBody.text(body, "title") ?? "",
                                  pipeline: try ContactBody.text(body, "pipeline") ?? "default",
                                  stage: try ContactBody.text(body, "stage") ?? "new", callId: try body.int("callId"))
            let deal = try context.record(.dealCreated(input), by: agent, request: request, check: .contact(id)) { db, result in
                try DealRecord.load(db, id: result.dealId ?? 0)
            }
            guard let deal else { throw DomainError.notFound("deal vanished") }
            return .json(deal, status: 201)
        })

        // Moving a deal along its pipeline, and closing it (the stage says won or lost): the WhatsApp channels'
        // `closedDealsPolicy` acts on clients whose deals are all closed.
        router.patch("/api/v1/contacts/:id/deals/:dealId", context.api { request, agent in
            let id = try APIBody.id(request)
            let dealId = try APIBody.id(request, "dealId")
            let contact = try context.visibleContact(id, for: agent)
            guard agent.canWrite(contactOwner: contact.ownerAgentId) else { throw DomainError.forbidden("you may not change this contact") }
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ["title", "pipeline", "stage", "state"])
            let state = try ContactBody.text(body, "state")
            if let state, !DealPatch.states.contains(state) {
                throw WebhookError.invalidField("state", "expected open or closed, got \"\(state)\"")
            }
            for field in ["title", "pipeline", "stage"] where (body.values[field] as? String)?.isEmpty == true {
                throw WebhookError.invalidField(field, "must not be empty")
            }
            let patch = DealPatch(dealId: dealId, contactId: id, title: try ContactBody.text(body, "title"),
                                  pipeline: try ContactBody.text(body, "pipeline"), stage: try ContactBody.text(body, "stage"), state: state)
            guard patch.title != nil || patch.pipeline != nil || patch.stage != nil || patch.state != nil else {
                throw DomainError.unprocessable("nothing to change: give title, pipeline, stage or state")
            }
            let deal = try context.record(.dealUpdated(patch), by: agent, request: request, check: .contact(id)) { db, _ in
                try DealRecord.load(db, id: dealId)
            }
            guard let deal else { throw DomainError.notFound("no deal \(dealId)") }
            return .json(deal)
        })

        router.get("/api/v1/contacts/:id/deals", context.api { request, agent in
            let id = try APIBody.id(request)
            _ = try context.readableContact(id, for: agent)
            let deals = try context.store.read { db in
                try db.query("SELECT * FROM deals WHERE contact_id = ? ORDER BY updated_at DESC", id).map(DealRecord.init(row:))
            }
            return .json(["deals": deals])
        })

        router.get("/api/v1/contacts/:id/timeline", context.api { request, agent in
            let id = try APIBody.id(request)
            _ = try context.readableContact(id, for: agent)
            let query = APIQuery(request)
            let limit = try query.limit(default: 50, maximum: 200)
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

    /// Ids of the contacts `agent` may see with `phone` (E.164) or a name containing `name`
    /// (every contact when neither is given), most recently updated first, at most `limit`.
    ///
    /// Visibility is part of the query, not a filter over its result: a manager's own contacts
    /// can sit behind any number of others' more recent ones, and a page cut before filtering
    /// came back short or empty. The rule is `Agent.canSee(contactOwner:)`: a manager sees the
    /// contacts they own, everyone else sees all. The id breaks ties of `updated_at`, so pages
    /// are stable.
    static func search(_ db: Database, phone: String?, name: String?, visibleTo agent: Agent, limit: Int,
                       before: ContactCursor? = nil) throws -> [Int] {
        let (sql, arguments) = searchQuery(phone: phone, name: name, visibleTo: agent, limit: limit, before: before)
        return try db.query(sql, arguments: arguments).compactMap { $0.int("id") }
    }

    /// The SQL of `search`. A manager's contacts are found through the `contacts_owner` index
    /// (migration 016), not by reading every contact.
    static func searchQuery(phone: String?, name: String?, visibleTo agent: Agent, limit: Int,
                            before: ContactCursor? = nil) -> (String, [any SQLBindable]) {
        var sql = "SELECT c.id FROM contacts c"
        var conditions: [String] = []
        var arguments: [any SQLBindable] = []
        if let phone {
            sql += " JOIN contact_phones p ON p.contact_id = c.id"
            conditions.append("p.phone = ?"); arguments.append(phone)
        } else if let name, !name.isEmpty {
            let pattern = "%" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("fold(c.name) LIKE fold(?) ESCAPE '\\'"); arguments.append(pattern)
        }
        if agent.role == .manager { conditions.append("c.owner_agent_id = ?"); arguments.append(agent.id) }
        if let before {
            conditions.append("(c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))")
            arguments += [before.updatedAt, before.updatedAt, before.id] as [any SQLBindable]
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"
        arguments.append(limit)
        return (sql, arguments)
    }

    /// The searched number as the client meant it.
    ///
    /// A `+` in a query string is a space once decoded (`application/x-www-form-urlencoded`,
    /// which is how every query here is read), so `?phone=+40722123456` arrives as
    /// `" 40722123456"`; the proper spelling is `%2B40722123456`. A country calling code never
    /// starts with 0 (ITU-T E.164), so one leading space before a digit from 1 to 9 can only
    /// have been that plus; a space before a 0 (a national number) is just a space.
    static func searchedPhone(_ text: String) -> String {
        guard text.first == " ", let digit = text.dropFirst().first, ("1"..."9").contains(digit) else { return text }
        return "+" + text.dropFirst()
    }
}

/// The members of a contact in a request body, each refused with a 422 naming it when it is
/// of the wrong type, instead of being dropped: a client whose write was silently ignored
/// believes it happened. Shared by create and update, so both accept and refuse the same.
enum ContactBody {
    /// What a body says about the owner.
    enum OwnerChange: Equatable {
        /// No `ownerAgentId` member.
        case unchanged
        /// `"ownerAgentId": null`: the contact becomes nobody's.
        case cleared
        case set(Int)
    }

    /// `name`: nil when absent; a string with more than blanks otherwise.
    static func name(_ body: WebhookFields) throws -> String? {
        guard let raw = body.values["name"] else { return nil }
        guard let name = raw as? String else { throw WebhookError.invalidField("name", "expected a string") }
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw WebhookError.invalidField("name", "must not be empty")
        }
        return name
    }

    /// The members a contact's body may have (create and update).
    static let members: Set<String> = ["name", "phones", "region", "fields", "ownerAgentId"]

    /// A string member (empty or null as absent); anything else is a 422 naming it, not ignored.
    static func text(_ body: WebhookFields, _ field: String) throws -> String? {
        guard let raw = body.values[field], !(raw is NSNull) else { return nil }
        guard let text = raw as? String else { throw WebhookError.invalidField(field, "expected a string") }
        return text.isEmpty ? nil : text
    }

    /// `phones` in E.164, read with `region` when not international, each once; nil when absent.
    /// `region` must be a string or null even when no phones come with it: a `{"region": 5}`
    /// was answered 200 as if it meant something.
    static func phones(_ body: WebhookFields) throws -> [String]? {
        // "" is no region, as null is.
        let region = (try APIBody.patchString(body.values, "region", nullable: true) ?? nil).flatMap { $0.isEmpty ? nil : $0 }
        guard let raw = body.values["phones"] else { return nil }
        guard let list = raw as? [Any] else { throw WebhookError.invalidField("phones", "expected an array of strings") }
        let numbers = try list.map { value in
            guard let text = value as? String else { throw WebhookError.invalidField("phones", "expected an array of strings") }
            do { return try PhoneNumber.e164(text, region: region) } catch { throw DomainError.unprocessable("\(error)") }
        }
        // One number in two spellings (or twice) is one phone, kept where it first appears.
        var seen = Set<String>()
        return numbers.filter { seen.insert($0).inserted }
    }

    /// `fields`, a null value read as "" (no value); nil when absent.
    static func fields(_ body: WebhookFields) throws -> [String: String]? {
        guard let raw = body.values["fields"] else { return nil }
        guard let dictionary = raw as? [String: Any] else { throw WebhookError.invalidField("fields", "expected an object") }
        return try dictionary.mapValues { value in
            if value is NSNull { return "" }
            guard let text = value as? String else { throw WebhookError.invalidField("fields", "values must be strings or null") }
            return text
        }
    }

    /// `ownerAgentId`, telling absent from null.
    static func owner(_ body: WebhookFields) throws -> OwnerChange {
        guard let raw = body.values["ownerAgentId"] else { return .unchanged }
        if raw is NSNull { return .cleared }
        guard let id = try body.int("ownerAgentId") else { throw WebhookError.invalidField("ownerAgentId", "expected an agent id") }
        return .set(id)
    }
}
