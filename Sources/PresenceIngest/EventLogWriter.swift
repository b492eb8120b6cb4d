import Logging
import PostgresNIO
import PresenceModel
import PresenceStore
import Synchronization

/// Writes batches of events into `seen_events`, each event exactly once.
///
/// A batch is one transaction: one `INSERT … SELECT FROM unnest(…)` whose four binds are the
/// batch's columns as arrays, notify, commit. When the log already holds some of the batch (a
/// producer's retry, a re-import), the INSERT fails on the primary key and the batch goes
/// again with `ON CONFLICT DO NOTHING`, which stores only the events that are missing and
/// costs about a quarter more, so it is not the first try. When a connection fails after
/// COMMIT was sent, the outcome is unknown; the writer then asks PostgreSQL (`pg_xact_status`,
/// and whether the log holds the batch's events under that transaction's id, since a crash
/// can hand the id out again) whether that transaction committed before it writes anything
/// again, so a retry neither loses nor doubles a batch.
///
/// It does not use COPY: PostgresNIO 1.33's `copyFrom` traps (a precondition, which ends the
/// process) when the connection closes while a COPY is open, and a server restart or a
/// terminated session does exactly that. The bound INSERT is as safe as any query, and as
/// fast as COPY (`Benchmarks/run --target IngestBenchmarks`).
///
/// ``PresenceTracker``'s flusher writes through one; a service that must answer how many
/// events of a request were stored (`presence serve`) writes through its own, one per batch.
public struct EventLogWriter: EventSink {
    let client: PostgresClient
    let logger: Logger
    /// UTC days known to have a partition, so the common batch costs no partition check.
    private var knownDays: Set<Int64> = []
    /// Days whose partition could not be created in time (a long query on the log held the
    /// lock), and when to try again; their events go to `seen_events_default` meanwhile.
    private var deferredDays: (days: Set<Int64>, until: ContinuousClock.Instant) = ([], .now)
    /// A transaction whose COMMIT was sent but not acknowledged, and what it would have stored.
    var unconfirmed: (transaction: String, result: BatchResult)?

    /// Creates a writer.
    ///
    /// - Parameters:
    ///   - client: The pool to write through; the database must be migrated.
    ///   - logger: Where to log.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Writes a batch; call it again with the same batch after it throws.
    ///
    /// - Returns: How many events were stored and how many were already in the log.
    /// - Throws: Whatever the database threw; the batch may then be retried as it is.
    public mutating func write(_ batch: [SeenEvent]) async throws -> BatchResult {
        var skipExisting = false
        if let unconfirmed {
            switch try await outcome(of: unconfirmed.transaction, writing: batch) {
            case .committed:
                self.unconfirmed = nil
                return unconfirmed.result
            case .inProgress:
                throw StoreError(.databaseFailed, "The previous attempt's transaction is still committing.")
            case .notCommitted:
                self.unconfirmed = nil
            case .unknown:
                // Too old to tell: write again, skipping what exists.
                self.unconfirmed = nil
                skipExisting = true
            }
        }
        try await ensurePartitions(for: batch)
        if !skipExisting {
            do {
                return try await write(batch, skippingExisting: false)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                logger.debug("batch holds events the log already has; writing only the new ones")
            }
        }
        return try await write(batch, skippingExisting: true)
    }

    /// What became of a transaction whose COMMIT was sent but not acknowledged.
    enum Outcome {
        case committed, inProgress, notCommitted, unknown
    }

