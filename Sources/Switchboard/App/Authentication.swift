import Store
import HTTPServer

extension RouteContext {
    /// The agent whose key is in `Authorization: Bearer …`, or a 401.
    func authenticatedAgent(_ request: HTTPRequest) throws -> Agent {
        guard let header = request.header("authorization"), header.lowercased().hasPrefix("bearer ") else {
            throw DomainError.unauthorized("send Authorization: Bearer <apiKey>")
        }
        let key = String(header.dropFirst(7)).trimmedSpaces
        guard let agent = try agents.authenticate(apiKey: key) else {
            throw DomainError.unauthorized("unknown API key")
        }
        return agent
    }

    /// Wraps an API handler: authenticates, runs `body` off the event loop, and renders its result or error.
    func api(_ body: @escaping @Sendable (HTTPRequest, Agent) throws -> HTTPResponse) -> HTTPHandler {
        { request, responder in
            WorkerPool.shared.run {
                do {
                    let agent = try authenticatedAgent(request)
                    // Every write this request makes is refused if the caller was removed, given
                    // another role or another key meanwhile (a demoted supervisor's in-flight key
                    // rotation handed them another agent's key).
                    let response = try WriteGuard.withCheck({ db in try WriteCheck.unchanged(agent, in: db) }) {
                        try body(request, agent)
                    }
                    responder.send(response)
                } catch {
                    responder.send(error: error)
                }
            }
        }
    }
}

import Foundation
import Store
