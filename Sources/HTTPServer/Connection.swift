import Telemetry

/// One client connection, owned and touched only by its event loop's thread.
///
/// The mutable state is `@exclusivity(unchecked)`: it is only ever touched on the
/// loop thread and never through overlapping accesses, and the runtime checks
/// (about a hundred instructions per access, ~30 accesses per request) were a
/// tenth of the request's cost. The compile-time checks still apply.
final class Connection {
    /// Where the connection is in its life; transitions happen in `EventLoop`.
    enum State {
        /// Reading (and parsing) the next request.
        case reading
        /// A request was dispatched; its handler has not answered yet.
        case awaiting(PendingRequest)
        /// A Server-Sent Events stream is open.
        case streaming(EventStream)
        /// The last response is queued; close once it is written.
        case closing
        /// Output is written and our side shut down; draining what the client still sends, then close.
        case lingering(deadline: UInt64)
    }

    /// What the loop remembers about a dispatched request until its answer is written.
    struct PendingRequest {
        let method: String
        let path: String
        let keepAlive: Bool
        let startedAt: UInt64
    }

    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    /// The end of this connection's request log lines: `,"remote":"ip:port"}` and a newline.
    let logSuffix: [UInt8]
    @exclusivity(unchecked) var state: State = .reading
    @exclusivity(unchecked) var parser: HTTPRequestParser
    @exclusivity(unchecked) var input: [UInt8] = []
    @exclusivity(unchecked) var readPosition = 0
    @exclusivity(unchecked) var output: [UInt8] = []
    @exclusivity(unchecked) var writePosition = 0
    /// Stream output queued by this mailbox pass, written once the pass is over.
    @exclusivity(unchecked) var streamFlushPending = false
    /// Monotonic time the current parsing phase began (idle, head or body), for timeouts.
    @exclusivity(unchecked) var phaseStartedAt: UInt64
    /// A new connection waits for its first request's head: `headerTimeout` runs from accept
    /// (as idle, a connection that sent nothing held a slot for the whole idle timeout).
    @exclusivity(unchecked) var phase: HTTPRequestParser.Phase = .head
    /// The peer shut its sending side; finish what is in flight and close.
    @exclusivity(unchecked) var peerClosed = false
    /// Input was left unread because the buffer is full; read again when a request completes.
    @exclusivity(unchecked) var readDeferred = false
    /// Set while the loop is parsing and dispatching, so a synchronous answer does not re-enter.
    @exclusivity(unchecked) var isProcessing = false

    init(id: UInt64, fd: Int32, remoteAddress: String, limits: HTTPRequestParser.Limits, now: UInt64) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
        var suffix: [UInt8] = []
        suffix.append(static: #","remote":"#)
        JSONLine.appendString(remoteAddress, to: &suffix)
        suffix.append(static: "}\n")
        self.logSuffix = suffix
        self.parser = HTTPRequestParser(limits: limits)
        self.phaseStartedAt = now
    }

    var isStreaming: Bool {
        if case .streaming = state { return true }
        return false
    }

    var isLingering: Bool {
        if case .lingering = state { return true }
        return false
    }

    var hasPendingOutput: Bool { writePosition < output.count }
}
