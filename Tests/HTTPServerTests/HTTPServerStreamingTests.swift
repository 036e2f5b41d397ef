import Foundation
import HTTPServer
import TestSupport
import XCTest

final class HTTPServerStreamingTests: XCTestCase {
    func testThousandEventStreamsStayOpenAndReceiveEvents() throws {
        let streams = StreamRegistry()
        let server = try startTestServer(streams: streams)
        defer { server.shutdown() }
        var clients: [RawConnection] = []
        for _ in 0..<1000 {
            let c = try RawConnection(port: server.port)
            try c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(c)
        }
        for c in clients { XCTAssertTrue(try c.read(until: "\r\n\r\n").contains("text/event-stream")) }
        XCTAssertEqual(streams.count, 1000)
        streams.broadcast("first")
        streams.broadcast("line one\nline two")
        for c in clients {
            let text = try c.read(until: "data: line two\n\n")
            XCTAssertTrue(text.contains("event: tick\ndata: first\n\n"))
            XCTAssertTrue(text.contains("data: line one\ndata: line two\n\n"))
        }
    }

    func testClosedClientEndsItsStream() throws {
        let streams = StreamRegistry()
        let server = try startTestServer(streams: streams)
        defer { server.shutdown() }
        let ended = expectation(description: "stream ended")
        do {
            let c = try RawConnection(port: server.port)
            try c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try c.read(until: "\r\n\r\n")
            streams.streams.withLock { $0.first }?.onTermination { ended.fulfill() }
        }
        wait(for: [ended], timeout: 10)
    }

    func testShutdownFinishesInFlightRequestsAndEndsStreams() throws {
        let streams = StreamRegistry()
        let server = try startTestServer({ $0.shutdownGrace = 10 }, streams: streams)
        let port = server.port
        let stream = try RawConnection(port: port)
        try stream.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try stream.read(until: "\r\n\r\n")
        let inFlight = try RawConnection(port: port)
        try inFlight.send("GET /slow?ms=400 HTTP/1.1\r\nHost: x\r\n\r\n")
        let idle = try RawConnection(port: port)
        try idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)
        // Make sure the slow request has been dispatched before shutting down.
        let probe = try RawConnection(port: port)
        try probe.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try probe.readResponse()

        let done = expectation(description: "shutdown returned")
        DispatchQueue.global().async {
            server.shutdown()
            done.fulfill()
        }
        let response = try inFlight.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "slow 400")
        XCTAssertEqual(response.header("connection"), "close")
        XCTAssertTrue(stream.waitForClose(), "event streams end on shutdown")
        XCTAssertTrue(idle.waitForClose(), "idle connections close on shutdown")
        wait(for: [done], timeout: 15)
        XCTAssertThrowsError(try RawConnection(port: port), "no longer accepting")
    }
}

extension HTTPServerStreamingTests {
    /// A request whose body is still arriving when shutdown begins is in flight: it is read to
    /// the end and answered within the grace period. It was closed at once with no answer, as
    /// if the connection were idle, because every byte received so far had been parsed.
    func testShutdownFinishesARequestWhoseBodyIsStillArriving() throws {
        let server = try startTestServer({ $0.shutdownGrace = 10 })
        let partial = try RawConnection(port: server.port)
        // `100 Continue` says the server has read the head: the request has begun.
        try partial.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertTrue(try partial.read(until: "\r\n\r\n").contains("100 Continue"))
        try partial.send("01234")
        let done = expectation(description: "shutdown returned")
        DispatchQueue.global().async {
            server.shutdown()
            done.fulfill()
        }
        // The listener closes once shutdown has begun; then the rest of the body comes.
        var stillListening = true
        for _ in 0..<500 where stillListening {
            stillListening = (try? RawConnection(port: server.port)) != nil
            if stillListening { usleep(2_000) }
        }
        XCTAssertFalse(stillListening, "shutdown began")
        try partial.send("56789")
        let response = try partial.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "0123456789")
        wait(for: [done], timeout: 15)
    }
}
