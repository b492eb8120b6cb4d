import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// The users online at a moment, most recent first (`presence online`).
public struct OnlineReport: Sendable, Hashable {
    /// One online user.
    public struct User: Sendable, Hashable {
        /// Who.
        public var user: String
        /// Last seen as of the moment, in microseconds since 1970.
        public var lastSeen: Int64
        /// Where, if the event said.
        public var location: String?
    }

    /// The moment, in microseconds since 1970.
    public var at: Int64
    /// The threshold in seconds: online means last seen at most this long before ``at``.
    public var thresholdSeconds: Int64
    /// The users online, most recent first.
    public var users: [User]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - at: The moment, in microseconds since 1970.
    ///   - thresholdSeconds: How recent a last seen counts as online.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    public static func run(at: Int64, thresholdSeconds: Int64, client: PostgresClient, logger: Logger) async throws -> OnlineReport {
        // No event lies before the earliest time the rules allow, so a window reaching past it
        // starts there (and the product cannot overflow).
        let earliest = SeenEvent.Rules.earliest
        let since = thresholdSeconds >= (at - earliest) / 1_000_000 ? min(earliest, at) : at - thresholdSeconds * 1_000_000
        let rows = try await ReportQuery.online.rows([RFC3339.format(at), RFC3339.format(since)], client: client, logger: logger)
        let users = try rows.map { row in
            let (user, lastSeen, location) = try row.decode((String, Date, String?).self)
            return User(user: user, lastSeen: lastSeen.microseconds, location: location)
        }
        return OnlineReport(at: at, thresholdSeconds: thresholdSeconds, users: users)
    }

    /// One row per user.
    public var table: ReportTable {
        ReportTable(
            columns: ["user", "last_seen", "location"],
            rows: users.map { [$0.user, RFC3339.format($0.lastSeen), $0.location] }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("at", JSONText.time(at)), ("threshold_seconds", "\(thresholdSeconds)"),
            (
                "users",
                JSONText.array(
                    users.map { user in
                        JSONText.object([
                            ("user", JSONText.string(user.user)), ("last_seen", JSONText.time(user.lastSeen)),
                            ("location", JSONText.string(user.location)),
                        ])
                    }
                )
            ),
        ])
    }
}
