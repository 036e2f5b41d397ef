import CSystem
import Foundation
import Synchronization
import Telemetry

/// One thread, one epoll instance, many connections.
///
/// Every connection belongs to exactly one loop and is touched only on its thread;
/// other threads hand work over through `execute`, which queues a closure and
/// wakes the loop with an eventfd. `@unchecked Sendable` because of that rule:
/// all non-atomic state is confined to the loop thread. For the same reason that
/// state is `@exclusivity(unchecked)` (see `Connection`).
final class EventLoop: @unchecked Sendable {
    private static let listenerToken: UInt64 = 0
    private static let wakeToken: UInt64 = 1

    private let server: ServerContext
    private let epollFD: Int32
    private let wakeFD: Int32
    @exclusivity(unchecked) private var listenFD: Int32
    private let mailbox = Mutex<[@Sendable () -> Void]>([])
    private let threadID = Atomic<UInt>(0)
    @exclusivity(unchecked) private var connections: [UInt64: Connection] = [:]
    @exclusivity(unchecked) private var nextConnectionID: UInt64 = 2
    @exclusivity(unchecked) private var isShuttingDown = false
    @exclusivity(unchecked) private var hardDeadline: UInt64 = .max
    @exclusivity(unchecked) private var readScratch = [UInt8](repeating: 0, count: 64 * 1024)
    @exclusivity(unchecked) private var pendingLog: [UInt8] = []
    /// Streams with output appended during the current mailbox pass (see `writeToStream`).
    @exclusivity(unchecked) private var streamsToFlush: [Connection] = []
    private let logRequests: Bool
    private let secretPathMarkers: [String]
    /// `/` + each marker as bytes, made once: what a path is searched for before it is split.
    private let secretPathNeedles: [[UInt8]]
    /// This loop's own request counters and log line pieces, by label set.
    @exclusivity(unchecked) private var requestStats: [RequestKey: RequestStats] = [:]
    @exclusivity(unchecked) private var lastRequestKey: RequestKey?
    @exclusivity(unchecked) private var lastRequestStats: RequestStats?
    private let durationRecorder: Histogram.Recorder
    @exclusivity(unchecked) private var clock = LoopClock()
    private let finishedSignal = DispatchSemaphore(value: 0)

