import Logging
import PostgresNIO
import PresenceStore

extension Projector {
    /// Recomputes every projection from the whole log while readers keep reading the old ones
    /// and the live projector keeps folding (Migrations/0011).
    ///
    /// The log is folded into twins of the projections (schema `presence_next`) batch by
    /// batch, each batch committed with the twins' own checkpoint, so a rebuild that stops
    /// (a crash, Ctrl-C) goes on where it was when it is started again. Once the twins have
    /// caught up, one short transaction folds both to the same event and swaps the twins in;
    /// the live projector, waiting on its checkpoint meanwhile, goes on from that event in
    /// the new tables. Readers wait only for that swap (at most 2 seconds for its locks, else
    /// it is tried again).
    ///
    /// Once retention has dropped days of the log, the projections are the only record of
    /// those days, and the database refuses a rebuild, which would lose them, unless
    /// `forgettingDroppedDays` says to go ahead.
    ///
    /// - Parameters:
    ///   - forgettingDroppedDays: Rebuild even though retention dropped raw events: the
    ///     projections then hold only the days still in the log.
    ///   - progress: Called after each batch with how far the rebuild has come.
    /// - Returns: How many events the projections now hold.
    /// - Throws: ``ProjectorError`` when another rebuild is under way (unless configured to
    ///   wait), ``StoreError`` when retention dropped days (and `forgettingDroppedDays` is
    ///   `false`) or the database fails; the projections are then unchanged, and the rebuild goes on from where it
    ///   stopped the next time.
    @discardableResult
    public func rebuild(
        forgettingDroppedDays: Bool = false,
        progress: (@Sendable (RebuildProgress) -> Void)? = nil
    ) async throws -> Int {
        do {
            return try await client.withConnection { connection in
                try await connection.failingWhenClosed { connection in
                    try await locked(
                        connection,
                        lock: "presence_rebuild",
                        busy: "Another rebuild is already under way on this database: let it finish, or wait for it."
                    ) { connection in
                        let rebuild = Rebuild(
                            connection: connection,
                            batchSize: configuration.batchSize,
                            packing: packingQuery,
                            forgettingDroppedDays: forgettingDroppedDays,
                            logger: logger
                        )
                        try await rebuild.foldTwins(progress: progress)
                        _ = try await catchUp(on: connection)
                        return try await rebuild.swap()
                    }
                }
            }
        } catch let error as ProjectorError {
            throw error
        } catch {
            throw StoreError(database: error, while: "rebuilding the projections")
        }
    }
}

/// The steps of one rebuild, on one connection (see ``Projector/rebuild(forgettingDroppedDays:progress:)``).
private struct Rebuild {
    let connection: PostgresConnection
    let batchSize: Int
    /// Packs the twins' oldest day of activity when it is due (``Projector/compactActivity()``).
    let packing: PostgresQuery
    let forgettingDroppedDays: Bool
    let logger: Logger

    /// Starts the rebuild or goes on with the one under way, and folds the log into the twins
    /// until they have caught up, packing their old days of activity as it goes.
    func foldTwins(progress: (@Sendable (RebuildProgress) -> Void)?) async throws {
        let resumed = try await inTransaction("BEGIN") {
            try await value("SELECT presence_start_rebuild()", as: Bool.self)
        }
        var report = RebuildProgress(
            folded: try await value("SELECT events FROM presence_next.presence_projector", as: Int.self),
            estimatedTotal: try await value("SELECT events FROM presence_projector", as: Int.self),
            eventsPerSecond: 0,
            resumed: resumed
        )
        let started = ContinuousClock.now
        var foldedNow = 0
        while true {
            let folded = try await inTransaction("BEGIN") {
                try await inTwins {
                    let folded = try await value("SELECT folded FROM presence_fold(\(batchSize)::integer)", as: Int.self)
                    _ = try await connection.query(packing, logger: logger).collect()
                    return folded
                }
            }
            foldedNow += folded
            report.folded += folded
            report.eventsPerSecond = Double(foldedNow) / max((ContinuousClock.now - started) / .seconds(1), 0.001)
            progress?(report)
            if folded < batchSize { break }
        }
        while try await inTransaction("BEGIN", { try await inTwins { try await value(packing, as: Bool.self) } }) {}
        logger.info("folded the log into the rebuilt projections", metadata: ["events": "\(report.folded)"])
    }

