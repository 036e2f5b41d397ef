import Foundation
import HTTPServer

/// Agents writing to clients: `POST /api/v1/contacts/{id}/messages` (and `/preview`), and
/// `POST /api/v1/contacts/{id}/conversation/reset`.
enum WhatsAppSendingRoutes {
    static func register(on router: inout Router, _ context: RouteContext, sender: WhatsAppSender) {
        let sending = WhatsAppSending(store: context.store, hub: context.hub, sender: sender)
        router.post("/api/v1/contacts/:id/messages", context.api { request, agent in
            let body = try APIBody.object(request)
            let draft = try OutboundDraft(body)
            // What was asked, whatever the spacing or member order: a retry matches it, another request does not.
            let asked = String(decoding: (try? JSONSerialization.data(withJSONObject: body.values, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
            let (status, sent) = try sending.send(draft, to: try APIBody.id(request), by: agent, idempotencyKey: request.header("idempotency-key"),
                                                  request: asked)
            return .json(sent, status: status)
        })
        router.post("/api/v1/contacts/:id/messages/preview", context.api { request, agent in
            let draft = try OutboundDraft(try APIBody.object(request))
            return .json(try sending.preview(draft, to: try APIBody.id(request), by: agent))
        })
        router.post("/api/v1/contacts/:id/conversation/reset", context.api { request, agent in
            let body = try APIBody.object(request)
            try APIBody.refuseUnknownFields(of: body.values, known: ["channelId"])
            let id = try APIBody.id(request)
            let result = try sending.resetConversation(contactId: id, channelId: try body.int("channelId"), by: agent,
                                                       idempotencyKey: request.header("idempotency-key"))
            return .json(ResetAnswer(contactId: id, closedTaskId: result.taskId))
        })
    }

    /// What a reset answers.
    struct ResetAnswer: Encodable {
        let contactId: Int
        /// The reply task it closed, if one was open.
        let closedTaskId: Int?
    }
}
