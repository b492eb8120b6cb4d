import ArgumentParser
import Foundation
import Logging
import Metrics
import PostgresNIO
import PresenceIngest
import PresenceProjector
import PresenceServer
import PresenceStore
import Prometheus
import ServiceLifecycle

/// `presence serve`: the HTTP API, dashboard and metrics, with the tracker's flusher and,
/// with `--with-projector`, the projector, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API, the dashboard and metrics; stop gracefully with SIGTERM or SIGINT.",
        discussion: """
            Writes need the ingest token, reads the read token, as 'Authorization: Bearer TOKEN'. \
            The tokens come from the environment (PRESENCE_INGEST_TOKEN, PRESENCE_READ_TOKEN) or \
            from files (--ingest-token-file, --read-token-file), never from the command line, \
            where other users of the machine could see them. Without tokens the server refuses \
            to start, unless --insecure-local serves everyone on a loopback address. Writes, \
            reads, hiding users and the projector can each log in as a role that may do only \
            that: --ingest-database-url, --read-database-url, --privacy-database-url and \
            --projector-database-url (else --database-url, else PRESENCE_INGEST_DATABASE_URL, \
            PRESENCE_READ_DATABASE_URL, PRESENCE_PRIVACY_DATABASE_URL and \
            PRESENCE_PROJECTOR_DATABASE_URL, else DATABASE_URL). Without a URL for hiding users \
            when the others have their own, or with one whose role may not, the server serves \
            without PUT and DELETE /v1/users/USER/hidden, and says so.
            """
    )

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port.")
    var port = 8080

    @Option(help: ArgumentHelp("A file holding the ingest token (default: $PRESENCE_INGEST_TOKEN).", valueName: "file"))
    var ingestTokenFile: String?

    @Option(help: ArgumentHelp("A file holding the read token (default: $PRESENCE_READ_TOKEN).", valueName: "file"))
    var readTokenFile: String?

    @Flag(help: "Serve without tokens; only on a loopback address.")
    var insecureLocal = false

    @Flag(help: "Also run the projector, keeping the projections up to date.")
    var withProjector = false

    @Option(help: ArgumentHelp("The database URL for writing events, as a member of presence_ingest.", valueName: "url"))
    var ingestDatabaseURL: String?

    @Option(help: ArgumentHelp("The database URL for queries, reports, the dashboard and metrics, as a member of presence_reader.", valueName: "url"))
    var readDatabaseURL: String?

    @Option(help: ArgumentHelp("The database URL for hiding and showing users, as a member of presence_privacy.", valueName: "url"))
    var privacyDatabaseURL: String?

    @Option(help: ArgumentHelp("The database URL for --with-projector, as a member of presence_projector.", valueName: "url"))
    var projectorDatabaseURL: String?

    @Option(help: "The most events one POST may carry.")
    var maxEvents = PresenceServer.Configuration().maximumEventsPerRequest

    @Option(help: "The largest request body, in bytes.")
    var maxBodyBytes = PresenceServer.Configuration().maximumBodyBytes

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be from 1 to 65535.") }
        guard maxEvents > 0, maxBodyBytes > 0 else { throw ValidationError("--max-events and --max-body-bytes must be positive.") }
    }

    func run() async throws {
        var configuration = PresenceServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.insecureLocal = insecureLocal
        configuration.maximumEventsPerRequest = maxEvents
        configuration.maximumBodyBytes = maxBodyBytes
        configuration.ingestToken = try Self.token(file: ingestTokenFile, variable: "PRESENCE_INGEST_TOKEN")
        configuration.readToken = try Self.token(file: readTokenFile, variable: "PRESENCE_READ_TOKEN")

        let logger = global.makeLogger()
        let ingestSettings = try await global.connectionSettings(for: .ingest, flag: ingestDatabaseURL, logger: logger)
        let readSettings = try await global.connectionSettings(for: .read, flag: readDatabaseURL, logger: logger)
        let projectorSettings =
            withProjector
            ? try await global.connectionSettings(for: .projector, flag: projectorDatabaseURL, logger: logger) : nil

        // One pool per distinct URL: with a single URL, one pool serves everything.
        var pools: [ConnectionSettings: PostgresClient] = [:]
        var services: [any Service] = []
        func pool(_ settings: ConnectionSettings) async throws -> PostgresClient {
            if let client = pools[settings] { return client }
            try await settings.withClient(logger: logger) { try await EventLog.requireMigrated($0, logger: logger) }
            let client = settings.makeClient(logger: logger, statementTimeout: .seconds(30))
            pools[settings] = client
            services.append(client)
            return client
        }
        let ingestClient = try await pool(ingestSettings)
        let readClient = try await pool(readSettings)
        // A role that may not do its part fails here, in one sentence, not at each request.
        try await ingestSettings.withClient(logger: logger) { try await EventLog.requireWritable($0, logger: logger) }
        try await readSettings.withClient(logger: logger) { try await EventLog.requireReadable($0, logger: logger) }
        var projectorClient: PostgresClient?
        if let projectorSettings { projectorClient = try await pool(projectorSettings) }
        let privacyClient = try await privacyPool(pool, logger: logger)

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let tracker = PresenceTracker(client: ingestClient, logger: logger)
        services.append(tracker)
        // Keeps the log's days ahead of time, so that writers never wait to create one.
        services.append(PartitionMaintenance(client: ingestClient, logger: logger))
        if let projectorClient {
            var projection = Projector.Configuration()
            projection.waitForOtherProjector = true
            services.append(Projector(client: projectorClient, configuration: projection, logger: logger))
        }
        let server = try PresenceServer(
            configuration: configuration,
            ingestClient: ingestClient,
            readClient: readClient,
            privacyClient: privacyClient,
            tracker: tracker,
            registry: registry,
            logger: logger
        )
        // Says in the log why a database cannot be reached while the services retry.
        for settings in pools.keys { services.append(ReachabilityMonitor(settings: settings, logger: logger)) }
        let application = server.makeApplication(services: services)
        print("serving http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(withProjector ? " with the projector" : ""); stop with Ctrl-C")
        try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// Where hiding users logs in.
    enum PrivacyURL: Equatable {
        /// Nowhere: serve without hiding users.
        case none
        /// The URL shared with the other parts (`nil` for the embedded server); used only if
        /// its role may hide users.
        case shared(String?)
        /// A URL given for hiding alone, which must work.
        case own(String)
    }

    /// Where hiding users logs in: its own URL; else the shared one, unless the writes or the
    /// reads have a URL and hiding has none, when it is nowhere rather than the embedded server.
    func privacyURL(environment: [String: String]) -> PrivacyURL {
        let url = DatabaseRole.privacy.url(flag: privacyDatabaseURL, sharedFlag: global.databaseURL, environment: environment)
        // The role's own option, or its own variable when no --database-url comes before it.
        let ownVariable =
            !(DatabaseRole.privacy.environmentVariable.flatMap { environment[$0] } ?? "").isEmpty && (global.databaseURL ?? "").isEmpty
        if let url, !(privacyDatabaseURL ?? "").isEmpty || ownVariable {
            return .own(url)
        }
        let othersHaveURLs =
            DatabaseRole.ingest.url(flag: ingestDatabaseURL, sharedFlag: global.databaseURL, environment: environment) != nil
            || DatabaseRole.read.url(flag: readDatabaseURL, sharedFlag: global.databaseURL, environment: environment) != nil
        return url == nil && othersHaveURLs ? .none : .shared(url)
    }

    /// The pool for hiding users, or `nil` to serve without (``privacyURL(environment:)``, or
    /// a shared URL whose role may not hide).
    private func privacyPool(
        _ pool: (ConnectionSettings) async throws -> PostgresClient,
        logger: Logger
    ) async throws -> PostgresClient? {
        let choice = privacyURL(environment: ProcessInfo.processInfo.environment)
        guard choice != .none else {
            logger.warning("serving without hiding users over HTTP: no --privacy-database-url or PRESENCE_PRIVACY_DATABASE_URL")
            return nil
        }
        let settings = try await global.connectionSettings(for: .privacy, flag: privacyDatabaseURL, logger: logger)
        do {
            try await settings.withClient(logger: logger) { try await Privacy.requireAllowed($0, logger: logger) }
        } catch let error as StoreError where error.code == .permissionDenied {
            if case .own = choice { throw error }
            logger.warning("serving without hiding users over HTTP", metadata: ["reason": "\(error.message)"])
            return nil
        }
        return try await pool(settings)
    }

    /// A token from a file (its first line) or an environment variable.
    static func token(file: String?, variable: String) throws -> String? {
        if let file {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                return text.split(whereSeparator: \.isNewline).first.map(String.init)
            } catch {
                throw CommandError("Cannot read the token file \(file): \(error.localizedDescription)")
            }
        }
        return ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
