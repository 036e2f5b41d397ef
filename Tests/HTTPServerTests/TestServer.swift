import Foundation
import HTTPServer
import Synchronization
import TestSupport

/// Streams opened by `/stream`, so tests can push events into them.
final class StreamRegistry: Sendable {
    let streams = Mutex<[EventStream]>([])
    var count: Int { streams.withLock { $0.count } }
    func broadcast(_ data: String) { for s in streams.withLock({ $0 }) { s.send(event: "tick", data: data) } }
}

/// Starts a server on an ephemeral loopback port with routes the tests use.
func startTestServer(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in },
                     streams: StreamRegistry = StreamRegistry()) throws -> HTTPServer {
    var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, eventLoops: 2, logRequests: false)
    configure(&configuration)
    var router = Router()
    router.get("/hello") { _, r in r.send(.text("hello")) }
    router.post("/echo") { request, r in
        r.send(HTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: request.body))
    }
    router.get("/items/:id") { request, r in
        r.send(.json(bytes: Array(#"{"id":"\#(request.parameters["id"] ?? "")"}"#.utf8)))
    }
    // Answers from another thread after `ms` milliseconds: an in-flight request.
    router.get("/slow") { request, r in
        let ms = Int(request.queryParameters["ms"] ?? "") ?? 100
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) { r.send(.text("slow \(ms)")) }
    }
    router.get("/stream") { _, r in
        let stream = r.startEventStream()
        streams.streams.withLock { $0.append(stream) }
        stream.onTermination { streams.streams.withLock { $0.removeAll { $0 === stream } } }
    }
    let server = HTTPServer(configuration: configuration, router: router)
    try server.start()
    return server
}
