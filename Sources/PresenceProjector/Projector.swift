import Logging
import Metrics
import PostgresNIO
import PresenceStore
import ServiceLifecycle

/// Folds the event log into the projections (DESIGN.md, "Data flow"): current presence,
/// sessions and activity.
///
/// The folding itself is set-based SQL in the database (`presence_fold`, Migrations/0008 and
/// 0013): each batch reads the next committed events below the read horizon, folds them and
/// moves the checkpoint in one transaction, so a crash at any point loses and doubles
/// nothing. A rebuild folds the log beside the live projections and swaps the result in
/// (`Projector+Rebuild.swift`, Migration 0011). The projector holds an advisory lock so that only one works on
/// a database at a time; as a `Service` it follows the log, woken by the writers'
/// notifications and polling as a fallback. It counts what it folds through swift-metrics
/// (`presence_projector_events_folded_total`, `presence_projector_batches_total`), and how
/// long committed events have waited for an older transaction to end
/// (`presence_projector_horizon_wait_seconds`, 0 when none waits).
public struct Projector: Service {
    /// How the projector reads and waits.
    public let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    private let foldedEvents = Counter(label: "presence_projector_events_folded_total")
    private let foldedBatches = Counter(label: "presence_projector_batches_total")
    private let horizonWait = Gauge(label: "presence_projector_horizon_wait_seconds")

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
    /// - Throws: ``ProjectorError`` when another projector works on the database (unless
    ///   configured to wait), ``StoreError`` when the database fails; what was folded before stays folded.
    @discardableResult
    public func catchUp() async throws -> Int {
        try await withProjectorLock { connection in try await catchUp(on: connection).folded }
    }

