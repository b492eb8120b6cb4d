import Logging
import PostgresNIO

/// Drops the event log's daily partitions that are older than a retention period, but never
/// one that holds an event the projector has not folded in.
///
/// The projections (last seen, sessions, activity) keep what the dropped events said; reports
/// that read the raw log (online at a past moment, last seen as of a past moment, sessions
/// with another gap than the projector's) see only the days that are left. The decision and
/// the drops are SQL (`presence_drop_old_partitions` in Migrations/0005), taken under locks
/// against the projector's checkpoint; `seen_events_default` is never dropped. Once a day is
/// dropped, `presence_rebuild()` refuses to empty the projections, which are then the only
/// record of that day (PresenceProjector's `Projector.rebuild(forgettingDroppedDays:)`).
///
/// ```swift
/// let partitions = try await Retention(keep: .seconds(90 * 86_400)).run(client: client, logger: logger)
/// ```
public struct Retention: Sendable {
    /// What happened to one partition.
    public struct Outcome: Sendable, Hashable, CustomStringConvertible {
        /// A stable name: `dropped`, `would_drop` or `unprojected`.
        public let description: String

        init(_ description: String) { self.description = description }

        /// The partition was dropped.
        public static let dropped = Outcome("dropped")
        /// A dry run: the partition would have been dropped.
        public static let wouldDrop = Outcome("would_drop")
        /// The partition is old enough but holds events the projector has not folded in; kept.
        public static let unprojected = Outcome("unprojected")
    }

    /// One daily partition older than the retention period.
    public struct Partition: Sendable, Hashable {
        /// The table's name, `seen_events_YYYYMMDD`.
        public var name: String
        /// The UTC day it holds, `YYYY-MM-DD`.
        public var day: String
        /// Its size on disk with its indexes, in bytes (before it was dropped).
        public var bytes: Int64
        /// What happened to it.
        public var outcome: Outcome

        /// Creates a partition's entry.
        public init(name: String, day: String, bytes: Int64, outcome: Outcome) {
            self.name = name
            self.day = day
            self.bytes = bytes
            self.outcome = outcome
        }
    }

    /// How long raw events are kept: a partition goes when its whole UTC day ended longer ago
    /// than this. At least one day.
    public var keep: Duration
    /// Only say what would be dropped.
    public var dryRun: Bool

    /// Creates a retention run.
    ///
    /// - Parameters:
    ///   - keep: How long raw events are kept; at least one day.
    ///   - dryRun: When `true`, nothing is dropped.
    public init(keep: Duration, dryRun: Bool = false) {
        self.keep = keep
        self.dryRun = dryRun
    }

    /// Drops (or, in a dry run, lists) the partitions older than ``keep``.
    ///
    /// Run it as the log's owner: dropping a table needs ownership. It waits at most 10 seconds
    /// for the log's lock (unless the role's `lock_timeout` says otherwise) and then fails with
    /// nothing dropped.
    ///
    /// - Parameters:
    ///   - client: The pool of the migrated database.
    ///   - logger: Where to log each partition dropped.
    /// - Returns: Every partition older than ``keep``, oldest first, with what happened to it.
    /// - Throws: ``RetentionError`` when ``keep`` is under a day, ``StoreError`` when the
    ///   database fails; nothing is dropped then.
    public func run(client: PostgresClient, logger: Logger) async throws -> [Partition] {
        guard keep >= .seconds(86_400) else {
            throw RetentionError(
                .periodTooShort,
                "Retention keeps at least 1 day of raw events: reports of the moment read the last minutes of the log."
            )
        }
        let microseconds = keep.wholeMicroseconds
        var partitions: [Partition] = []
        do {
            // READ COMMITTED whatever the database's or role's default_transaction_isolation:
            // only then does the check for unfolded events, made once the log's lock is held,
            // see a writer that committed while retention waited for it (Migration 0017).
            partitions = try await client.withConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
                do {
                    let rows = try await connection.query(
                        """
                        SELECT partition_name, to_char(partition_day, 'YYYY-MM-DD'), size_bytes, outcome
                        FROM presence_drop_old_partitions(make_interval(secs => \(microseconds)::float8 / 1000000), \(dryRun))
                        """,
                        logger: logger
                    ).collect()
                    let partitions = try rows.map { row in
                        let (name, day, bytes, outcome) = try row.decode((String, String, Int64, String).self)
                        return Partition(name: name, day: day, bytes: bytes, outcome: Outcome(outcome))
                    }
                    try await connection.query("COMMIT", logger: logger)
                    return partitions
                } catch {
                    if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                    throw error
                }
            }
        } catch {
            throw StoreError(
                database: error,
                while: dryRun ? "looking for old partitions of the event log" : "dropping old partitions of the event log"
            )
        }
        for partition in partitions where partition.outcome == .dropped {
            logger.info("dropped an old partition of the event log", metadata: ["partition": "\(partition.name)"])
        }
        return partitions
    }
}
