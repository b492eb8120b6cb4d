import Logging
import ServiceLifecycle

/// Says in the log, in the words of ``ConnectionSettings/checkReachable(logger:)``, why a
/// long-running service cannot reach its database, and when it can again.
///
/// The services (the tracker, the projector, `presence serve`) retry through PostgresNIO's
/// pool, which keeps the cause of a failed connection to itself and after a minute reports
/// only that its circuit breaker tripped. Beside them, this service connects once every
/// ``interval`` and logs a warning when the cause changes, naming host, port and cause, and
/// a notice when the server answers again. It never stops the others.
public struct ReachabilityMonitor: Service {
    /// The database to watch.
    public let settings: ConnectionSettings
    /// How often to look. Default 30 seconds.
    public let interval: Duration
    private let logger: Logger

    /// Creates a monitor; it looks first after one interval.
    ///
    /// - Parameters:
    ///   - settings: The database to watch.
    ///   - interval: How often to look.
    ///   - logger: Where to say what it finds.
    public init(settings: ConnectionSettings, interval: Duration = .seconds(30), logger: Logger) {
        self.settings = settings
        self.interval = interval
        self.logger = logger
    }

    /// Looks every ``interval`` until graceful shutdown.
    public func run() async throws {
        var cause: String?
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await settings.checkReachable(logger: logger)
                if let lost = cause {
                    logger.notice("the database answers again", metadata: ["database": "\(settings)", "was": "\(lost)"])
                    cause = nil
                }
            } catch {
                let message = (error as? StoreError)?.message ?? "\(error)"
                if message != cause {
                    logger.warning("cannot reach the database; the services keep trying", metadata: ["cause": "\(message)"])
                    cause = message
                }
            }
        }
    }
}
