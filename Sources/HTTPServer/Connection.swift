/// One client connection, owned and touched only by its event loop's thread.
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
    var state: State = .reading
    var parser: HTTPRequestParser
    var input: [UInt8] = []
    var readPosition = 0
    var output: [UInt8] = []
    var writePosition = 0
    /// Monotonic time the current parsing phase began (idle, head or body), for timeouts.
    var phaseStartedAt: UInt64
    var phase: HTTPRequestParser.Phase = .idle
    /// The peer shut its sending side; finish what is in flight and close.
    var peerClosed = false
    /// Input was left unread because the buffer is full; read again when a request completes.
    var readDeferred = false
    /// Set while the loop is parsing and dispatching, so a synchronous answer does not re-enter.
    var isProcessing = false

    init(id: UInt64, fd: Int32, remoteAddress: String, limits: HTTPRequestParser.Limits, now: UInt64) {
        self.id = id
        self.fd = fd
        self.remoteAddress = remoteAddress
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
