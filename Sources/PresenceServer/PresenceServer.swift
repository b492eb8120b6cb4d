import Foundation
import Hummingbird
import Logging
import PostgresNIO
import PresenceIngest
import PresenceModel
import Prometheus
import ServiceLifecycle

/// `presence serve`: the HTTP API for applications in any language, the live dashboard,
/// Prometheus metrics and a health check, on one PostgreSQL pool, or on one for writes, one
/// for reads and one for hiding users, each logged in as a role that may do only that
/// (Migrations/0006, 0025).
///
/// | route | token | what |
/// | --- | --- | --- |
/// | `POST /v1/events` | ingest | store events (``EventsEndpoint``) |
/// | `PUT`, `DELETE`, `GET /v1/users/{user}/hidden` | ingest | hide a user, show them again (``HiddenEndpoint``) |
/// | `GET /v1/online`, `/v1/locations`, `/v1/locations/{location}/viewers`, `/v1/users/{user}/last-seen`, `/v1/users/{user}/history`, `/v1/reports/{name}` | read | queries and reports (``QueryEndpoints``) |
/// | `GET /dashboard` | read | the HTML report page |
/// | `GET /metrics` | read | Prometheus text format |
/// | `GET /health` | none | database reachable, projector lag |
public struct PresenceServer: Sendable {
    /// How it listens and whom it lets in.
    public let configuration: Configuration
    private let ingestClient: PostgresClient
    private let readClient: PostgresClient
    private let privacyClient: PostgresClient?
    private let tracker: PresenceTracker
    private let registry: PrometheusCollectorRegistry
    private let rules: SeenEvent.Rules
    private let logger: Logger

    /// Creates the server on one pool for reads, writes and hiding users.
    ///
    /// - Parameters:
    ///   - configuration: How it listens and whom it lets in.
    ///   - client: The pool it reads, writes and hides users through; run it in the same
    ///     service group.
    ///   - tracker: The tracker that takes buffered posts (`?buffered=true`).
    ///   - registry: Where `/metrics` reads from.
    ///   - logger: The server's logger. Tokens are never logged.
    /// - Throws: ``ServerError`` as ``init(configuration:ingestClient:readClient:privacyClient:tracker:registry:logger:)``.
    public init(
        configuration: Configuration,
        client: PostgresClient,
        tracker: PresenceTracker,
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) throws(ServerError) {
        try self.init(
            configuration: configuration,
            ingestClient: client,
            readClient: client,
            privacyClient: client,
            tracker: tracker,
            registry: registry,
            logger: logger
        )
    }

    /// Creates the server.
    ///
    /// - Parameters:
    ///   - configuration: How it listens and whom it lets in.
    ///   - ingestClient: The pool `POST /v1/events` writes through (as `presence_ingest`, say);
    ///     the tracker should write through it too. Run it in the same service group.
    ///   - readClient: The pool the queries, reports, dashboard, metrics and health read
    ///     through (as `presence_reader`, say); it may be the same pool. Run it in the same
    ///     service group.
    ///   - privacyClient: The pool `PUT` and `DELETE /v1/users/{user}/hidden` hide and show
    ///     users through (as `presence_privacy`, say); it may be one of the others. Without
    ///     it those routes answer 503. Run it in the same service group.
    ///   - tracker: The tracker that takes buffered posts (`?buffered=true`); run it in the
    ///     same service group. Posted events follow its rules (the allowed clock skew).
    ///   - registry: Where `/metrics` reads from; bootstrap swift-metrics with a
    ///     `PrometheusMetricsFactory` on it to see the tracker's and the ingest's counters.
    ///   - logger: The server's logger. Tokens are never logged.
    /// - Throws: ``ServerError`` when no tokens are configured (without `insecureLocal`), a
    ///   token is too short, both are the same, or `insecureLocal` is asked for on an address
    ///   that is not loopback.
    public init(
        configuration: Configuration,
        ingestClient: PostgresClient,
        readClient: PostgresClient,
        privacyClient: PostgresClient? = nil,
        tracker: PresenceTracker,
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) throws(ServerError) {
        try Self.check(configuration)
        self.configuration = configuration
        self.ingestClient = ingestClient
        self.readClient = readClient
        self.privacyClient = privacyClient
        self.tracker = tracker
        self.registry = registry
        var rules = SeenEvent.Rules()
        rules.allowedClockSkew = tracker.configuration.allowedClockSkew
        self.rules = rules
        self.logger = logger
    }

