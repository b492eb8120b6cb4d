import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

/// When one user was last seen as of a moment, and where (`presence last-seen`).
public struct LastSeenReport: Sendable, Hashable {
    /// The user asked about.
    public var user: String
    /// The moment.
    public var asOf: Timestamp
    /// The latest event at or before ``asOf``, or `nil` when there is none (an unknown user
    /// is no error).
    public var lastSeen: Timestamp?
    /// Where that event was, if it said.
    public var location: String?
    /// Whether the user asked not to be shown (DESIGN.md, "Hidden user"): the operator's
    /// command line says so; the HTTP API answers as for a user never seen
    /// (``shownToOthers``).
    public var hidden = false

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - user: The user.
    ///   - asOf: The moment.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    public static func run(user: String, asOf: Timestamp, client: PostgresClient, logger: Logger) async throws -> LastSeenReport {
        let rows = try await ReportQuery.lastSeen.rows([user, asOf.rfc3339], client: client, logger: logger)
        var report = LastSeenReport(user: user, asOf: asOf)
        if let row = rows.first {
            (report.lastSeen, report.location, report.hidden) = try row.decode((Timestamp?, String?, Bool).self)
        }
        return report
    }

    /// The answer for others than the operator: a hidden user's is that of a user never seen.
    public var shownToOthers: LastSeenReport {
        hidden ? LastSeenReport(user: user, asOf: asOf) : self
    }

    /// The report as one row; a column `hidden` only for a hidden user.
    public var table: ReportTable {
        ReportTable(
            columns: ["user", "as_of", "last_seen", "location"] + (hidden ? ["hidden"] : []),
            rows: [[user, asOf.rfc3339, lastSeen?.rfc3339, location] + (hidden ? ["yes"] : [])]
        )
    }

    /// The report in DESIGN.md's JSON shape, with `"hidden":true` for a hidden user.
    public var json: String {
        JSONText.object(
            [
                ("user", JSONText.string(user)), ("as_of", JSONText.time(asOf)),
                ("last_seen", JSONText.time(lastSeen)), ("location", JSONText.string(location)),
            ] + (hidden ? [("hidden", "true")] : [])
        )
    }
}

extension LastSeenReport: ReportDefinition {
    public static let name = "last-seen"
    public static let summary = "Say when a user was last seen as of a moment, and where (null when never)."
    public static let parameters = [ReportParameter.user, ReportParameter("as-of", .time, default: .now, help: "The moment, RFC 3339.")]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> LastSeenReport {
        try await run(user: arguments.text("user"), asOf: arguments.time("as-of"), client: client, logger: logger)
    }
}
