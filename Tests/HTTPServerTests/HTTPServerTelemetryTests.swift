import Foundation
import HTTPServer
import Telemetry
import TestSupport
import XCTest

/// Request metrics and request log lines, which the event loops write on the hot path
/// without locks: counts must be visible as soon as the answer is, and every request
/// must leave exactly one well-formed JSON line, flushed by shutdown.
final class HTTPServerTelemetryTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var logFD: Int32 = -1
    private var logger: Logger!
    private var metrics: Metrics!
    private var server: HTTPServer!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        logFD = open(directory.path("log"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(logFD, 0)
        logger = Logger(fd: logFD)
        metrics = Metrics()
        var router = Router()
        router.get("/hello") { _, r in r.send(.text("hello")) }
        router.get("/items/:id") { request, r in r.send(.text(request.parameters["id"] ?? "")) }
        router.add("GET", "/items/first", reportedAs: "/items/:id") { _, r in r.send(.text("the first item")) }
        router.post("/teapot") { _, r in r.send(.error(status: 418, code: "teapot", message: "short and stout")) }
        router.get("/later") { _, r in DispatchQueue.global().async { r.send(.text("later")) } }
        let configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, eventLoops: 2, logRequests: true)
        server = HTTPServer(configuration: configuration, router: router, logger: logger, metrics: metrics)
        try server.start()
    }

    override func tearDown() {
        server?.shutdown()
        if logFD >= 0 { close(logFD) }
        directory?.remove()
    }

    private func requests(_ route: String, _ method: String, _ status: Int) -> UInt64 {
        metrics.requests.value([route, method, String(status)])
    }

    /// Stops the server, flushes the logger and returns the log lines.
    private func logLines() throws -> [[String: Any]] {
        server.shutdown()
        server = nil
        logger.flush()
        let text = try String(contentsOfFile: directory.path("log"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(line)")
        }
    }

    func testCountsAreVisibleAsSoonAsTheAnswerArrives() throws {
        // Several connections, so both loops answer some of them.
        let connections = try (0..<6).map { _ in try RawConnection(port: server.port) }
        var expected: UInt64 = 0
        for round in 0..<5 {
            for c in connections {
                try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                XCTAssertEqual(try c.readResponse().status, 200)
                expected += 1
                XCTAssertEqual(requests("/hello", "GET", 200), expected, "round \(round)")
            }
        }
        XCTAssertEqual(metrics.requestDuration.count, expected)
        let c = connections[0]
        try c.send("POST /teapot HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 418)
        XCTAssertEqual(requests("/teapot", "POST", 418), 1)
        try c.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().text, "later")
        XCTAssertEqual(requests("/later", "GET", 200), 1)

        let text = metrics.render()
        XCTAssertTrue(text.contains("switchboard_http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} \(expected)\n"), text)
        XCTAssertTrue(text.contains("switchboard_http_requests_total{route=\"/teapot\",method=\"POST\",status=\"418\"} 1\n"), text)
        XCTAssertTrue(text.contains("switchboard_http_request_duration_seconds_bucket{le=\"+Inf\"} \(expected + 2)\n"), text)
        XCTAssertTrue(text.contains("switchboard_http_request_duration_seconds_count \(expected + 2)\n"), text)
    }

    /// Each method token a client made up was a new series for ever (500 requests, 502 series).
    func testMadeUpMethodsShareOneSeries() throws {
        let c = try RawConnection(port: server.port)
        for method in ["QWERTY", "FROB", "PROPFIND"] {
            try c.send("\(method) /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(try c.readResponse().status, 404)
        }
        let text = metrics.render()
        XCTAssertFalse(text.contains("QWERTY") || text.contains("FROB"), text)
        XCTAssertTrue(text.contains("method=\"other\",status=\"404\"} 3\n"), text)
        // The log, which is not a label set, keeps the method as sent.
        let methods = try logLines().filter { $0["msg"] as? String == "request" }.compactMap { $0["method"] as? String }
        XCTAssertEqual(methods, ["QWERTY", "FROB", "PROPFIND"])
    }

    func testHistogramBucketsAreCumulativeAcrossRecorders() {
        let histogram = Histogram(name: "h", help: "test", buckets: [1, 2])
        let recorder = histogram.makeRecorder()
        histogram.observe(0.5)
        recorder.observe(1.5)
        recorder.observe(3)
        recorder.observe(2)
        var text = ""
        histogram.render(into: &text)
        XCTAssertEqual(text, """
            # HELP h test
            # TYPE h histogram
            h_bucket{le="1"} 1
            h_bucket{le="2"} 3
            h_bucket{le="+Inf"} 4
            h_sum 7.0
            h_count 4

            """)
        XCTAssertEqual(histogram.count, 4)
    }

    func testCounterCellsAddUpWithIncrement() {
        let counter = LabeledCounter(name: "c", help: "test", labelNames: ["a"])
        counter.increment(["x"])
        let cell = counter.makeCell(["x"])
        cell.add()
        cell.add(3)
        counter.makeCell(["y"]).add()
        XCTAssertEqual(counter.value(["x"]), 5)
        var text = ""
        counter.render(into: &text)
        XCTAssertEqual(text, "# HELP c test\n# TYPE c counter\nc{a=\"x\"} 5\nc{a=\"y\"} 1\n")
    }

    func testEveryRequestLeavesOneJSONLineFlushedByShutdown() throws {
        let c = try RawConnection(port: server.port)
        try c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 200)
        try c.send("GET /items/4%2F2?q=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 200)
        try c.send("GET /items/first HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().text, "the first item")
        // Quotes and backslashes are legal in a request target and must be escaped in the log.
        try c.send("GET /a\"b\\c HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 404)
        try c.send("GET /later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 200)

        let lines = try logLines().filter { $0["msg"] as? String == "request" }
        XCTAssertEqual(lines.count, 5)
        let keys: Set<String> = ["ts", "level", "msg", "method", "path", "route", "status", "ms", "remote"]
        for line in lines {
            // A refusal says why, at warning level (an operator could not tell a provider's 401 from a 404).
            let refused = (line["status"] as? Int ?? 0) >= 400
            XCTAssertEqual(Set(line.keys), refused ? keys.union(["error"]) : keys)
            XCTAssertEqual(line["level"] as? String, refused ? "warning" : "info")
            if refused { XCTAssertEqual(line["error"] as? String, "not_found") }
            XCTAssertEqual(line["method"] as? String, "GET")
            let ms = try XCTUnwrap(line["ms"] as? Double)
            XCTAssertGreaterThanOrEqual(ms, 0)
            XCTAssertLessThan(ms, 10_000)
            let ts = try XCTUnwrap(line["ts"] as? String)
            XCTAssertNotNil(ts.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression), ts)
            let remote = try XCTUnwrap(line["remote"] as? String)
            XCTAssertTrue(remote.hasPrefix("127.0.0.1:"), remote)
        }
        XCTAssertEqual(lines.map { $0["path"] as? String }, ["/hello", "/items/4%2F2", "/items/first", "/a\"b\\c", "/later"])
        XCTAssertEqual(lines.map { $0["route"] as? String }, ["/hello", "/items/:id", "/items/:id", "unmatched", "/later"],
                       "an exact path registered for a pattern is reported as the pattern")
        XCTAssertEqual(lines.map { $0["status"] as? Int }, [200, 200, 200, 404, 200])
    }
    /// A request refused before it reached a route says why, logged as a warning: the client's
    /// doing, not an error that pages an operator — an HTTP version we do not speak included,
    /// though answered 505 (a 5xx by the RFC).
    func testARefusedRequestsLogLineNamesTheErrorAsAWarning() throws {
        let refusals = [("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: nine\r\n\r\n", 400, "bad_request"),
                        ("GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported")]
        for (request, status, _) in refusals {
            let c = try RawConnection(port: server.port)
            try c.send(request)
            XCTAssertEqual(try c.readResponse().status, status)
        }
        let lines = try logLines().filter { $0["msg"] as? String == "request" }
        XCTAssertEqual(lines.map { $0["route"] as? String }, ["parse_error", "parse_error"])
        XCTAssertEqual(lines.map { $0["level"] as? String }, ["warning", "warning"])
        XCTAssertEqual(lines.map { $0["error"] as? String }, refusals.map(\.2))
    }
}