    init(server: ServerContext, listenFD: Int32) throws(SocketError) {
        self.server = server
        self.listenFD = listenFD
        logRequests = server.configuration.logRequests
        secretPathMarkers = server.configuration.secretPathMarkers
        secretPathNeedles = secretPathMarkers.map { Array(("/" + $0).utf8) }
        durationRecorder = server.metrics.requestDuration.makeRecorder()
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError(operation: "epoll_create1", errno: errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SocketError(operation: "eventfd", errno: errno) }
        try register(wakeFD, token: Self.wakeToken, events: sb_epollin())
        try register(listenFD, token: Self.listenerToken, events: sb_epollin())
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// Whether the caller runs on this loop's thread.
    var isCurrent: Bool { threadID.load(ordering: .relaxed) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    /// Runs `job` on the loop thread, soon.
    func execute(_ job: @escaping @Sendable () -> Void) {
        let wasEmpty = mailbox.withLock { jobs -> Bool in
            jobs.append(job)
            return jobs.count == 1
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// Starts the loop thread.
    func start(name: String) {
        NamedThread.start(name) { [self] in self.run() }
    }

    /// Stops accepting, closes idle connections and streams, lets in-flight requests
    /// finish until `deadline`, then exits the thread.
    func beginShutdown(deadline: UInt64) {
        execute { [self] in
            isShuttingDown = true
            hardDeadline = deadline
            if listenFD >= 0 {
                close(listenFD)
                listenFD = -1
            }
            for connection in Array(connections.values) {
                switch connection.state {
                // Idle between requests. One whose head or body is still arriving is in flight:
                // it is read to its end and answered (within the grace period), then closed.
                case .reading where connection.readPosition == connection.input.count && connection.parser.phase == .idle:
                    closeConnection(connection)
                case .streaming:
                    closeConnection(connection)
                case .reading, .awaiting, .closing, .lingering:
                    break
                }
            }
        }
    }

    /// Blocks until the loop thread has exited.
    func waitUntilFinished() { finishedSignal.wait() }

    // MARK: - Loop

    private func run() {
        threadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var nextSweep = clock.now() + 250_000_000
        while true {
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epollFD, buffer.baseAddress, Int32(buffer.count), 250)
            }
            if count < 0 && errno != EINTR { break }
            // `execute` writes the eventfd whenever it finds the mailbox empty, so the
            // mailbox only needs a look after a wake-up.
            var woken = false
            for index in 0..<max(0, Int(count)) {
                let event = events[index]
                switch event.data.u64 {
                case Self.listenerToken: acceptConnections()
                case Self.wakeToken:
                    drainWakeups()
                    woken = true
                case let token: handle(token: token, events: event.events)
                }
            }
            if woken { runMailbox() }
            let now = clock.now()
            if now >= nextSweep {
                sweepTimeouts(now: now)
                nextSweep = now + 250_000_000
            }
            if !pendingLog.isEmpty {
                server.logger.append(pendingLog)
                pendingLog.removeAll(keepingCapacity: true)
            }
            // Lingering connections have had their answer; they need not hold up the exit.
            if isShuttingDown && (now >= hardDeadline || connections.values.allSatisfy(\.isLingering)) { break }
        }
        for connection in Array(connections.values) { closeConnection(connection) }
        runMailbox()
        if !pendingLog.isEmpty { server.logger.append(pendingLog) }
        finishedSignal.signal()
    }

    private func drainWakeups() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
    }

    private func runMailbox() {
        while true {
            let jobs = mailbox.withLock { jobs -> [@Sendable () -> Void] in
                let out = jobs
                jobs.removeAll(keepingCapacity: true)
                return out
            }
            if jobs.isEmpty { break }
            for job in jobs { job() }
        }
        flushStreams()
    }

    /// Writes the stream output gathered while running the mailbox: a batch of events
    /// for one subscriber leaves in one send instead of one per event.
    private func flushStreams() {
        guard !streamsToFlush.isEmpty else { return }
        let streams = streamsToFlush
        streamsToFlush.removeAll(keepingCapacity: true)
        for connection in streams {
            connection.streamFlushPending = false
            if connections[connection.id] === connection { flush(connection) }
        }
    }

    // MARK: - Accepting

    private func acceptConnections() {
        guard listenFD >= 0 else { return }
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sb_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK {
                    server.logger.log(.warning, "accept failed", [("errno", .int(Int(errno)))])
                }
                return
            }
            guard server.reserveConnectionSlot() else {
                // Over the limit: answer 503 without reading and close; nothing is kept.
                var bytes: [UInt8] = []
                HTTPResponse.error(status: 503, code: "too_many_connections", message: "connection limit reached")
                    .serialize(into: &bytes, date: clock.httpDate(), keepAlive: false, includeBody: true)
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                server.logger.log(.warning, "connection refused: limit reached", [("limit", .int(server.configuration.maxConnections))])
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let id = nextConnectionID
            nextConnectionID += 1
            let connection = Connection(id: id, fd: fd, remoteAddress: describe(address),
                                        limits: server.configuration.limits, now: clock.now())
            do {
                try register(fd, token: id, events: sb_epollin() | sb_epollout() | sb_epollrdhup() | UInt32(EPOLLET.rawValue))
            } catch {
                close(fd)
                server.releaseConnectionSlot()
                continue
            }
            connections[id] = connection
            server.metrics.openConnections.add(1)
        }
    }

    // MARK: - Connection events

    private func handle(token: UInt64, events: UInt32) {
        guard let connection = connections[token] else { return }
        if events & (sb_epollerr()) != 0 {
            closeConnection(connection)
            return
        }
        if events & sb_epollout() != 0 {
            flush(connection)
            guard connections[token] != nil else { return }
        }
        if events & (sb_epollin() | sb_epollrdhup() | sb_epollhup()) != 0 {
            readAvailable(connection)
        }
    }

    /// Reads until the socket would block, then parses and dispatches what arrived.
    private func readAvailable(_ connection: Connection) {
        let cap = server.configuration.limits.maxHeaderBytes + 256 * 1024
        while true {
            if case .lingering = connection.state {
                let n = readScratch.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
                if n < 0 && errno == EINTR { continue }
                closeConnection(connection)
                return
            }
            // While a request is in flight, buffer at most `cap` bytes of what follows.
            if case .awaiting = connection.state, connection.input.count - connection.readPosition >= cap {
                connection.readDeferred = true
                return
            }
            let n = readScratch.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                connection.input.append(contentsOf: readScratch[0..<n])
                if n < readScratch.count { break }
                continue
            }
            if n == 0 {
                connection.peerClosed = true
                break
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            closeConnection(connection)
            return
        }
        connection.readDeferred = false
        if connection.peerClosed, connection.isStreaming {
            closeConnection(connection)
            return
        }
        process(connection)
    }

