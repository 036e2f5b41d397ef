import Foundation
import HTTPServer
import TestSupport
import XCTest

/// Limits, timeouts and RFC 9112 strictness: each answers with the right status and closes.
final class HTTPServerLimitsTests: XCTestCase {
    var server: HTTPServer!

    override func setUpWithError() throws {
        server = try startTestServer { c in
            c.limits.maxBodyBytes = 64 * 1024
            c.headerTimeout = 0.5
            c.idleTimeout = 0.5
            c.maxConnections = 20
        }
    }

    override func tearDown() { server.shutdown() }

    private func expectRejection(_ request: String, status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try RawConnection(port: server.port)
        try c.send(request)
        let response = try c.readResponse()
        XCTAssertEqual(response.status, status, request.debugDescription, file: file, line: line)
        XCTAssertNotNil(response.errorCode, "error body must be JSON", file: file, line: line)
        XCTAssertEqual(response.header("connection"), "close", file: file, line: line)
        XCTAssertTrue(c.waitForClose(), "connection must close after \(status)", file: file, line: line)
    }

    func testOverlongRequestLineIs414() throws {
        try expectRejection("GET /" + String(repeating: "a", count: 17 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 414)
    }

    func testOverlongHeaderSectionIs431() throws {
        let big = (0..<40).map { "X-Filler-\($0): " + String(repeating: "v", count: 500) + "\r\n" }.joined()
        try expectRejection("GET /hello HTTP/1.1\r\nHost: x\r\n\(big)\r\n", status: 431)
    }

    func testBodyOverTheLimitIs413WithoutReadingIt() throws {
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(65 * 1024)\r\n\r\n", status: 413)
    }

    func testChunkedBodyOverTheLimitIs413() throws {
        let chunk = String(repeating: "z", count: 40 * 1024)
        let hex = String(chunk.utf8.count, radix: 16)
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(hex)\r\n\(chunk)\r\n\(hex)\r\n\(chunk)\r\n0\r\n\r\n", status: 413)
    }

    func testContentLengthWithTransferEncodingIs400() throws {
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400)
    }

    func testDuplicateContentLengthIs400() throws {
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", status: 400)
    }

    func testConflictingContentLengthIs400() throws {
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabc", status: 400)
    }

    func testBadChunkSizeIs400() throws {
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n", status: 400)
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nhi\r\n0\r\n\r\n", status: 400)
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nhi\r\n0\r\n\r\n", status: 400)
    }

    func testWhitespaceBeforeColonIs400() throws {
        try expectRejection("GET /hello HTTP/1.1\r\nHost: x\r\nX-Bad : 1\r\n\r\n", status: 400)
    }

    func testObsoleteLineFoldingIs400() throws {
        try expectRejection("GET /hello HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", status: 400)
    }

    func testHTTP11WithoutHostIs400() throws {
        try expectRejection("GET /hello HTTP/1.1\r\nAccept: */*\r\n\r\n", status: 400)
    }

    func testBareLineFeedIs400() throws {
        try expectRejection("GET /hello HTTP/1.1\nHost: x\n\n", status: 400)
    }

    func testUnknownTransferCodingIsRejected() throws {
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501)
        try expectRejection("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", status: 400)
    }

    func testSlowHeadersGet408AndTheConnectionCloses() throws {
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n")  // never finishes the head
        let response = try c.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertTrue(c.waitForClose())
    }

    /// A connection that never sends anything is held for the header timeout, not the idle
    /// one: silent sockets kept every slot (maxConnections) busy for 75 s.
    func testASilentNewConnectionGetsTheHeaderTimeout() throws {
        let patient = try startTestServer { c in
            c.headerTimeout = 0.5
            c.idleTimeout = 600
        }
        defer { patient.shutdown() }
        let c = try RawConnection(port: patient.port)
        XCTAssertEqual(try c.readResponse().status, 408)
        XCTAssertTrue(c.waitForClose())
    }

    func testIdleConnectionIsClosed() throws {
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 200)
        XCTAssertTrue(c.waitForClose(), "an idle keep-alive connection must be closed after idleTimeout")
    }

    func testConnectionsOverTheLimitAreRefusedAndTheServerCarriesOn() throws {
        var open: [RawConnection] = []
        for _ in 0..<20 {
            let c = try RawConnection(port: server.port)
            try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(try c.readResponse().status, 200)
            open.append(c)
        }
        let extra = try RawConnection(port: server.port)
        let refused = try extra.readResponse()
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.errorCode, "too_many_connections")
        XCTAssertTrue(extra.waitForClose())
        open.removeAll()  // closes all 20
        // Slots are released as the server notices the closes; a new client must get through.
        var served = false
        for _ in 0..<50 where !served {
            let c = try RawConnection(port: server.port)
            try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            served = (try? c.readResponse().status) == 200
        }
        XCTAssertTrue(served)
    }
}
