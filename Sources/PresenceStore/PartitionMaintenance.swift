import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps the event log's day partitions ahead of time, so that writers never create one in
/// normal operation (Migrations/0010, `presence_maintain_partitions`).
///
/// Attaching a partition locks `seen_events_default` exclusively, which waits for every query
/// on the log that is running and makes every later one wait behind it. So the days from
/// yesterday to ``Configuration/daysAhead`` days ahead are made well before they are needed, a
/// few at a time, by `presence migrate`, by the follower and by this service in `presence
/// serve`; each attempt waits at most 200 ms for its locks and is tried again later. The same
/// round gives the events that landed in `seen_events_default` partitions of their own.
public struct PartitionMaintenance: Service {
    /// How far ahead and how often.
    public struct Configuration: Sendable, Hashable {
        /// How many days after today (UTC) get their partitions. Default 30.
        public var daysAhead = 30
        /// How often a round runs in ``run()``. Default 1 hour.
        public var interval: Duration = .seconds(3_600)

        /// Creates the default configuration.
        public init() {}
    }

    /// How far ahead and how often.
    public let configuration: Configuration
    private let client: PostgresClient
    private let logger: Logger

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - client: The pool to work through, as the log's owner or a member of
    ///     `presence_ingest` or `presence_projector`; its `run()` must be running.
    ///   - configuration: How far ahead and how often.
    ///   - logger: Where to log the partitions created and the rounds that failed.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs a round at once and then every ``Configuration/interval`` until graceful shutdown.
    /// A round that fails (a lock held too long, the database away) is logged and tried again
    /// after a pause that doubles from 1 second up to the interval.
    public func run() async throws {
        var pause = Duration.seconds(1)
        while !Task.isShuttingDownGracefully {
            let wait: Duration
            do {
                try await client.withConnection { connection in
                    _ = try await Self.maintain(daysAhead: configuration.daysAhead, on: connection, logger: logger)
                }
                wait = configuration.interval
                pause = .seconds(1)
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "keeping the event log's partitions ahead failed; trying again",
                    metadata: [
                        "error": "\(StoreError(database: error, while: "creating the event log's partitions").message)",
                        "retry_in": "\(pause)",
                    ]
                )
                wait = pause
                pause = min(pause * 2, configuration.interval)
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            } catch {
                return
            }
        }
    }

    /// Runs one round on a connection: the days from yesterday to `daysAhead` days after today,
    /// and the days of the events in `seen_events_default`.
    ///
    /// - Parameters:
    ///   - daysAhead: How many days after today (UTC) get their partitions.
    ///   - connection: The connection to run on, outside a transaction.
    ///   - logger: Where to log the partitions created.
    /// - Returns: How many partitions were created.
    /// - Throws: The database's error; SQLSTATE `55P03` (lock_not_available) when a lock was
    ///   held for more than 200 ms, with nothing created.
    @discardableResult
    public static func maintain(daysAhead: Int, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "SELECT presence_maintain_partitions(\(daysAhead)::integer)",
            logger: logger
        ).collect()
        let created = try rows.first?.decode(Int.self) ?? 0
        if created > 0 {
            logger.info("created the event log's partitions ahead of time", metadata: ["partitions": "\(created)"])
        }
        return created
    }

    /// Whether an error is a lock that was held for longer than the lock timeout.
    public static func isLockTimeout(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "55P03"
    }
}
