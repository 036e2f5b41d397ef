import CSystem
import Foundation
import Synchronization
import Telemetry

/// Our HTTP/1.1 server: non-blocking sockets, one epoll loop per thread, each
/// with its own `SO_REUSEPORT` listener so the kernel spreads connections.
public final class HTTPServer: Sendable {
    /// Listening address, limits and timeouts.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var eventLoops: Int
        public var limits: HTTPRequestParser.Limits
        public var maxConnections: Int
        public var headerTimeout: Double
        public var bodyTimeout: Double
        public var idleTimeout: Double
        public var shutdownGrace: Double
        public var logRequests: Bool
        public var maxStreamBacklogBytes: Int
        /// Prefixes that start a secret when they start a path segment (`whs_`): the request log
        /// shows such a segment as `:secret` even on routes that do not expect one there (a
        /// wrong method, a path missing a segment), so secrets never reach the log.
        public var secretPathMarkers: [String] = []

        public init(host: String = "127.0.0.1", port: Int = 8080, eventLoops: Int = 0,
                    limits: HTTPRequestParser.Limits = .init(), maxConnections: Int = 10_000,
                    headerTimeout: Double = 10, bodyTimeout: Double = 30, idleTimeout: Double = 75,
                    shutdownGrace: Double = 10, logRequests: Bool = true, maxStreamBacklogBytes: Int = 4 << 20) {
            self.host = host
            self.port = port
            self.eventLoops = eventLoops
            self.limits = limits
            self.maxConnections = maxConnections
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
            self.shutdownGrace = shutdownGrace
            self.logRequests = logRequests
            self.maxStreamBacklogBytes = maxStreamBacklogBytes
        }

        var headerTimeoutNanos: UInt64 { UInt64(headerTimeout * 1e9) }
        var bodyTimeoutNanos: UInt64 { UInt64(bodyTimeout * 1e9) }
        var idleTimeoutNanos: UInt64 { UInt64(idleTimeout * 1e9) }
    }

    private let context: ServerContext
    private let loops = Mutex<[EventLoop]>([])
    private let boundPort = Atomic<Int>(0)
    /// The descriptor that claims the address from start to shutdown (see AddressClaim); -1: none.
    private let claimedAddress = Atomic<Int32>(-1)

    public init(configuration: Configuration, router: Router, logger: Logger = .shared, metrics: Metrics = .shared) {
        context = ServerContext(configuration: configuration, router: router, logger: logger, metrics: metrics)
    }

    /// The port actually bound (useful when the configuration asked for port 0).
    public var port: Int { boundPort.load(ordering: .relaxed) }

    /// Binds the listeners and starts the loop threads.
    public func start() throws {
        let configuration = context.configuration
        // Sends use MSG_NOSIGNAL, but nothing else a server process does should die of SIGPIPE either.
        signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
        let count = configuration.eventLoops > 0 ? configuration.eventLoops : max(1, ProcessInfo.processInfo.activeProcessorCount)
        var port = configuration.port
        // SO_REUSEPORT lets a second process of the same user join our listeners on a port it
        // names and take half the connections (a second daemon with another database got half the
        // webhooks): the address is claimed (one server at a time, even starting together), and a
        // plain bind then fails if anything else listens there already.
        if port != 0 {
            let claim = try AddressClaim.claimIfAllowed(host: configuration.host, port: port, logger: context.logger)
            do { try Self.checkFree(host: configuration.host, port: port) } catch {
                if let claim { close(claim) }
                throw error
            }
            if let claim { claimedAddress.store(claim, ordering: .relaxed) }
        }
        var started: [EventLoop] = []
        do {
            for _ in 0..<count {
                let fd = try Self.listen(host: configuration.host, port: port)
                if port == 0 { port = Self.localPort(fd) }
                do {
                    started.append(try EventLoop(server: context, listenFD: fd))
                } catch {
                    close(fd)
                    throw error
                }
            }
        } catch {
            let claim = claimedAddress.exchange(-1, ordering: .relaxed)
            if claim >= 0 { close(claim) }
            throw error
        }
        boundPort.store(port, ordering: .relaxed)
        for (index, loop) in started.enumerated() { loop.start(name: "http-\(index)") }
        loops.withLock { $0 = started }
    }

    /// Graceful stop: stop accepting, close idle connections and event streams,
    /// let in-flight requests finish within `shutdownGrace`, then return.
    public func shutdown() {
        let grace = UInt64(context.configuration.shutdownGrace * 1e9)
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let deadline = UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec) + grace
        let all = loops.withLock { loops -> [EventLoop] in
            defer { loops = [] }
            return loops
        }
        for loop in all { loop.beginShutdown(deadline: deadline) }
        for loop in all { loop.waitUntilFinished() }
        let claim = claimedAddress.exchange(-1, ordering: .relaxed)
        if claim >= 0 { close(claim) }
    }

    /// Throws "address already in use" when something listens on `host:port` already, even
    /// with SO_REUSEPORT; a socket only lingering in TIME_WAIT does not count (SO_REUSEADDR).
    private static func checkFree(host: String, port: Int) throws {
        let fd = try socket(host: host, port: port, reusePort: false)
        close(fd)
    }

    private static func listen(host: String, port: Int) throws -> Int32 {
        let fd = try socket(host: host, port: port, reusePort: true)
        guard Glibc.listen(fd, 4096) == 0 else {
            let error = SocketError(operation: "listen", errno: errno)
            close(fd)
            throw error
        }
        return fd
    }

    /// A socket bound to `host:port`.
    private static func socket(host: String, port: Int, reusePort: Bool) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw SocketError(operation: "resolve \(host): \(String(cString: gai_strerror(status)))", errno: 0)
        }
        defer { freeaddrinfo(result) }
        let fd = Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = SocketError(operation: "bind \(host):\(port)", errno: errno)
            close(fd)
            throw error
        }
        return fd
    }

    private static func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = Int32(address.ss_family)
        return withUnsafePointer(to: &address) { pointer -> Int in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Thousands of event-stream clients need thousands of descriptors.
    private func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }
}

private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
