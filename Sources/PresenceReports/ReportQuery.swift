import PresenceStore

/// The report queries of `Reports/`, compiled into the library.
public enum ReportQuery: String, Sendable, CaseIterable {
    /// Users online at a moment (`Reports/online.sql`).
    case online
    /// The busiest locations at a moment (`Reports/locations.sql`).
    case locations
    /// Who viewed a location in a range (`Reports/viewers.sql`).
    case viewers
    /// A user's last seen as of a moment (`Reports/last-seen.sql`).
    case lastSeen = "last-seen"
    /// A user's sessions in a range (`Reports/history.sql`).
    case history
    /// Events and distinct users per local hour, day or week (`Reports/activity.sql`).
    case activity
    /// Session count, mean, percentiles and histogram (`Reports/sessions.sql`).
    case sessions
    /// Peak and average concurrent users per local hour, day or week (`Reports/concurrency.sql`).
    case concurrency
    /// New, returning, resurrecting and dormant users per local day, ISO week or month (`Reports/lifecycle.sql`).
    case lifecycle
    /// The retention triangle of the cohorts of a range (`Reports/retention.sql`).
    case retention
    /// The users of one cell of the retention triangle (`Reports/retention-users.sql`).
    case retentionUsers = "retention-users"
    /// DAU, WAU, MAU and stickiness per local day (`Reports/active-users.sql`).
    case activeUsers = "active-users"
    /// Events and distinct users per local hour of day and weekday (`Reports/hour-by-weekday.sql`).
    case hourByWeekday = "hour-by-weekday"
    /// How far the projections trail the log (`Reports/projector-status.sql`).
    case projectorStatus = "projector-status"

    /// The query's SQL text, as in its file.
    ///
    /// - Throws: ``StoreError`` with code ``StoreError/Code/reportMissing`` when this build
    ///   does not hold the file.
    public var sql: String {
        get throws(StoreError) {
            guard let file = EmbeddedReports.files.first(where: { $0.name == rawValue + ".sql" }) else {
                throw StoreError(
                    .reportMissing,
                    "This build of Presence lacks Reports/\(rawValue).sql: its EmbedSQL plugin did not run; build it again."
                )
            }
            return file.sql
        }
    }
}
