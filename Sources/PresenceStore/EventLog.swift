import Logging
import PostgresNIO
import PresenceModel

/// Names and helpers of the event log, `seen_events`, shared by its writers and readers.
public enum EventLog {
    /// The channel a writer notifies after each committed batch, so that a following projector
    /// wakes at once (`LISTEN presence_events`).
    public static let notificationChannel = "presence_events"

    /// Microseconds in a UTC day, the unit of the log's partitions.
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// The UTC day (days since 1970-01-01) that holds a time.
    public static func day(of time: Timestamp) -> Int64 {
        let (quotient, remainder) = time.microsecondsSince1970.quotientAndRemainder(dividingBy: microsecondsPerDay)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// The start of a UTC day (days since 1970-01-01).
    public static func start(ofDay day: Int64) -> Timestamp {
        Timestamp(microsecondsSince1970: day * microsecondsPerDay)
    }

    /// Makes sure the days `first...last` (UTC days since 1970) have their own partitions.
    ///
    /// - Parameters:
    ///   - days: The days, at most 1001 of them.
    ///   - connection: The connection to run on; inside a transaction, the new partitions
    ///     become visible to others when it commits.
    ///   - logger: Where to log the statement.
    /// - Returns: How many partitions were created.
    @discardableResult
    public static func ensurePartitions(
        days: ClosedRange<Int64>,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int {
        let first = dayText(days.lowerBound)
        let last = dayText(days.upperBound)
        let rows = try await connection.query(
            "SELECT presence_ensure_partitions(\(first)::date, \(last)::date)",
            logger: logger
        ).collect()
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// A day as PostgreSQL's `date` text, `YYYY-MM-DD`.
    static func dayText(_ day: Int64) -> String {
        String(start(ofDay: day).rfc3339.prefix(10))
    }
}

extension EventLog {
    /// Fails with a clear sentence when the database has no event log yet.
    ///
    /// - Throws: ``StoreError`` telling to run `presence migrate`, or why the database could not
    ///   be asked.
    public static func requireMigrated(_ client: PostgresClient, logger: Logger) async throws {
        let exists: Bool
        do {
            let rows = try await client.query("SELECT to_regclass('seen_events') IS NOT NULL", logger: logger).collect()
            exists = try rows.first?.decode(Bool.self) ?? false
        } catch {
            throw StoreError(database: error, while: "looking for the event log")
        }
        guard exists else {
            throw StoreError(
                .notMigrated,
                "The database has no event log yet: apply Presence's migrations first (presence migrate, or Migrator) with the same database URL."
            )
        }
    }
}

extension EventLog {
    /// Fails with a clear sentence when the database is a hot standby or the connected role may
    /// not write events (INSERT on the event's columns of `seen_events` and EXECUTE on
    /// `presence_ensure_partitions`), before a writer buffers events it could only retry and
    /// drop.
    ///
    /// A standby grants the primary's privileges but refuses every write, so the privileges
    /// alone would let a writer pointed at a replica start and then retry forever.
    ///
    /// - Throws: ``StoreError`` with code ``StoreError/Code/readOnlyStandby`` for a standby,
    ///   ``StoreError/Code/permissionDenied`` naming the role and what it lacks, or why the
    ///   database could not be asked.
    public static func requireWritable(_ client: PostgresClient, logger: Logger) async throws {
        let standby: Bool
        do {
            let rows = try await client.query("SELECT pg_is_in_recovery()", logger: logger).collect()
            standby = try rows.first?.decode(Bool.self) ?? false
        } catch {
            throw StoreError(database: error, while: "asking whether the database is a standby")
        }
        guard !standby else {
            throw StoreError(
                .readOnlyStandby,
                "The database is a hot standby, which takes no writes: connect writers to the primary, and only readers to a standby."
            )
        }
        try await requirePrivileges(
            client,
            check: """
                SELECT current_user::text,
                       has_column_privilege('seen_events', 'id', 'INSERT') AND has_column_privilege('seen_events', 'user_id', 'INSERT')
                       AND has_column_privilege('seen_events', 'at', 'INSERT') AND has_column_privilege('seen_events', 'location', 'INSERT')
                       AND has_function_privilege('presence_ensure_partitions(date, date)', 'EXECUTE')
                """,
            needed: "write events (INSERT on seen_events, EXECUTE on presence_ensure_partitions)",
            member: "presence_ingest",
            logger: logger
        )
    }

    /// Fails with a clear sentence when the connected role may not read what the reports read
    /// (the log, the projections, the settings and the checkpoint).
    ///
    /// - Throws: ``StoreError`` with code ``StoreError/Code/permissionDenied`` naming the role
    ///   and what it lacks, or why the database could not be asked.
    public static func requireReadable(_ client: PostgresClient, logger: Logger) async throws {
        try await requirePrivileges(
            client,
            check: """
                SELECT current_user::text, bool_and(has_table_privilege(name, 'SELECT'))
                FROM unnest(ARRAY['seen_events', 'presence_current', 'user_sessions', 'user_activity',
                                  'user_activity_days', 'presence_settings', 'presence_projector']) AS name
                """,
            needed: "read the log and the projections (SELECT on them)",
            member: "presence_reader",
            logger: logger
        )
    }

    /// Fails unless `check` answers the connected role and `true`.
    static func requirePrivileges(
        _ client: PostgresClient,
        check: PostgresQuery,
        needed: String,
        member: String,
        logger: Logger
    ) async throws {
        let role: String
        let allowed: Bool
        do {
            let rows = try await client.query(check, logger: logger).collect()
            (role, allowed) = try rows.first?.decode((String, Bool).self) ?? ("", false)
        } catch {
            throw StoreError(database: error, while: "checking the role's privileges")
        }
        guard allowed else {
            throw StoreError(
                .permissionDenied,
                "The role \(role) may not \(needed): connect as a member of \(member), or as the log's owner."
            )
        }
    }
}
