import Foundation
import HTTPClient
import HTTPServer
import Synchronization
import TestSupport
import XCTest

/// libcurl against a real local server.
final class HTTPClientTests: XCTestCase {
    var server: HTTPServer!
    let seen = Seen()

    override func setUpWithError() throws {
        var router = Router()
        let seen = self.seen
        router.post("/echo") { request, responder in
            seen.add("\(request.remoteAddress) expect=\(request.header("expect") ?? "-")")
            responder.send(HTTPResponse(status: 201, headers: [("Content-Type", "application/octet-stream")], body: request.body))
        }
        router.get("/slow") { _, responder in
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) { responder.send(.text("late")) }
        }
        router.get("/fail") { _, responder in responder.send(.error(status: 503, code: "down", message: "try later")) }
        server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, eventLoops: 1, logRequests: false), router: router)
        try server.start()
    }

    override func tearDown() { server.shutdown() }

    func testPostsBodiesWithoutExpectAndReusesTheConnection() throws {
        let client = HTTPClient()
        let big = [UInt8]((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0) })
        for body in [Array("hello".utf8), big] {
            let response = try client.send(.init(method: "POST", url: "http://127.0.0.1:\(server.port)/echo",
                                                 headers: [("Content-Type", "application/octet-stream")], body: body))
            XCTAssertEqual(response.status, 201)
            XCTAssertEqual(response.body, body)
        }
        let requests = seen.all
        XCTAssertEqual(requests.count, 2)
        XCTAssertTrue(requests.allSatisfy { $0.hasSuffix("expect=-") }, "\(requests)")
        XCTAssertEqual(Set(requests).count, 1, "both requests came over one connection: \(requests)")
    }

    func testErrorStatusesAreResponsesNotErrors() throws {
        let response = try HTTPClient().send(.init(url: "http://127.0.0.1:\(server.port)/fail"))
        XCTAssertEqual(response.status, 503)
        XCTAssertTrue(response.text.contains("try later"))
    }

    func testTimeoutAfterSendingIsReportedAsMaybeDelivered() throws {
        XCTAssertThrowsError(try HTTPClient().send(.init(url: "http://127.0.0.1:\(server.port)/slow", timeout: 0.3))) { error in
            XCTAssertEqual((error as? HTTPClientError)?.kind, .timedOut)
        }
    }

    func testRefusedConnectionIsReportedAsNotSent() throws {
        let port = try RunningDaemon.freePort()
        XCTAssertThrowsError(try HTTPClient().send(.init(url: "http://127.0.0.1:\(port)/x"))) { error in
            XCTAssertEqual((error as? HTTPClientError)?.kind, .notSent)
        }
    }
}

final class Seen: Sendable {
    private let values = Mutex<[String]>([])
    func add(_ value: String) { values.withLock { $0.append(value) } }
    var all: [String] { values.withLock { $0 } }
}