    /// Folds the live projections and their twins to the same event and swaps the twins in;
    /// tries again while long queries on the projections hold the locks the swap needs.
    func swap() async throws -> Int {
        _ = try await connection.query("SELECT presence_analyze_twins()", logger: logger).collect()
        var attempt = 1
        while true {
            do {
                // REPEATABLE READ fixes the read horizon for the transaction, so both fold to
                // exactly the same event; the locks come before the snapshot (LOCK is the
                // first statement that could take one), and keep the live projector waiting.
                return try await inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ") {
                    _ = try await connection.query("SET LOCAL lock_timeout = '2s'", logger: logger).collect()
                    _ = try await connection.query(
                        "LOCK TABLE presence_projector, presence_next.presence_projector IN EXCLUSIVE MODE",
                        logger: logger
                    ).collect()
                    while try await value("SELECT folded FROM presence_fold(\(batchSize)::integer)", as: Int.self) == batchSize {}
                    while try await foldTwinsOnce() == batchSize {}
                    return try await value("SELECT presence_swap_projections()", as: Int.self)
                }
            } catch let error as PSQLError where attempt < 10 && ["55P03", "40001", "40P01"].contains(error.serverInfo?[.sqlState] ?? "") {
                logger.info(
                    "long queries on the projections held the locks the rebuild's swap needs; trying again",
                    metadata: ["attempt": "\(attempt)"]
                )
                try await Task.sleep(for: .seconds(attempt))
                attempt += 1
            }
        }
    }

    /// Folds one batch into the twins, in the caller's transaction.
    private func foldTwinsOnce() async throws -> Int {
        try await inTwins { try await value("SELECT folded FROM presence_fold(\(batchSize)::integer)", as: Int.self) }
    }

    /// Runs `body` on the twins, in the caller's transaction: the projector's functions name
    /// their tables without a schema, so with presence_next first on the search path they
    /// read and move the twins' checkpoint and write the twins.
    private func inTwins<Result>(_ body: () async throws -> Result) async throws -> Result {
        let path = try await value("SELECT current_setting('search_path')", as: String.self)
        _ = try await connection.query(
            "SELECT set_config('search_path', 'presence_next, ' || \(path), true)",
            logger: logger
        ).collect()
        let result = try await body()
        _ = try await connection.query("SELECT set_config('search_path', \(path), true)", logger: logger).collect()
        return result
    }

    /// Runs `body` in a transaction begun with `begin`, in which a rebuild may empty the
    /// projections when `forgettingDroppedDays` says so.
    private func inTransaction<Result>(_ begin: PostgresQuery, _ body: () async throws -> Result) async throws -> Result {
        _ = try await connection.query(begin, logger: logger).collect()
        do {
            if forgettingDroppedDays {
                // SET takes no snapshot: the swap's locks still come before its snapshot.
                _ = try await connection.query("SET LOCAL presence.forget_dropped_days = on", logger: logger).collect()
            }
            let result = try await body()
            _ = try await connection.query("COMMIT", logger: logger).collect()
            return result
        } catch {
            if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger).collect() }
            throw error
        }
    }

    /// The one value of a query's one row.
    private func value<Value: PostgresDecodable>(_ query: PostgresQuery, as type: Value.Type) async throws -> Value {
        let rows = try await connection.query(query, logger: logger).collect()
        guard let row = rows.first else {
            throw StoreError(.databaseFailed, "PostgreSQL answered a rebuild's query with no row.")
        }
        return try row.decode(Value.self)
    }
}