    /// Parses buffered input and dispatches complete requests, one at a time so
    /// pipelined requests are answered in order.
    private func process(_ connection: Connection) {
        guard !connection.isProcessing else { return }
        connection.isProcessing = true
        defer { connection.isProcessing = false }
        while case .reading = connection.state {
            let event: HTTPRequestParser.Event?
            do {
                event = try connection.parser.parse(connection.input, position: &connection.readPosition)
            } catch {
                respondToParseError(error, on: connection)
                break
            }
            guard let event else { break }
            switch event {
            case .head(let expectsContinue):
                if expectsContinue { connection.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8) }
            case .request(var request):
                request.remoteAddress = connection.remoteAddress
                dispatch(request, on: connection)
            }
        }
        compactInput(connection)
        updatePhase(connection)
        if case .reading = connection.state, connection.peerClosed {
            // The client will send nothing more; a partial request can never complete.
            connection.state = .closing
        }
        flush(connection)
    }

    private func compactInput(_ connection: Connection) {
        if connection.readPosition == connection.input.count {
            connection.input.removeAll(keepingCapacity: connection.input.capacity <= 256 * 1024)
            connection.readPosition = 0
        } else if connection.readPosition > 64 * 1024 {
            connection.input.removeFirst(connection.readPosition)
            connection.readPosition = 0
        }
    }

    private func updatePhase(_ connection: Connection) {
        var phase = connection.parser.phase
        if phase == .idle && connection.readPosition < connection.input.count { phase = .head }
        if phase != connection.phase {
            connection.phase = phase
            connection.phaseStartedAt = clock.now()
        }
    }

    private func respondToParseError(_ error: HTTPParseError, on connection: Connection) {
        let response = HTTPResponse.error(status: error.status, code: error.code, message: error.message)
        response.serialize(into: &connection.output, date: clock.httpDate(), keepAlive: false, includeBody: true)
        record(method: "-", path: "-", route: "parse_error", status: error.status, startedAt: clock.now(), connection: connection,
               errorCode: error.code)
        connection.state = .closing
    }

    private func dispatch(_ request: HTTPRequest, on connection: Connection) {
        let pending = Connection.PendingRequest(method: request.method, path: String(request.path),
                                                keepAlive: request.wantsKeepAlive && !isShuttingDown,
                                                startedAt: clock.now())
        connection.state = .awaiting(pending)
        let responder = Responder(loop: self, connectionID: connection.id)
        server.router.dispatch(request, responder)
    }

    /// Writes the answer to the request in flight on connection `id` (loop thread only).
    func complete(_ id: UInt64, response: HTTPResponse, route: String) {
        guard let connection = connections[id], case .awaiting(let pending) = connection.state else { return }
        let keepAlive = pending.keepAlive && !isShuttingDown && !connection.peerClosed
        response.serialize(into: &connection.output, date: clock.httpDate(), keepAlive: keepAlive,
                           includeBody: pending.method != "HEAD")
        record(method: pending.method, path: pending.path, route: route, status: response.status,
               startedAt: pending.startedAt, connection: connection, errorCode: response.status >= 400 ? response.errorCode : nil)
        connection.state = keepAlive ? .reading : .closing
        connection.phase = .idle
        connection.phaseStartedAt = clock.now()
        if !connection.isProcessing {
            // Answered later, from another thread: write, then carry on with pipelined input.
            if keepAlive {
                process(connection)
                // Input that arrived meanwhile was read already (edge-triggered); only a read
                // held back at the buffer cap must resume now. A read here otherwise costs a
                // recv that finds nothing, once per request.
                if connections[id] != nil, connection.readDeferred {
                    readAvailable(connection)
                }
            } else {
                flush(connection)
            }
        }
    }

    /// Switches connection `id` to a Server-Sent Events stream (loop thread only).
    func beginStream(_ id: UInt64, stream: EventStream, headers: [(name: String, value: String)], route: String) {
        guard let connection = connections[id], case .awaiting(let pending) = connection.state, !isShuttingDown else {
            stream.markClosed()
            return
        }
        var head = "HTTP/1.1 200 OK\r\nDate: "
        head += String(decoding: clock.httpDate(), as: UTF8.self)
        head += "\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        connection.output.append(contentsOf: head.utf8)
        record(method: pending.method, path: pending.path, route: route, status: 200, startedAt: pending.startedAt,
               connection: connection)
        connection.state = .streaming(stream)
        server.metrics.sseSubscribers.add(1)
        if !connection.isProcessing { flush(connection) }
    }

    /// Appends event bytes to a stream's connection (loop thread only).
    func writeToStream(_ id: UInt64, _ bytes: [UInt8]) {
        guard let connection = connections[id], connection.isStreaming else { return }
        // A client that reads slower than we write is dropped rather than buffered forever.
        if connection.output.count - connection.writePosition > server.configuration.maxStreamBacklogBytes {
            closeConnection(connection)
            return
        }
        connection.output.append(contentsOf: bytes)
        if !connection.streamFlushPending {
            connection.streamFlushPending = true
            streamsToFlush.append(connection)
        }
    }

    /// Writes as much pending output as the socket takes; closes when a closing connection is done.
    private func flush(_ connection: Connection) {
        while connection.hasPendingOutput {
            let n = connection.output.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(connection.fd, base + connection.writePosition,
                            raw.count - connection.writePosition, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                connection.writePosition += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            closeConnection(connection)
            return
        }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 256 * 1024)
        connection.writePosition = 0
        if case .closing = connection.state {
            // Half-close, then drain briefly so the client reads our answer instead of a reset.
            shutdown(connection.fd, Int32(SHUT_WR))
            connection.state = .lingering(deadline: clock.now() + 2_000_000_000)
            readAvailable(connection)
        }
    }

    /// Closes connection `id` if it is still open (loop thread only).
    func closeConnection(_ id: UInt64) {
        if let connection = connections[id] { closeConnection(connection) }
    }

    private func closeConnection(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        close(connection.fd)
        server.releaseConnectionSlot()
        server.metrics.openConnections.add(-1)
        if case .streaming(let stream) = connection.state {
            server.metrics.sseSubscribers.add(-1)
            stream.markClosed()
        }
    }

    // MARK: - Timeouts

    private func sweepTimeouts(now: UInt64) {
        let configuration = server.configuration
        for connection in Array(connections.values) {
            switch connection.state {
            case .reading:
                let limit: UInt64
                switch connection.phase {
                case .idle: limit = isShuttingDown ? 0 : configuration.idleTimeoutNanos
                case .head: limit = configuration.headerTimeoutNanos
                case .body: limit = configuration.bodyTimeoutNanos
                }
                if now &- connection.phaseStartedAt >= limit {
                    if connection.phase == .idle {
                        closeConnection(connection)
                    } else {
                        let response = HTTPResponse.error(status: 408, code: "request_timeout",
                                                          message: "the request was not received in time")
                        response.serialize(into: &connection.output, date: clock.httpDate(), keepAlive: false, includeBody: true)
                        record(method: "-", path: "-", route: "timeout", status: 408, startedAt: now, connection: connection)
                        connection.state = .closing
                        flush(connection)
                    }
                }
            case .lingering(let deadline):
                if now >= deadline { closeConnection(connection) }
            case .closing:
                // Output stuck behind a client that stopped reading.
                if now &- connection.phaseStartedAt >= configuration.idleTimeoutNanos { closeConnection(connection) }
            case .awaiting, .streaming:
                break
            }
        }
    }

    // MARK: - Logging and metrics

    private func record(method: String, path: String, route: String, status: Int, startedAt: UInt64, connection: Connection,
                        errorCode: String? = nil) {
        let elapsed = clock.now() &- startedAt
        let stats = requestStats(RequestKey(route: route, method: Self.metricMethod(method), status: status))
        stats.count.add()
        durationRecorder.observe(Double(elapsed) / 1e9)
        guard logRequests else { return }
        // A secret carried in the path (webhook URLs for providers that cannot send headers) is never logged.
        let logged = stats.routeCarriesSecret ? route : redactingSecrets(path)
        appendLogLine(to: &pendingLog, stats: stats, method: method, path: logged, micros: (elapsed + 500) / 1000,
                      suffix: connection.logSuffix, errorCode: errorCode)
    }

    /// The method as a metrics label: any client can send any token there, and each new one
    /// made a new series for ever; those outside HTTP's own methods count as `other`.
    static func metricMethod(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "-": return method
        default: return "other"
        }
    }

    /// `path` with every segment that starts with a secret marker replaced by `:secret`.
    private func redactingSecrets(_ path: String) -> String {
        // A byte search: Foundation's String.contains cost ~8k instructions per request here.
        var path = path
        let marked = path.withUTF8 { bytes in secretPathNeedles.contains(where: { needle in bytes.containsBytes(needle) }) }
        guard marked else { return path }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            secretPathMarkers.contains(where: { segment.hasPrefix($0) }) ? ":secret" : segment
        }.joined(separator: "/")
    }

    /// The request log line, written straight into the loop's buffer: the JSON object
    /// `{"ts":…,"level":"info","msg":"request","method":…,"path":…,"route":…,"status":…,"ms":…,"remote":…}`
    /// with `ms` a fixed-point number of milliseconds (three decimals).
    private func appendLogLine(to out: inout [UInt8], stats: RequestStats, method: String, path: String, micros: UInt64,
                               suffix: [UInt8], errorCode: String?) {
        out.append(static: #"{"ts":""#)
        clock.appendTimestamp(to: &out)
        if stats.isOtherMethod, method != "-" {
            // Counted as `other`, logged as sent.
            out.append(contentsOf: stats.logBeforeMethod)
            JSONLine.appendString(method, to: &out)
            out.append(static: #","path":"#)
        } else {
            out.append(contentsOf: stats.logBeforePath)
        }
        JSONLine.appendString(path, to: &out)
        out.append(contentsOf: stats.logAfterPath)
        out.append(decimal: Int(micros / 1000))
        let fraction = Int(micros % 1000)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(truncatingIfNeeded: fraction / 100) &+ 48)
        out.append(UInt8(truncatingIfNeeded: fraction / 10 % 10) &+ 48)
        out.append(UInt8(truncatingIfNeeded: fraction % 10) &+ 48)
        if let errorCode {   // why it was refused (bad_signature, missing_field…), as the answer said
            out.append(static: #","error":"#)
            JSONLine.appendString(errorCode, to: &out)
        }
        out.append(contentsOf: suffix)
    }

    private func requestStats(_ key: RequestKey) -> RequestStats {
        if let last = lastRequestStats, lastRequestKey == key { return last }
        let stats: RequestStats
        if let known = requestStats[key] {
            stats = known
        } else {
            stats = RequestStats(key, counter: server.metrics.requests)
            requestStats[key] = stats
        }
        lastRequestKey = key
        lastRequestStats = stats
        return stats
    }

    // MARK: - epoll

    private func register(_ fd: Int32, token: UInt64, events: UInt32) throws(SocketError) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw SocketError(operation: "epoll_ctl", errno: errno)
        }
    }
}