    /// Asks PostgreSQL what became of the transaction that wrote (part of) `batch` and whose
    /// COMMIT went unanswered.
    ///
    /// `pg_xact_status` answers for a transaction id, but an id outlives a crash only when
    /// something the transaction wrote reached the write-ahead log on disk. When the server
    /// crashed before the COMMIT did, the id is "in the future" after the restart, and is then
    /// handed out again, to a transaction that may commit. So "committed" counts only when the
    /// log holds an event of this batch written under that id.
    private func outcome(of transaction: String, writing batch: [SeenEvent]) async throws -> Outcome {
        let status: String?
        let wroteBatch: Bool
        do {
            // presence_commit_outcome (Migrations/0007) asks both as the log's owner, so that a
            // writer that may not read the log (presence_ingest) can ask too.
            let rows = try await client.query(
                "SELECT status, wrote_batch FROM presence_commit_outcome(\(transaction)::xid8, \(batch.map(\.id)))",
                logger: logger
            ).collect()
            (status, wroteBatch) = try rows.first?.decode((String?, Bool).self) ?? (nil, false)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "22023" {
            // "transaction ID … is in the future": nothing of it is left; it did not commit.
            logger.notice("the unanswered COMMIT was lost with the server; writing the batch again")
            return .notCommitted
        }
        switch status {
        case "committed" where wroteBatch:
            return .committed
        case "committed":
            // A later transaction that got the same id after a crash; the batch's did not commit.
            logger.notice("the unanswered COMMIT was lost with the server and its id reused; writing the batch again")
            return .notCommitted
        case "in progress": return .inProgress
        case "aborted": return .notCommitted
        default: return .unknown
        }
    }

    private mutating func write(_ batch: [SeenEvent], skippingExisting: Bool) async throws -> BatchResult {
        let commit = SentCommit()
        let logger = logger
        do {
            return try await client.withConnection { connection in
                try await connection.failingWhenClosed { connection in
                    try await Self.transaction(writing: batch, skippingExisting: skippingExisting, on: connection, commit: commit, logger: logger)
                }
            }
        } catch {
            unconfirmed = commit.sent
            throw error
        }
    }

    /// The transaction that writes a batch, and notes in `commit` what it will have stored
    /// once it sends COMMIT.
    private static func transaction(
        writing batch: [SeenEvent],
        skippingExisting: Bool,
        on connection: PostgresConnection,
        commit: SentCommit,
        logger: Logger
    ) async throws -> BatchResult {
        try await connection.query("BEGIN", logger: logger)
        do {
            // The notification is delivered when the transaction commits.
            let rows = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO seen_events (id, user_id, at, location)
                    SELECT * FROM unnest(\(ColumnArray.ids(of: batch)), \(ColumnArray.users(of: batch)),
                                         \(ColumnArray.times(of: batch)), \(ColumnArray.locations(of: batch)))
                    \(unescaped: skippingExisting ? "ON CONFLICT DO NOTHING" : "")
                    RETURNING 1)
                SELECT (SELECT count(*) FROM inserted), pg_current_xact_id()::text
                FROM pg_notify(\(EventLog.notificationChannel), '')
                """,
                logger: logger
            ).collect()
            guard let (stored, transaction) = try rows.first?.decode((Int, String).self) else {
                throw StoreError(.databaseFailed, "PostgreSQL answered the batch's INSERT with no row.")
            }
            let result = BatchResult(stored: stored, duplicates: batch.count - stored)
            commit.record(transaction: transaction, result: result)
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            // A query sent on a closed connection is never answered (see `failingWhenClosed`);
            // the server rolls back the transaction of a session that is gone.
            if commit.sent == nil, !connection.isClosed {
                _ = try? await connection.query("ROLLBACK", logger: logger)
            }
            throw error
        }
    }

    /// Creates the partitions of the batch's days that are not known to exist.
    ///
    /// In normal operation they all exist: `presence migrate`, the follower and `presence
    /// serve` create them ahead of time (``PartitionMaintenance``). A day that is missing all
    /// the same (a late or far-off event) is created here, waiting at most the lock timeout of
    /// `presence_ensure_partitions` (200 ms); past that the batch goes on without it, its
    /// events land in `seen_events_default`, the next maintenance round moves them to their
    /// day, and this writer tries again a minute later.
    private mutating func ensurePartitions(for batch: [SeenEvent]) async throws {
        if !deferredDays.days.isEmpty, ContinuousClock.now >= deferredDays.until {
            knownDays.subtract(deferredDays.days)
            deferredDays.days = []
        }
        var missing = Set<Int64>()
        for event in batch {
            let day = EventLog.day(of: event.at)
            if !knownDays.contains(day) { missing.insert(day) }
        }
        guard !missing.isEmpty else { return }
        // One call per run of consecutive days, each at most 1001 days long.
        var runs: [ClosedRange<Int64>] = []
        for day in missing.sorted() {
            if let last = runs.last, last.upperBound == day - 1, last.count < 1001 {
                runs[runs.count - 1] = last.lowerBound...day
            } else {
                runs.append(day...day)
            }
        }
        let logger = logger
        let timedOut = try await client.withConnection { connection in
            try await connection.failingWhenClosed { [runs] connection in
                var timedOut: [ClosedRange<Int64>] = []
                for run in runs {
                    do {
                        try await EventLog.ensurePartitions(days: run, on: connection, logger: logger)
                    } catch  where PartitionMaintenance.isLockTimeout(error) {
                        timedOut.append(run)
                    }
                }
                return timedOut
            }
        }
        knownDays.formUnion(missing)
        if !timedOut.isEmpty {
            let days = Set(timedOut.joined())
            logger.notice(
                "a long query on the event log held the lock a new partition needs; these events go to seen_events_default until the next maintenance round",
                metadata: ["days": "\(days.count)"]
            )
            deferredDays = (deferredDays.days.union(days), ContinuousClock.now + .seconds(60))
        }
    }
}

/// The transaction of a batch whose COMMIT was sent, and what it stored, once it is sent.
private final class SentCommit: Sendable {
    private let state = Mutex<(transaction: String, result: BatchResult)?>(nil)

    /// The transaction and its result, when COMMIT was sent.
    var sent: (transaction: String, result: BatchResult)? { state.withLock { $0 } }

    /// Notes that COMMIT is about to be sent.
    func record(transaction: String, result: BatchResult) {
        state.withLock { $0 = (transaction, result) }
    }
}
