import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

/// One user's sessions that start in a range, oldest first (`presence history`).
public struct HistoryReport: Sendable, Hashable {
    /// One session.
    public struct Session: Sendable, Hashable {
        /// Its first event.
        public var start: Timestamp
        /// Its last event.
        public var end: Timestamp
        /// How many events it holds.
        public var events: Int

        /// End minus start (zero for a single event).
        public var duration: Duration { end - start }
    }

    /// The user.
    public var user: String
    /// The sessions, oldest first.
    public var sessions: [Session]
    /// Whether the user asked not to be shown (DESIGN.md, "Hidden user"): the operator's
    /// command line says so; the HTTP API answers as for a user never seen
    /// (``requireShownToOthers()``).
    public var hidden = false

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - user: The user.
    ///   - from: The start of the range (included).
    ///   - to: The end of the range (excluded).
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` when `from` is not before `to`, or the user has no events at all.
    public static func run(user: String, from: Timestamp, to: Timestamp, client: PostgresClient, logger: Logger) async throws -> HistoryReport {
        try ReportError.requireRange(from: from, to: to)
        let rows = try await ReportQuery.history.rows(
            [user, from.rfc3339, to.rfc3339],
            client: client,
            logger: logger
        )
        let sessions = try rows.map { row in
            let (start, end, _, events) = try row.decode((Timestamp, Timestamp, Double, Int).self)
            return Session(start: start, end: end, events: events)
        }
        let (known, hidden) =
            try await client.query(
                """
                SELECT EXISTS (SELECT 1 FROM presence_current WHERE user_id = \(user)),
                       EXISTS (SELECT 1 FROM presence_hidden_users WHERE user_id = \(user))
                """,
                logger: logger
            ).collect().first?.decode((Bool, Bool).self) ?? (false, false)
        guard known || !sessions.isEmpty else { throw unknownUser(user) }
        var report = HistoryReport(user: user, sessions: sessions)
        report.hidden = hidden
        return report
    }

    /// Fails as for a user never seen when the user is hidden: the answer for others than
    /// the operator.
    public func requireShownToOthers() throws(ReportError) {
        guard hidden else { return }
        throw Self.unknownUser(user)
    }

    private static func unknownUser(_ user: String) -> ReportError {
        ReportError(
            .unknownUser,
            "No events of the user \(JSONText.string(user)) have been projected: check the name, or let the projector catch up."
        )
    }

    /// One row per session.
    public var table: ReportTable {
        ReportTable(
            columns: ["start", "end", "duration_seconds", "events"],
            rows: sessions.map {
                [$0.start.rfc3339, $0.end.rfc3339, JSONText.seconds($0.duration), "\($0.events)"]
            }
        )
    }

    /// The report in DESIGN.md's JSON shape, with `"hidden":true` for a hidden user.
    public var json: String {
        JSONText.object(
            [
                ("user", JSONText.string(user)),
                (
                    "sessions",
                    JSONText.array(
                        sessions.map { session in
                            JSONText.object([
                                ("start", JSONText.time(session.start)), ("end", JSONText.time(session.end)),
                                ("duration_seconds", JSONText.seconds(session.duration)),
                                ("events", "\(session.events)"),
                            ])
                        }
                    )
                ),
            ] + (hidden ? [("hidden", "true")] : [])
        )
    }
}

extension HistoryReport: ReportDefinition {
    public static let name = "history"
    public static let summary = "List a user's sessions that start in a range, oldest first."
    public static let parameters = [
        ReportParameter.user,
        ReportParameter("from", .time, default: .earliest, help: "The start of the range, RFC 3339."),
        ReportParameter("to", .time, default: .latest, help: "The end of the range, excluded, RFC 3339."),
    ]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> HistoryReport {
        try await run(user: arguments.text("user"), from: arguments.time("from"), to: arguments.time("to"), client: client, logger: logger)
    }
}