/// The labels of `switchboard_http_requests_total`.
private struct RequestKey: Hashable {
    let route: String
    let method: String
    let status: Int
}

/// What one loop keeps per label set: its own counter cell, and the parts of the
/// log line that only depend on the labels, rendered once.
private final class RequestStats {
    let count: CounterCell
    /// `","level":"info","msg":"request","method":"GET","path":`
    let logBeforePath: [UInt8]
    /// `logBeforePath` up to the method, for a method logged as sent (one counted as `other`).
    let logBeforeMethod: [UInt8]
    /// `,"route":"/healthz","status":200,"ms":`
    let logAfterPath: [UInt8]

    /// The route has a `:secret` parameter: the log shows the pattern, not the path.
    let routeCarriesSecret: Bool
    /// The method label is `other`: the log writes the method as sent.
    let isOtherMethod: Bool

    init(_ key: RequestKey, counter: LabeledCounter) {
        count = counter.makeCell([key.route, key.method, String(key.status)])
        routeCarriesSecret = key.route.contains(":secret")
        isOtherMethod = key.method == "other"
        var before: [UInt8] = []
        // A refusal is worth an operator's eye: 4xx warn, 5xx are errors, but for 505 (the
        // client's HTTP version, not our failure), which warns as the other refusals do.
        if key.status >= 500 && key.status != 505 {
            before.append(static: #"","level":"error","msg":"request","method":"#)
        } else if key.status >= 400 {
            before.append(static: #"","level":"warning","msg":"request","method":"#)
        } else {
            before.append(static: #"","level":"info","msg":"request","method":"#)
        }
        logBeforeMethod = before
        JSONLine.appendString(key.method, to: &before)
        before.append(static: #","path":"#)
        logBeforePath = before
        var after: [UInt8] = []
        after.append(static: #","route":"#)
        JSONLine.appendString(key.route, to: &after)
        after.append(static: #","status":"#)
        after.append(decimal: key.status)
        after.append(static: #","ms":"#)
        logAfterPath = after
    }
}

private func describe(_ address: sockaddr_storage) -> String {
    var address = address
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getnameinfo($0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count),
                        &port, socklen_t(port.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
    }
    guard result == 0 else { return "unknown" }
    func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return text(host) + ":" + text(port)
}

private extension UnsafeBufferPointer<UInt8> {
    /// Whether `needle` occurs in these bytes (paths are short: a plain scan over the
    /// contiguous bytes, without String.UTF8View's index arithmetic).
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= count else { return false }
        return needle.withUnsafeBufferPointer { needle in
            for start in 0...(count - needle.count) where self[start] == needle[0] {
                var matched = 1
                while matched < needle.count, self[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            return false
        }
    }
}
