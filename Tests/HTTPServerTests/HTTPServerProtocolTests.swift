import Foundation
import Synchronization
import HTTPServer
import TestSupport
import XCTest

final class HTTPServerProtocolTests: XCTestCase {
    var server: HTTPServer!

    override func setUpWithError() throws { server = try startTestServer() }
    override func tearDown() { server.shutdown() }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let c = try RawConnection(port: server.port)
        for _ in 0..<3 {
            try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try c.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "hello")
            XCTAssertNil(response.header("connection"))
        }
    }

    func testResponsesCarryDateContentLengthAndConnectionHeaders() throws {
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let response = try c.readResponse()
        XCTAssertEqual(response.header("content-length"), "5")
        XCTAssertEqual(response.header("connection"), "close")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = try XCTUnwrap(formatter.date(from: response.header("date") ?? ""), "Date must be IMF-fixdate")
        XCTAssertLessThan(abs(date.timeIntervalSinceNow), 5)
        XCTAssertTrue(c.waitForClose(), "Connection: close must close")
    }

    func testHTTP10ClosesUnlessKeepAliveAsked() throws {
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try c.readResponse().header("connection"), "close")
        XCTAssertTrue(c.waitForClose())
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let c = try RawConnection(port: server.port)
        // The first answer comes late from another thread; the later ones must still wait for it.
        try c.send("GET /slow?ms=150 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"
                   + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthree")
        XCTAssertEqual(try c.readResponse().text, "slow 150")
        XCTAssertEqual(try c.readResponse().text, #"{"id":"2"}"#)
        XCTAssertEqual(try c.readResponse().text, "three")
    }

    func testALargePipelinedBodySentDuringASlowAnswerIsReadAfterIt() throws {
        // While the first request is in flight the server buffers only a few hundred KB of
        // what follows and stops reading; after the answer it must resume reading the rest.
        let c = try RawConnection(port: server.port)
        let body = [UInt8]((0..<(2 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let request = Array("GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        let sent = DispatchSemaphore(value: 0)
        let sendError = Mutex<Error?>(nil)
        let fd = c.fd   // the reply is read on this thread while the sender blocks on a full socket
        Thread {
            var offset = 0
            while offset < request.count {
                let n = request[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else {
                    sendError.withLock { $0 = TestError("send failed: errno \(errno)") }
                    break
                }
                offset += n
            }
            sent.signal()
        }.start()
        XCTAssertEqual(try c.readResponse().text, "slow 300")
        let echoed = try c.readResponse()
        XCTAssertEqual(echoed.status, 200)
        XCTAssertEqual(echoed.body.count, body.count)
        XCTAssertTrue(echoed.body == body, "the echoed body differs from the one sent")
        XCTAssertEqual(sent.wait(timeout: .now() + 10), .success)
        XCTAssertNil(sendError.withLock { $0 })
    }

    func testContentLengthBodyIsDelivered() throws {
        let c = try RawConnection(port: server.port)
        let body = String(repeating: "abc", count: 10_000)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        XCTAssertEqual(try c.readResponse().text, body)
    }

    func testChunkedBodyIsDecoded() throws {
        let c = try RawConnection(port: server.port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   + "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n")
        XCTAssertEqual(try c.readResponse().text, "hello 0123456789")
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 200, "the connection stays usable after a chunked body")
    }

    func testExpectContinueIsAnsweredBeforeTheBodyIsSent() throws {
        let c = try RawConnection(port: server.port)
        try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try c.readResponse()
        XCTAssertEqual(interim.status, 100)
        try c.send("body")
        XCTAssertEqual(try c.readResponse().text, "body")
    }

    func testHeadHasGetsLengthButNoBody() throws {
        let c = try RawConnection(port: server.port)
        try c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try c.readResponse(isHead: true)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-length"), "5")
        // If HEAD had sent a body, it would be read here instead of the GET's status line.
        let get = try c.readResponse()
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.text, "hello")
    }

    func testRouterFillsPathParametersAndAnswersUnknownRoutesWithJSON() throws {
        let c = try RawConnection(port: server.port)
        try c.send("GET /items/a%20b HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().text, #"{"id":"a b"}"#)
        // Empty segments are ignored and a '+' in a path segment stays a '+'.
        try c.send("GET //items//a+b/ HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().text, #"{"id":"a+b"}"#)
        try c.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        let missing = try c.readResponse()
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.errorCode, "not_found")
        try c.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let wrongMethod = try c.readResponse()
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.header("allow"), "GET")
        XCTAssertEqual(wrongMethod.errorCode, "method_not_allowed")
    }

    func testCurlGetsContinueAndItsBodyEchoedFor2KBAnd2MB() throws {
        for size in [2 * 1024, 2 * 1024 * 1024] {
            let dir = try TemporaryDirectory()
            let file = dir.path("body")
            let body = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 % 251) })
            try body.write(to: URL(fileURLWithPath: file))
            let out = dir.path("out")
            let result = try Subprocess.run("/usr/bin/curl", [
                "-sS", "-v", "--expect100-timeout", "30", "-H", "Expect: 100-continue",
                "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)", "-o", out,
                "http://127.0.0.1:\(server.port)/echo",
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains("< HTTP/1.1 100 Continue"), "size \(size): no 100 Continue")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), body, "size \(size)")
        }
    }
}

