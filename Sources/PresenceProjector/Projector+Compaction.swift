import Logging
import PostgresNIO
import PresenceStore

extension Projector {
    /// Packs the activity of every UTC day that ended more than
    /// ``Configuration/quarterRowsKept`` before the last event folded into one row per user
    /// and day (`presence_compact_activity`, Migration 0016), and the day's online spans and
    /// location visits into a row per hour and per location (Migration 0022): a row per user
    /// and quarter hour, span or visit costs about 150 to 200 bytes, mostly its header and
    /// index entries, and only the last days' rows change. Nothing is coarsened, so every
    /// report stays exact in every time zone.
    ///
    /// Each day is packed in a transaction of its own, which reads that day's rows through
    /// the quarter index; the follower (``run()``) packs one day at a time between its
    /// batches, and a rebuild packs the rebuilt days as it goes.
    ///
    /// - Returns: How many days were packed.
    /// - Throws: ``ProjectorError`` when another projector works on the database (unless
    ///   configured to wait), ``StoreError`` when the database fails; the days packed before stay packed.
    @discardableResult
    public func compactActivity() async throws -> Int {
        try await withProjectorLock { connection in
            var days = 0
            while try await packOneDay(on: connection) { days += 1 }
            return days
        }
    }

    /// The call that packs the oldest day of activity when it is due, and says whether it did.
    var packingQuery: PostgresQuery {
        "SELECT presence_compact_activity(\(configuration.quarterRowsKept / .seconds(1)) * interval '1 second') IS NOT NULL"
    }

    /// Packs the oldest day of activity when it is due; says whether it packed one.
    func packOneDay(on connection: PostgresConnection) async throws -> Bool {
        do {
            let rows = try await connection.query(packingQuery, logger: logger).collect()
            return try rows.first?.decode(Bool.self) ?? false
        } catch {
            throw StoreError(database: error, while: "packing an old day of the projections")
        }
    }

    /// In the follower: packs one old day of the projections when one is due, and says when to look
    /// again: at once after packing one, after the maintenance interval when none is due, or
    /// a minute after a failure, which is logged and never stops the folding.
    func packOldActivity(on connection: PostgresConnection) async -> ContinuousClock.Instant {
        let interval = configuration.partitionMaintenance.interval
        do {
            return try await packOneDay(on: connection) ? .now : .now + interval
        } catch {
            logger.warning(
                "packing an old day of the projections failed; trying again in a minute",
                metadata: ["error": "\((error as? StoreError)?.message ?? "\(error)")"]
            )
            return .now + min(.seconds(60), interval)
        }
    }
}