    /// Follows the log until graceful shutdown: folds what is there, then waits for a writer's
    /// notification (or the poll interval) and folds again. A batch interrupted by shutdown is
    /// rolled back whole.
    ///
    /// When the database fails (a restart, a lost connection), the batch in flight rolls back
    /// and the projector starts over after a pause that doubles from 100 ms up to 5 seconds,
    /// so it outlives a database restart as the tracker does.
    ///
    /// - Throws: ``ProjectorError`` with code ``ErrorCode/busy`` when another
    ///   projector works on the database and the configuration does not wait for it.
    public func run() async throws {
        var delay = Duration.milliseconds(100)
        var failures = 0
        while true {
            let started = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown { try await follow() }
                return
            } catch  where Task.isShuttingDownGracefully {
                logger.debug("projector stopped for shutdown")
                return
            } catch let error as ProjectorError where error.code == .busy {
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
                } catch  where Task.isShuttingDownGracefully {
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
                    var maintenanceDue = ContinuousClock.now
                    var packingDue = ContinuousClock.now
                    repeat {
                        if ContinuousClock.now >= maintenanceDue {
                            maintenanceDue = await keepPartitionsAhead(on: connection)
                        }
                        try await foldUntilNothingWaits(on: connection)
                        if ContinuousClock.now >= packingDue {
                            packingDue = await packOldActivity(on: connection)
                            // One day at a time, folding in between, until none is due.
                            if packingDue <= .now { wake.yield() }
                        }
                    } while await pending.next() != nil
                    group.cancelAll()
                }
            }
        }
    }

    /// Creates the log's day partitions ahead of time, so that writers never wait to create
    /// one, and says when to do it next: after the configured interval, or a minute after a
    /// failure, which is logged and never stops the folding.
    private func keepPartitionsAhead(on connection: PostgresConnection) async -> ContinuousClock.Instant {
        let maintenance = configuration.partitionMaintenance
        do {
            try await PartitionMaintenance.maintain(daysAhead: maintenance.daysAhead, on: connection, logger: logger)
            return .now + maintenance.interval
        } catch {
            let level: Logger.Level = PartitionMaintenance.isLockTimeout(error) ? .info : .warning
            logger.log(
                level: level,
                "keeping the event log's partitions ahead failed; trying again in a minute",
                metadata: ["error": "\(StoreError(database: error, while: "creating the event log's partitions").message)"]
            )
            return .now + min(.seconds(60), maintenance.interval)
        }
    }

    /// Folds until no committed event is left. Committed events above the read horizon wait
    /// for an older transaction to end, which sends no notification: the projector looks
    /// again after a pause that doubles from 20 ms up to ``Configuration/horizonPollLimit``,
    /// says in the log which transaction holds them (after a few seconds, then every minute)
    /// and publishes how long they have waited.
    private func foldUntilNothingWaits(on connection: PostgresConnection) async throws {
        var pause = Duration.milliseconds(20)
        var waitStarted: ContinuousClock.Instant?
        var nextReport = Duration.seconds(5)
        while true {
            let outcome = try await catchUp(on: connection)
            if outcome.folded > 0 { logger.debug("folded events", metadata: ["events": "\(outcome.folded)"]) }
            guard outcome.heldBack else { break }
            let started = waitStarted ?? ContinuousClock.now
            waitStarted = started
            let waited = ContinuousClock.now - started
            horizonWait.record(waited / .seconds(1))
            if waited >= nextReport {
                await reportHorizonHolder(waited: waited, on: connection)
                nextReport = waited + .seconds(60)
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, configuration.horizonPollLimit)
        }
        if let waitStarted {
            horizonWait.record(0)
            logger.debug("events no longer wait for the read horizon", metadata: ["waited": "\(ContinuousClock.now - waitStarted)"])
        }
    }

    /// Logs, at notice level, which transaction holds committed events back, as far as
    /// PostgreSQL tells this role (`presence_horizon_holder()`).
    private func reportHorizonHolder(waited: Duration, on connection: PostgresConnection) async {
        var metadata: Logger.Metadata = ["waited": "\(waited)"]
        do {
            let rows = try await connection.query(
                """
                SELECT pid, database_name, role_name, application_name, state,
                       extract(epoch FROM running_for)::float8, prepared_as
                FROM presence_horizon_holder()
                """,
                logger: logger
            ).collect()
            if let row = rows.first {
                let (pid, database, role, application, state, seconds, prepared) = try row.decode(
                    (Int?, String?, String?, String?, String?, Double?, String?).self
                )
                metadata["holder_pid"] = pid.map { "\($0)" }
                metadata["holder_database"] = database.map { "\($0)" }
                metadata["holder_role"] = role.map { "\($0)" }
                metadata["holder_application"] = application.map { "\($0)" }
                metadata["holder_state"] = state.map { "\($0)" }
                metadata["holder_running_seconds"] = seconds.map { "\(Int($0))" }
                metadata["holder_prepared_as"] = prepared.map { "\($0)" }
            }
        } catch {
            metadata["holder"] = "unknown: \(StoreError(database: error, while: "asking who holds the read horizon").message)"
        }
        logger.notice(
            "committed events wait for an older transaction to end before they can be folded",
            metadata: metadata
        )
    }

    func catchUp(on connection: PostgresConnection) async throws -> (folded: Int, heldBack: Bool) {
        var total = 0
        while true {
            let folded: Int
            let heldBack: Bool
            do {
                let rows = try await connection.query(
                    "SELECT folded, held_back FROM presence_fold(\(configuration.batchSize)::integer)",
                    logger: logger
                ).collect()
                (folded, heldBack) = try rows.first?.decode((Int, Bool).self) ?? (0, false)
            } catch {
                throw StoreError(database: error, while: "folding events into the projections")
            }
            total += folded
            if folded > 0 {
                foldedEvents.increment(by: folded)
                foldedBatches.increment()
            }
            if folded < configuration.batchSize { return (total, heldBack) }
        }
    }

    /// Runs `body` on a connection that holds the projector's advisory lock; fails as soon as
    /// the connection closes (see `PostgresConnection.failingWhenClosed`).
    func withProjectorLock<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await connection.failingWhenClosed { connection in
                try await locked(
                    connection,
                    lock: "presence_projector",
                    busy: "Another projector is already working on this database: let it run, stop it, or wait for it.",
                    body
                )
            }
        }
    }

    /// Runs `body` while `connection` holds the session-level advisory lock named `lock`,
    /// waiting for it when the configuration says so, else failing with `busy`.
    func locked<Result: Sendable>(
        _ connection: PostgresConnection,
        lock: String,
        busy: String,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        while true {
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(hashtextextended(\(lock), 0))",
                logger: logger
            ).collect()
            if try rows.first?.decode(Bool.self) == true { break }
            guard configuration.waitForOtherProjector else { throw ProjectorError(.busy, busy) }
            try await Task.sleep(for: .seconds(1))
        }
        do {
            let result = try await body(connection)
            await unlock(lock, on: connection)
            return result
        } catch {
            await unlock(lock, on: connection)
            throw error
        }
    }

    /// Releases an advisory lock before the connection goes back to the pool, also when the
    /// work was cancelled (a cancelled task cannot run the query itself); when that fails, the
    /// connection is closed, which releases the lock with the session. A connection that is
    /// closed already (the server went away) holds no lock any more.
    private func unlock(_ lock: String, on connection: PostgresConnection) async {
        // A closed connection's session has ended, and released the lock with it. PostgresNIO
        // (1.33) never answers a query sent on a closed connection: sending one would hang.
        guard !connection.isClosed else { return }
        let logger = logger
        await Task.detached {
            do {
                _ = try await connection.query(
                    "SELECT pg_advisory_unlock(hashtextextended(\(lock), 0))",
                    logger: logger
                ).collect()
            } catch {
                try? await connection.close()
            }
        }.value
    }
}
