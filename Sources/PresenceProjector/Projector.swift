import Logging
import Metrics
import PostgresNIO
import PresenceStore
import ServiceLifecycle

/// Folds the event log into the projections (DESIGN.md, "Data flow"): current presence,
/// sessions and activity.
///
/// The folding itself is set-based SQL in the database (`presence_project` and
/// `presence_rebuild` in Migrations/0002): each batch reads the next committed events below
/// the read horizon, folds them and moves the checkpoint in one transaction, so a crash at
/// any point loses and doubles nothing. The projector holds an advisory lock so that only one
/// works on a database at a time; as a `Service` it follows the log, woken by the writers'
/// notifications and polling as a fallback. It counts what it folds through swift-metrics
/// (`presence_projector_events_folded_total`, `presence_projector_batches_total`).
public struct Projector: Service {
    /// How the projector reads and waits.
    public let configuration: Configuration
    private let client: PostgresClient
    private let logger: Logger
    private let foldedEvents = Counter(label: "presence_projector_events_folded_total")
    private let foldedBatches = Counter(label: "presence_projector_batches_total")

    /// Creates a projector.
    ///
    /// - Parameters:
    ///   - client: The pool to work through; its `run()` must be running.
    ///   - configuration: Batch size, polling, and what to do when another projector works.
    ///   - logger: Where to log progress and failures.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    /// Folds every committed event not yet folded, batch by batch.
    ///
    /// - Returns: How many events were folded.
    /// - Throws: ``StoreError`` when another projector works on the database (unless configured
    ///   to wait) or the database fails; what was folded before stays folded.
    @discardableResult
    public func catchUp() async throws -> Int {
        try await withProjectorLock { connection in try await catchUp(on: connection) }
    }

    /// Recomputes every projection from the whole log in one pass.
    ///
    /// Once retention has dropped days of the log, the projections are the only record of
    /// those days, and the database refuses a rebuild, which would lose them, unless
    /// `forgettingDroppedDays` says to go ahead.
    ///
    /// - Parameter forgettingDroppedDays: Rebuild even though retention dropped raw events:
    ///   the projections then hold only the days still in the log.
    /// - Returns: How many events the projections now hold.
    /// - Throws: ``StoreError`` when retention dropped days (and `forgettingDroppedDays` is
    ///   `false`), another projector works, or the database fails; the projections are then
    ///   unchanged.
    @discardableResult
    public func rebuild(forgettingDroppedDays: Bool = false) async throws -> Int {
        try await withProjectorLock { connection in
            do {
                // One transaction, so that the setting ends with it.
                return try await connection.withTransaction(logger: logger) { transaction in
                    if forgettingDroppedDays {
                        _ = try await transaction.query(
                            "SELECT set_config('presence.forget_dropped_days', 'on', true)", logger: logger
                        ).collect()
                    }
                    let rows = try await transaction.query("SELECT presence_rebuild()", logger: logger).collect()
                    return try rows.first?.decode(Int.self) ?? 0
                }
            } catch {
                throw StoreError(database: error, while: "rebuilding the projections")
            }
        }
    }