final class HTTPServerConcurrencyTests: XCTestCase {
    func testLateAnswersOnManyConnectionsAllArrive() throws {
        let server = try startTestServer { $0.eventLoops = 1 }
        defer { server.shutdown() }
        let port = server.port
        let answered = Answered()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            guard let c = try? RawConnection(port: port, timeout: 3) else { return }
            try? c.send("GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n")
            if (try? c.readResponse().status) == 200 { answered.add() }
        }
        XCTAssertEqual(answered.count, 8)
    }
}

final class Answered: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

extension HTTPServerProtocolTests {
    /// A second server on a port the first listens on refuses to start. With SO_REUSEPORT on
    /// every listener it started and took half the connections: a second daemon (another
    /// database) run by mistake on the same port silently got half of the webhooks.
    func testASecondServerOnAPortInUseRefusesToStart() throws {
        let second = HTTPServer(configuration: .init(host: "127.0.0.1", port: server.port, eventLoops: 2, logRequests: false),
                                router: Router())
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual((error as? SocketError)?.errno, EADDRINUSE, "\(error)")
            XCTAssertTrue("\(error)".contains("another process listens there"), "\(error)")
        }
        // Every connection still reaches the first.
        for _ in 0..<8 { XCTAssertEqual(try hello(port: server.port), "hello") }
    }

    /// The port of a server that stopped is free again at once: a connection the server closed
    /// first lingers in TIME_WAIT on the server's side, and does not hold the port.
    func testAPortIsFreeAgainAfterTheServerStops() throws {
        let first = try startTestServer()
        let port = first.port
        let closedByServer = try RawConnection(port: port)
        try closedByServer.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(try closedByServer.readResponse().text, "hello")
        XCTAssertTrue(closedByServer.waitForClose(), "the server closes first, so the TIME_WAIT is on its side")
        first.shutdown()
        let again = try startTestServer { $0.port = port }
        defer { again.shutdown() }
        XCTAssertEqual(try hello(port: port), "hello")
    }
}

private func hello(port: Int) throws -> String {
    let connection = try RawConnection(port: port)
    try connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    return try connection.readResponse().text
}

extension HTTPServerProtocolTests {
    /// Two servers starting at the same moment on one port: exactly one starts. Both could pass
    /// the plain bind check while neither listened yet, then share the port through SO_REUSEPORT.
    func testOfTwoServersStartingTogetherOnOnePortOneStarts() throws {
        for _ in 0..<150 {
            let probe = try startTestServer()   // a port nothing else uses, then free again
            let port = probe.port
            probe.shutdown()
            let servers = (0..<2).map { _ in
                HTTPServer(configuration: .init(host: "127.0.0.1", port: port, eventLoops: 2, logRequests: false), router: Router())
            }
            let outcomes = Mutex<[Bool]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                let started = (try? servers[index].start()) != nil
                outcomes.withLock { $0.append(started) }
            }
            XCTAssertEqual(outcomes.withLock { $0.filter { $0 }.count }, 1, "port \(port)")
            for server in servers { server.shutdown() }
        }
    }
}
