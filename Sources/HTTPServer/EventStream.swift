import Glibc
import Synchronization
import Telemetry

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
        var text = data
        write(text.withUTF8 { Self.frame(event: event, id: id, data: $0) })
    }

    /// Sends a frame made by `frame(event:id:data:)` (one frame can go to many streams).
    public func send(frame: [UInt8]) { write(frame) }

    /// The bytes of one event. Each line of `data` becomes a `data:` line; the lines are
    /// copied whole (a compact JSON payload is one line), since every screen-pop goes through here.
    public static func frame(event: String?, id: String?, data: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 64)
        if let id { out.append(contentsOf: "id: ".utf8); out.append(contentsOf: id.utf8); out.append(10) }
        if let event { out.append(contentsOf: "event: ".utf8); out.append(contentsOf: event.utf8); out.append(10) }
        var lineStart = 0
        while true {
            out.append(contentsOf: "data: ".utf8)
            let rest = UnsafeBufferPointer(rebasing: data[lineStart...])   // indices from 0
            guard let base = rest.baseAddress, let found = memchr(base, 10, rest.count) else {
                out.append(contentsOf: rest)
                break
            }
            let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: rest[..<newline]))
            out.append(10)
            lineStart += newline + 1
        }
        out.append(10)
        out.append(10)
        return out
    }

    /// Writes the head of a frame whose data is one line: `id`, `event`, then `data: `. The data
    /// is written next into the same buffer and ended with `frameEnd`, giving the bytes `frame`
    /// makes of it, without the data built apart and copied in.
    public static func appendHead(event: String, id: UInt64, to out: ByteBuffer) {
        out.append("id: ")
        out.appendDecimal(UInt(id))
        out.append("\nevent: ")
        var event = event
        event.withUTF8 { out.append(bytes: $0) }
        out.append("\ndata: ")
    }

    /// What ends a frame begun by `appendHead` once its one line of data is written.
    public static let frameEnd: StaticString = "\n\n"

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
