import Logging
import PostgresNIO
import PresenceModel

/// Names and helpers of the event log, `seen_events`, shared by its writers and readers.
public enum EventLog {
    /// The channel a writer notifies after each committed batch, so that a following projector
    /// wakes at once (`LISTEN presence_events`).
    public static let notificationChannel = "presence_events"

    /// Microseconds in a UTC day, the unit of the log's partitions.
    public static let microsecondsPerDay: Int64 = 86_400_000_000

    /// The UTC day (days since 1970-01-01) that holds a time in microseconds since 1970.
    public static func day(ofMicroseconds microseconds: Int64) -> Int64 {
        let (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: microsecondsPerDay)
        return remainder < 0 ? quotient - 1 : quotient
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
        String(RFC3339.format(day * microsecondsPerDay).prefix(10))
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
                "The database has no event log yet: run 'presence migrate' first (with the same database URL)."
            )
        }
    }
}
