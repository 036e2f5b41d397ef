import Foundation
import HTTPServer
import Store

/// `/healthz`, `/readyz`, `/metrics`.
enum OperationsRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        // Process is up: answered on the loop, no I/O.
        router.get("/healthz") { _, responder in
            responder.send(.json(bytes: Array(#"{"status":"ok"}"#.utf8)))
        }
        // Database writable: no write failed for want of disk in the last 30 s, and a real write
        // through the writer commits.
        router.get("/readyz") { _, responder in
            // Its own small write may still fit while every webhook fails for want of disk.
            if let failure = context.store.recentDiskFailure(within: 30) {
                responder.send(.error(status: 503, code: "not_ready", message: "writes failed in the last 30 s: \(failure)"))
                return
            }
            let now = JSONText.now()
            context.store.write({ db in try recordHealthCheck(db, at: now) }, completion: { result in
                switch result {
                case .success:
                    responder.send(.json(bytes: Array(#"{"status":"ready"}"#.utf8)))
                case .failure(let error):
                    responder.send(.error(status: 503, code: "not_ready", message: "database not writable: \(error)"))
                }
            })
        }
        router.get("/metrics") { _, responder in
            responder.send(.text(context.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8"))
        }
    }

    /// The one-row write that shows the database takes writes (/readyz, and `serve` before it listens).
    static func recordHealthCheck(_ db: Database, at now: String) throws {
        try db.execute("INSERT INTO health(id, checked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at", now)
    }
}
