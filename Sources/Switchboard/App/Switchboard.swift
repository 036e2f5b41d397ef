import Foundation
import HTTPClient
import HTTPServer
import Store
import Synchronization
import Telemetry

/// The daemon: store, HTTP server, live bus and the routes that join them.
public final class SwitchboardDaemon: Sendable {
    public let configuration: Configuration
    public let store: Store
    public let metrics: Metrics
    public let hub: EventHub
    public let agents: AgentDirectory
    public let integrations: IntegrationDirectory
    public let channels: ChannelDirectory
    /// Sends queued WhatsApp messages to Meta in the background.
    let whatsAppSender: WhatsAppSender
    /// Downloads inbound WhatsApp media in the background.
    let mediaFetcher: MediaFetcher
    private let server: HTTPServer
    /// The registered routes (method, pattern), for tests that keep the OpenAPI document true.
    let routes: [(method: String, pattern: String)]
    /// Set by the first `shutdown`; later calls return at once.
    private let isShutDown = Atomic<Bool>(false)

    /// Opens the database (applying migrations) and builds the routes; `start` binds.
    public init(configuration: Configuration, metrics: Metrics = Metrics()) throws {
        self.configuration = configuration
        self.metrics = metrics
        // One daemon per database, and no `rebuild` or `migrate` beside it: the store holds the
        // database's lock from here to shutdown.
        store = try Store(path: configuration.database, migrations: Schema.migrations, metrics: metrics, exclusiveFor: "serve")
        hub = EventHub()
        agents = AgentDirectory(store: store)
        hub.checkAgents { [agents] id in try agents.find(id: id) }
        integrations = IntegrationDirectory(store: store)
        channels = ChannelDirectory(store: store)
        mediaFetcher = MediaFetcher(store: store, client: HTTPClient(), dataDirectory: configuration.dataDirectory)
        whatsAppSender = WhatsAppSender(store: store, hub: hub, client: HTTPClient())
        let (host, port) = try configuration.listenAddress()
        var serverConfiguration = HTTPServer.Configuration(
            host: host, port: port, eventLoops: configuration.eventLoops,
            limits: .init(maxHeaderBytes: 16 * 1024, maxBodyBytes: configuration.maxBodyBytes),
            maxConnections: configuration.maxConnections,
            headerTimeout: configuration.headerTimeoutSeconds, bodyTimeout: configuration.bodyTimeoutSeconds,
            idleTimeout: configuration.idleTimeoutSeconds, shutdownGrace: configuration.shutdownGraceSeconds,
            logRequests: configuration.logRequests)
        // Integration (whs_) and channel (whc_) secrets travel in webhook paths.
        serverConfiguration.secretPathMarkers = ["whs_", "whc_"]
        var router = Router()
        let clickToCall = ClickToCall(store: store, integrations: integrations, client: HTTPClient())
        let context = RouteContext(store: store, agents: agents, integrations: integrations, hub: hub, metrics: metrics,
                                   baseURL: configuration.baseURL, clickToCall: clickToCall, channels: channels)
        OperationsRoutes.register(on: &router, context)
        AgentRoutes.register(on: &router, context)
        EventRoutes.register(on: &router, context)
        CallWebhookRoutes.register(on: &router, context)
        IntegrationRoutes.register(on: &router, context)
        ContactRoutes.register(on: &router, context)
        TaskRoutes.register(on: &router, context)
        ClickToCallRoutes.register(on: &router, context)
        WhatsAppWebhookRoutes.register(on: &router, context)
        ChannelRoutes.register(on: &router, context)
        WazzupRoutes.register(on: &router, context)
        MediaRoutes.register(on: &router, context, media: mediaFetcher)
        ConversationRoutes.register(on: &router, context)
        WhatsAppSendingRoutes.register(on: &router, context, sender: whatsAppSender)
        CannedAnswerRoutes.register(on: &router, context)
        OpenAPIRoutes.register(on: &router, context)
        routes = router.registeredRoutes
        server = HTTPServer(configuration: serverConfiguration, router: router, metrics: metrics)
    }

    /// Binds and starts serving.
    public func start() throws {
        // A database this process may read but not write (another user's file) opened and
        // answered /healthz while every webhook got a 500: found before listening instead.
        do {
            let now = JSONText.now()
            try store.writeAndWait { db in try OperationsRoutes.recordHealthCheck(db, at: now) }
        } catch {
            throw DatabaseNotWritable(path: configuration.database, cause: "\(error)")
        }
        try server.start()
        if configuration.fetchMedia { mediaFetcher.start(interval: configuration.mediaFetchIntervalSeconds) }
        whatsAppSender.start()
        Logger.shared.log(.info, "listening", [("address", .string(configuration.listen)), ("port", .int(server.port)),
                                                ("database", .string(configuration.database))])
    }

    /// The bound port.
    public var port: Int { server.port }

    /// Graceful stop: no new connections, in-flight requests finish, streams end,
    /// queued writes commit, the WAL is checkpointed.
    /// A second call does nothing (it waited for ever on the closed store).
    public func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Logger.shared.log(.info, "shutting down")
        hub.closeAll()
        server.shutdown()
        mediaFetcher.stop()
        whatsAppSender.stop()
        store.close()
        Logger.shared.log(.info, "stopped")
        Logger.shared.flush()
    }
}

/// What route handlers share.
struct RouteContext: Sendable {
    let store: Store
    let agents: AgentDirectory
    let integrations: IntegrationDirectory
    let hub: EventHub
    let metrics: Metrics
    /// Public base URL for links given to providers.
    let baseURL: String
    let clickToCall: ClickToCall
    let channels: ChannelDirectory
}

/// `serve` found the database readable but not writable: it does not start.
public struct DatabaseNotWritable: Error, CustomStringConvertible {
    let path: String
    let cause: String
    public var description: String { "cannot write to the database \(path): check who owns the file and its folder (\(cause))" }
}
