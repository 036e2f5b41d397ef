import Synchronization

/// An open Server-Sent Events stream to one client. Safe to use from any thread.
public final class EventStream: Sendable {
    private let loop: EventLoop
    let connectionID: UInt64
    private let closed = Atomic<Bool>(false)
    private let onClose = Mutex<(@Sendable () -> Void)?>(nil)

    init(loop: EventLoop, connectionID: UInt64) {
        self.loop = loop
        self.connectionID = connectionID
    }

    /// Whether the stream has ended (client gone, closed by us, or server shutting down).
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Sends one event. `data` may span lines; each becomes a `data:` line.
    public func send(event: String? = nil, id: String? = nil, data: String) {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        text += "\n"
        write(Array(text.utf8))
    }

    /// Sends a comment line; keeps proxies from timing the stream out.
    public func sendComment(_ comment: String) {
        write(Array(": \(comment)\n\n".utf8))
    }

    /// Ends the stream and closes the connection.
    public func close() {
        let loop = self.loop
        let id = connectionID
        loop.execute { loop.closeConnection(id) }
    }

    /// Registers a callback run once when the stream ends, whoever ends it.
    public func onTermination(_ callback: @escaping @Sendable () -> Void) {
        let runNow = onClose.withLock { slot -> Bool in
            if isClosed { return true }
            slot = callback
            return false
        }
        if runNow { callback() }
    }

    func markClosed() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let callback = onClose.withLock { slot -> (@Sendable () -> Void)? in
            defer { slot = nil }
            return slot
        }
        callback?()
    }

    private func write(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        let loop = self.loop
        let id = connectionID
        loop.execute { loop.writeToStream(id, bytes) }
    }
}
