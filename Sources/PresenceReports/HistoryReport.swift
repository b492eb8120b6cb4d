import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// One user's sessions that start in a range, oldest first (`presence history`).
public struct HistoryReport: Sendable, Hashable {
    /// One session.
    public struct Session: Sendable, Hashable {
        /// Its first event, in microseconds since 1970.
        public var start: Int64
        /// Its last event, in microseconds since 1970.
        public var end: Int64
        /// End minus start, in seconds (0 for a single event).
        public var durationSeconds: Double
        /// How many events it holds.
        public var events: Int
    }

    /// The user.
    public var user: String
    /// The sessions, oldest first.
    public var sessions: [Session]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - user: The user.
    ///   - from: The start of the range (included), in microseconds since 1970.
    ///   - to: The end of the range (excluded), in microseconds since 1970.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` when `from` is not before `to`, or the user has no events at all.
    public static func run(user: String, from: Int64, to: Int64, client: PostgresClient, logger: Logger) async throws -> HistoryReport {
        try ReportError.requireRange(from: from, to: to)
        let rows = try await ReportQuery.history.rows(
            [user, RFC3339.format(from), RFC3339.format(to)],
            client: client,
            logger: logger
        )
        let sessions = try rows.map { row in
            let (start, end, duration, events) = try row.decode((Date, Date, Double, Int).self)
            return Session(start: start.microseconds, end: end.microseconds, durationSeconds: duration, events: events)
        }
        if sessions.isEmpty {
            let known = try await client.query(
                "SELECT 1 FROM presence_current WHERE user_id = \(user)",
                logger: logger
            ).collect()
            guard !known.isEmpty else {
                throw ReportError(
                    .unknownUser,
                    "No events of the user \(JSONText.string(user)) have been projected: check the name, or let the projector catch up."
                )
            }
        }
        return HistoryReport(user: user, sessions: sessions)
    }

    /// One row per session.
    public var table: ReportTable {
        ReportTable(
            columns: ["start", "end", "duration_seconds", "events"],
            rows: sessions.map {
                [RFC3339.format($0.start), RFC3339.format($0.end), JSONText.number($0.durationSeconds), "\($0.events)"]
            }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("user", JSONText.string(user)),
            (
                "sessions",
                JSONText.array(
                    sessions.map { session in
                        JSONText.object([
                            ("start", JSONText.time(session.start)), ("end", JSONText.time(session.end)),
                            ("duration_seconds", JSONText.number(session.durationSeconds)),
                            ("events", "\(session.events)"),
                        ])
                    }
                )
            ),
        ])
    }
}
