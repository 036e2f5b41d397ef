import Foundation
import HTTPServer

/// `GET /api/v1/conversations` (threads with filters) and
/// `GET /api/v1/conversations/{contactId}/messages` (one thread's messages, newest first).
///
/// Quality control and supervisors see every thread; a manager only their own clients'
/// (the list is narrowed, and another client's messages answer 404).
enum ConversationRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/conversations", context.api { request, agent in
            let query = request.queryParameters
            var filter = ConversationViews.Filter()
            filter.notRepliedFor = try ConversationViews.duration(query["notRepliedFor"], name: "notRepliedFor")
            filter.repliedWithin = try ConversationViews.duration(query["repliedWithin"], name: "repliedWithin")
            filter.messageWithin = try ConversationViews.duration(query["messageWithin"], name: "messageWithin")
            filter.ownerAgentId = try number(query["owner"], name: "owner")
            filter.repliedByAgentId = try number(query["repliedBy"], name: "repliedBy")
            filter.channelId = try number(query["channelId"], name: "channelId")
            filter.visibleToOwner = agent.role == .manager ? agent.id : nil
            // Managers who receive new clients also see the unsorted ones nobody has claimed yet.
            filter.withUnsorted = agent.role == .manager && agent.receivesNewClients
            filter.limit = try APIQuery(request).limit(default: 50, maximum: 200)
            filter.before = query["before"]
            return .json(try context.store.read { db in try ConversationViews.threads(db, filter: filter) })
        })

        router.get("/api/v1/conversations/:contactId/messages", context.api { request, agent in
            let contactId = try APIBody.id(request, "contactId")
            _ = try context.readableContact(contactId, for: agent)
            let query = request.queryParameters
            let channelId = try number(query["channelId"], name: "channelId")
            let limit = try APIQuery(request).limit(default: 50, maximum: 200)
            return .json(try context.store.read { db in
                try ConversationViews.messages(db, contactId: contactId, channelId: channelId, limit: limit, before: query["before"])
            })
        })
    }

    private static func number(_ text: String?, name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw DomainError.invalid("\(name) must be a number") }
        return value
    }
}
