import Logging
import PostgresNIO
import PresenceModel

/// Events and distinct users per local hour of day and ISO weekday over a range: the weekly
/// rhythm behind the HTML page's heat map (`presence report hour-by-weekday`).
public struct HourByWeekdayReport: Sendable, Hashable {
    /// One hour of one weekday.
    public struct Row: Sendable, Hashable {
        /// The ISO weekday: 1 is Monday, 7 is Sunday.
        public var weekday: Int
        /// The local hour, 0 to 23.
        public var hour: Int
        /// Events in this hour of this weekday, over every week of the range.
        public var events: Int
        /// Distinct users with an event in this hour of this weekday, in any week of the range.
        public var users: Int
    }

    /// The range asked for, and the zone its hours and weekdays follow.
    public var range: ReportRange
    /// All 7 × 24 slots, Monday 0:00 first.
    public var rows: [Row]

    /// Runs the report; `from` is rounded down to its local hour.
    public static func run(_ range: ReportRange, client: PostgresClient, logger: Logger) async throws -> HourByWeekdayReport {
        let rows = try await ReportQuery.hourByWeekday.rows(range, client: client, logger: logger)
        return HourByWeekdayReport(range: range, rows: try rows.map(Row.init))
    }

    /// One row per slot.
    public var table: ReportTable {
        ReportTable(
            columns: ["weekday", "hour", "events", "users"],
            rows: rows.map { ["\($0.weekday)", "\($0.hour)", "\($0.events)", "\($0.users)"] }
        )
    }

    /// The report as JSON: `{"tz":…,"from":…,"to":…,"rows":[{"weekday":1,"hour":0,"events":…,"users":…}, …]}`.
    public var json: String {
        JSONText.object([
            ("tz", JSONText.string(range.timeZone)), ("from", JSONText.time(range.from)), ("to", JSONText.time(range.to)),
            (
                "rows",
                JSONText.array(
                    rows.map { row in
                        JSONText.object([
                            ("weekday", "\(row.weekday)"), ("hour", "\(row.hour)"), ("events", "\(row.events)"),
                            ("users", "\(row.users)"),
                        ])
                    }
                )
            ),
        ])
    }
}

extension HourByWeekdayReport: ZonedRangeReport {
    public static let name = "hour-by-weekday"
    public static let summary = "Events and distinct users per local hour of day and ISO weekday: the weekly rhythm."
}

extension HourByWeekdayReport.Row {
    /// A row of `Reports/hour-by-weekday.sql`.
    init(_ row: PostgresRow) throws {
        (weekday, hour, events, users) = try row.decode((Int, Int, Int, Int).self)
    }
}
