import Logging
import PostgresNIO
import PresenceIngest
import PresenceProjector
import PresenceStore
import ServiceLifecycle
import Synchronization
import Vapor

/// Presence's pool, tracker and, when configured, projector in one application, run as a
/// `ServiceGroup` from the application's boot to its shutdown.
///
/// Vapor 4 has no swift-service-lifecycle support of its own: it boots, serves until SIGTERM or
/// SIGINT, and shuts down through its lifecycle handlers. This handler starts the group on
/// boot, and on shutdown triggers the group's graceful shutdown and waits for it: the tracker
/// writes all it holds (``PresenceIngest/PresenceTracker/run()``), then the pool closes. The
/// group listens to no signal itself; Vapor's serve command does, and shuts the application
/// down.
final class PresenceRuntime: LifecycleHandler, Sendable {
    /// Where the application's storage keeps it.
    struct Key: StorageKey {
        typealias Value = PresenceRuntime
    }

    let client: PostgresClient
    let tracker: PresenceTracker
    let configuration: Application.Presence.Configuration
    private let group: ServiceGroup
    private let logger: Logger
    /// The task that runs the group, once it started.
    private let running = Mutex<Task<Void, Never>?>(nil)

    init(settings: ConnectionSettings, configuration: Application.Presence.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = settings.makeClient(logger: logger, statementTimeout: configuration.statementTimeout)
        tracker = PresenceTracker(client: client, configuration: configuration.tracker, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client), .init(service: tracker)]
        if let projector = configuration.projector {
            let service = ProjectorService(projector: Projector(client: client, configuration: projector, logger: logger), logger: logger)
            services.append(.init(service: service, successTerminationBehavior: .ignore))
        }
        group = ServiceGroup(configuration: .init(services: services, logger: logger))
    }

    func didBoot(_ application: Application) throws {
        start()
    }

    func shutdownAsync(_ application: Application) async {
        await stop()
    }

    /// Vapor's synchronous shutdown cannot await, so it blocks until the drain has ended, as
    /// Vapor's own synchronous shutdown blocks on its event loops.
    func shutdown(_ application: Application) {
        let stopped = DispatchSemaphore(value: 0)
        Task {
            await stop()
            stopped.signal()
        }
        stopped.wait()
    }

    /// Starts the group, unless it runs already; returns its task.
    @discardableResult
    private func start() -> Task<Void, Never> {
        running.withLock { task in
            if let task { return task }
            let started = Task { [group, logger] in
                do {
                    try await group.run()
                } catch {
                    logger.error("Presence's pool and tracker stopped", metadata: ["error": "\(error)"])
                }
            }
            task = started
            return started
        }
    }

    /// Shuts the group down gracefully and waits until it has: the tracker has written what it
    /// holds. An application that never booted starts it now, so that events recorded before
    /// are written too.
    private func stop() async {
        let task = start()
        await group.triggerGracefulShutdown()
        await task.value
    }
}

/// The projector in an application: when it stops with an error (another projector works on
/// the database, say), it says so in the log, where a `ServiceGroup` would only log at debug
/// level, and returns, which leaves the tracker and the application running.
private struct ProjectorService: Service {
    let projector: Projector
    let logger: Logger

    func run() async {
        do {
            try await projector.run()
        } catch {
            logger.error("Presence's projector stopped; the projections no longer follow the log", metadata: ["error": "\(error)"])
        }
    }
}
