import Synchronization

/// The way a handler answers its request, once, from any thread.
///
/// Sendable: the only state that may be touched off the loop is `isAnswered`
/// (atomic) and `route` (written by the router before the handler runs, on the loop).
public final class Responder: @unchecked Sendable {
    private let loop: EventLoop
    private let connectionID: UInt64
    private let isAnswered = Atomic<Bool>(false)
    /// The matched route pattern, for metrics.
    @exclusivity(unchecked) public internal(set) var route: String = "unmatched"

    init(loop: EventLoop, connectionID: UInt64) {
        self.loop = loop
        self.connectionID = connectionID
    }

    /// Sends `response`. Later calls are ignored: a request has one answer.
    public func send(_ response: HTTPResponse) {
        guard !isAnswered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let route = self.route
        let id = connectionID
        if loop.isCurrent {
            loop.complete(id, response: response, route: route)
        } else {
            let loop = self.loop
            loop.execute { loop.complete(id, response: response, route: route) }
        }
    }

    /// Sends the JSON error body for `error`.
    public func send(error: any Error) { send(.from(error)) }

    /// Starts a Server-Sent Events stream (https://html.spec.whatwg.org/multipage/server-sent-events.html)
    /// on this connection instead of a normal response. The stream stays open until
    /// either side closes it or the server shuts down.
    public func startEventStream(headers: [(name: String, value: String)] = []) -> EventStream {
        let stream = EventStream(loop: loop, connectionID: connectionID)
        guard !isAnswered.exchange(true, ordering: .acquiringAndReleasing) else {
            stream.markClosed()
            return stream
        }
        let route = self.route
        let id = connectionID
        if loop.isCurrent {
            loop.beginStream(id, stream: stream, headers: headers, route: route)
        } else {
            let loop = self.loop
            loop.execute { loop.beginStream(id, stream: stream, headers: headers, route: route) }
        }
        return stream
    }
}
