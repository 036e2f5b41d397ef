import Foundation
import HTTPServer

/// `GET /api/v1/events`: the agent's live stream (screen-pop and updates).
enum EventRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        router.get("/api/v1/events") { request, responder in
            WorkerPool.shared.run {
                do {
                    let agent = try context.authenticatedAgent(request)
                    let stream = responder.startEventStream()
                    context.hub.subscribe(agent, stream: stream, lastEventId: request.header("last-event-id"))
                } catch {
                    responder.send(error: error)
                }
            }
        }
    }
}
