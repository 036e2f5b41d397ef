import Synchronization
import Telemetry

/// What every event loop of one server shares: read-only configuration and
/// routes, the logger and metrics, and the global connection count.
final class ServerContext: Sendable {
    let configuration: HTTPServer.Configuration
    let router: Router
    let logger: Logger
    let metrics: Metrics
    private let openConnections = Atomic<Int>(0)

    init(configuration: HTTPServer.Configuration, router: Router, logger: Logger, metrics: Metrics) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.metrics = metrics
    }

    /// Takes one connection slot; false when the configured limit is reached.
    func reserveConnectionSlot() -> Bool {
        let after = openConnections.add(1, ordering: .relaxed).newValue
        if after > configuration.maxConnections {
            openConnections.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func releaseConnectionSlot() {
        openConnections.subtract(1, ordering: .relaxed)
    }
}