    /// Follows the log until graceful shutdown: folds what is there, then waits for a writer's
    /// notification (or the poll interval) and folds again. A batch interrupted by shutdown is
    /// rolled back whole.
    ///
    /// When the database fails (a restart, a lost connection), the batch in flight rolls back
    /// and the projector starts over after a pause that doubles from 100 ms up to 5 seconds,
    /// so it outlives a database restart as the tracker does.
    ///
    /// - Throws: ``StoreError`` with code ``StoreError/Code/projectorBusy`` when another
    ///   projector works on the database and the configuration does not wait for it.
    public func run() async throws {
        var delay = Duration.milliseconds(100)
        var failures = 0
        while true {
            let started = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown { try await follow() }
                return
            } catch where Task.isShuttingDownGracefully {
                logger.debug("projector stopped for shutdown")
                return
            } catch let error as StoreError where error.code == .projectorBusy {
                throw error
            } catch {
                if Task.isCancelled { throw error }
                // A failure after a long good run starts the backoff afresh.
                if ContinuousClock.now - started > .seconds(30) { delay = .milliseconds(100) }
                failures += 1
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.warning(
                        "following the event log failed; starting again",
                        metadata: [
                            "error": "\(StoreError(database: error, while: "following the event log").message)",
                            "attempt": "\(failures)", "retry_in": "\(delay)",
                        ]
                    )
                }
                do {
                    try await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
                } catch where Task.isShuttingDownGracefully {
                    return
                }
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func follow() async throws {
        try await withProjectorLock { connection in
                try await connection.listen(on: EventLog.notificationChannel) { notifications in
                    let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await _ in notifications { wake.yield() }
                        }
                        group.addTask {
                            // The fallback: look again after the poll interval, whatever happens.
                            while true {
                                try await Task.sleep(for: configuration.pollInterval)
                                wake.yield()
                            }
                        }
                        var pending = wakes.makeAsyncIterator()
                        repeat {
                            let folded = try await catchUp(on: connection)
                            if folded > 0 { logger.debug("folded events", metadata: ["events": "\(folded)"]) }
                            // Committed events above the read horizon wait for an older
                            // transaction to end, which sends no notification: look again soon.
                            while try await hasUnfoldedEvents(on: connection) {
                                try await Task.sleep(for: .milliseconds(20))
                                _ = try await catchUp(on: connection)
                            }
                        } while await pending.next() != nil
                        group.cancelAll()
                    }
                }
        }
    }

    private func catchUp(on connection: PostgresConnection) async throws -> Int {
        var total = 0
        while true {
            let folded: Int
            do {
                let rows = try await connection.query(
                    "SELECT presence_project(\(configuration.batchSize)::integer)",
                    logger: logger
                ).collect()
                folded = try rows.first?.decode(Int.self) ?? 0
            } catch {
                throw StoreError(database: error, while: "folding events into the projections")
            }
            total += folded
            if folded > 0 {
                foldedEvents.increment(by: folded)
                foldedBatches.increment()
            }
            if folded < configuration.batchSize { return total }
        }
    }

    /// Whether the log holds committed events the projections do not have yet.
    private func hasUnfoldedEvents(on connection: PostgresConnection) async throws -> Bool {
        do {
            let rows = try await connection.query(
                """
                SELECT EXISTS (
                    SELECT 1 FROM seen_events AS e, presence_projector AS p
                    WHERE (e.tx, e.at, e.id) > (p.position_tx, p.position_at, p.position_id))
                """,
                logger: logger
            ).collect()
            return try rows.first?.decode(Bool.self) ?? false
        } catch {
            throw StoreError(database: error, while: "looking for events to fold")
        }
    }

    /// Runs `body` on a connection that holds the projector's advisory lock; fails as soon as
    /// the connection closes (see `PostgresConnection.failingWhenClosed`).
    private func withProjectorLock<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await connection.failingWhenClosed { connection in try await locked(connection, body) }
        }
    }

    private func locked<Result: Sendable>(
        _ connection: PostgresConnection,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        while true {
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(hashtextextended('presence_projector', 0))",
                logger: logger
            ).collect()
            if try rows.first?.decode(Bool.self) == true { break }
            guard configuration.waitForOtherProjector else {
                throw StoreError(
                    .projectorBusy,
                    "Another projector is already working on this database: let it run, stop it, or wait for it with --wait."
                )
            }
            try await Task.sleep(for: .seconds(1))
        }
        do {
            let result = try await body(connection)
            await unlock(connection)
            return result
        } catch {
            await unlock(connection)
            throw error
        }
    }

    /// Releases the advisory lock before the connection goes back to the pool, also when the
    /// work was cancelled (a cancelled task cannot run the query itself); when that fails, the
    /// connection is closed, which releases the lock with the session. A connection that is
    /// closed already (the server went away) holds no lock any more.
    private func unlock(_ connection: PostgresConnection) async {
        // A closed connection's session has ended, and released the lock with it. PostgresNIO
        // (1.33) never answers a query sent on a closed connection: sending one would hang.
        guard !connection.isClosed else { return }
        let logger = logger
        await Task.detached {
            do {
                _ = try await connection.query(
                    "SELECT pg_advisory_unlock(hashtextextended('presence_projector', 0))",
                    logger: logger
                ).collect()
            } catch {
                try? await connection.close()
            }
        }.value
    }
}