    private static func check(_ configuration: Configuration) throws(ServerError) {
        if configuration.insecureLocal {
            guard isLoopback(configuration.host) else {
                throw ServerError(
                    .insecureOffLoopback,
                    "A server without tokens binds only to a loopback address such as 127.0.0.1 or ::1, not \(configuration.host)."
                )
            }
            return
        }
        guard let ingest = configuration.ingestToken, let read = configuration.readToken, !ingest.isEmpty, !read.isEmpty else {
            throw ServerError(
                .tokensMissing,
                "The server needs an ingest token and a read token, or to serve on loopback without tokens."
            )
        }
        guard ingest.count >= Configuration.minimumTokenLength, read.count >= Configuration.minimumTokenLength else {
            throw ServerError(
                .tokenTooShort,
                "Each token must be at least \(Configuration.minimumTokenLength) characters long; make them with, for example, 'openssl rand -hex 32'."
            )
        }
        guard ingest != read else {
            throw ServerError(.tokensEqual, "The ingest token and the read token must differ, so that a reader cannot write.")
        }
    }

    /// Whether a host name or address is loopback only.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// The routes, with their access rules and error handling.
    public func makeRouter() -> Router<BasicRequestContext> {
        let access = AccessControl(
            ingestToken: configuration.ingestToken,
            readToken: configuration.readToken,
            open: configuration.insecureLocal
        )
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())

        let health = HealthEndpoint(client: readClient)
        router.get("/health", use: health.get)

        let events = EventsEndpoint(
            client: ingestClient,
            tracker: tracker,
            rules: rules,
            maximumBodyBytes: configuration.maximumBodyBytes,
            maximumEvents: configuration.maximumEventsPerRequest
        )
        router.group("/v1/events").add(middleware: AccessMiddleware(access: access, role: .ingest)).post(use: events.post)

        let hidden = HiddenEndpoint(privacyClient: privacyClient, readClient: readClient)
        router.group("/v1/users/{user}/hidden").add(middleware: AccessMiddleware(access: access, role: .ingest))
            .put(use: hidden.put)
            .delete(use: hidden.delete)
            .get(use: hidden.get)

        let queries = QueryEndpoints(client: readClient)
        let metrics = MetricsEndpoint(client: readClient, registry: registry)
        let reads = router.group().add(middleware: AccessMiddleware(access: access, role: .read))
        reads.get("/v1/online", use: queries.online)
        reads.get("/v1/locations", use: queries.locations)
        reads.get("/v1/locations/{location}/viewers", use: queries.viewers)
        reads.get("/v1/users/{user}/last-seen", use: queries.lastSeen)
        reads.get("/v1/users/{user}/history", use: queries.history)
        reads.get("/v1/reports/{name}", use: queries.report)
        reads.get("/metrics", use: metrics.get)

        let dashboard = DashboardEndpoint(client: readClient, refresh: configuration.dashboardRefresh)
        router.group().add(middleware: AccessMiddleware(access: access, role: .read, browser: true)).get("/dashboard", use: dashboard.get)
        return router
    }

    /// The HTTP application, which runs `services` (the pool, the tracker, the projector) in
    /// its service group: started in order before the server, shut down in reverse after it,
    /// so a graceful shutdown answers the requests in flight, then drains the tracker.
    public func makeApplication(services: [any Service]) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(configuration.idleTimeout.wholeMilliseconds))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "Presence"
            ),
            services: services,
            logger: logger
        )
    }
}
