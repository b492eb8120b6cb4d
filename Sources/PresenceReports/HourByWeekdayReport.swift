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

    /// The IANA time zone the hours and weekdays follow.
    public var timeZone: String
    /// The range asked for.
    public var from: Timestamp
    /// The end of the range asked for (excluded).
    public var to: Timestamp
    /// All 7 × 24 slots, Monday 0:00 first.
    public var rows: [Row]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range; rounded down to its hour.
    ///   - to: The end of the range (excluded).
    ///   - timeZone: An IANA time zone name.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or an unknown time zone.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        timeZone: String,
        client: PostgresClient,
        logger: Logger
    ) async throws
        -> HourByWeekdayReport
    {
        try ReportError.requireRange(from: from, to: to)
        let zone = try await TimeZoneCheck.resolve(timeZone, client: client, logger: logger)
        let rows = try await ReportQuery.hourByWeekday.rows(
            [from.rfc3339, to.rfc3339, zone],
            client: client,
            logger: logger
        )
        return HourByWeekdayReport(
            timeZone: timeZone,
            from: from,
            to: to,
            rows: try rows.map { row in
                let (weekday, hour, events, users) = try row.decode((Int, Int, Int, Int).self)
                return Row(weekday: weekday, hour: hour, events: events, users: users)
            }
        )
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
            ("tz", JSONText.string(timeZone)), ("from", JSONText.time(from)), ("to", JSONText.time(to)),
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

extension HourByWeekdayReport: ReportDefinition {
    public static let name = "hour-by-weekday"
    public static let summary = "Events and distinct users per local hour of day and ISO weekday: the weekly rhythm."
    public static let parameters = ReportParameter.range

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> HourByWeekdayReport {
        try await run(from: arguments.time("from"), to: arguments.time("to"), timeZone: arguments.text("tz"), client: client, logger: logger)
    }
}
