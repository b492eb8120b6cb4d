import Logging
import PostgresNIO
import PresenceModel

/// DAU, WAU, MAU and stickiness per local day (`presence report active-users`).
public struct ActiveUsersReport: Sendable, Hashable {
    /// One local day.
    public struct Row: Sendable, Hashable {
        /// The local date, `YYYY-MM-DD`.
        public var day: String
        /// Distinct users that day.
        public var dau: Int
        /// Distinct users in the 7 local days ending that day.
        public var wau: Int
        /// Distinct users in the 30 local days ending that day.
        public var mau: Int
        /// DAU / MAU; `nil` when MAU is 0.
        public var stickiness: Double?
    }

    /// The IANA time zone the days follow.
    public var timeZone: String
    /// One row per local day in the range.
    public var rows: [Row]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range (its local day is included).
    ///   - to: The end of the range (excluded).
    ///   - timeZone: An IANA time zone name.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or more than
    ///   ``ReportError/maximumRows`` days, or an unknown time zone.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        timeZone: String,
        client: PostgresClient,
        logger: Logger
    ) async throws
        -> ActiveUsersReport
    {
        try ReportError.requireRange(from: from, to: to)
        try ReportError.requireRows(from: from, to: to, unit: "day", length: ActivityReport.Bucket.day.length)
        let zone = try await TimeZoneCheck.resolve(timeZone, client: client, logger: logger)
        let rows = try await ReportQuery.activeUsers.rows(
            [from.rfc3339, to.rfc3339, zone],
            client: client,
            logger: logger
        )
        return ActiveUsersReport(
            timeZone: timeZone,
            rows: try rows.map { row in
                let (day, dau, wau, mau, stickiness) = try row.decode((String, Int, Int, Int, Double?).self)
                return Row(day: day, dau: dau, wau: wau, mau: mau, stickiness: stickiness)
            }
        )
    }

    /// One row per day.
    public var table: ReportTable {
        ReportTable(
            columns: ["day", "dau", "wau", "mau", "stickiness"],
            rows: rows.map { row in
                [row.day, "\(row.dau)", "\(row.wau)", "\(row.mau)", row.stickiness.map { JSONText.number(($0 * 10_000).rounded() / 10_000) }]
            }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("tz", JSONText.string(timeZone)),
            (
                "rows",
                JSONText.array(
                    rows.map { row in
                        JSONText.object([
                            ("day", JSONText.string(row.day)), ("dau", "\(row.dau)"), ("wau", "\(row.wau)"),
                            ("mau", "\(row.mau)"), ("stickiness", JSONText.number(row.stickiness)),
                        ])
                    }
                )
            ),
        ])
    }
}

extension ActiveUsersReport: ReportDefinition {
    public static let name = "active-users"
    public static let summary = "DAU, WAU, MAU and stickiness for each local day of a range."
    public static let parameters = ReportParameter.range

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> ActiveUsersReport {
        try await run(from: arguments.time("from"), to: arguments.time("to"), timeZone: arguments.text("tz"), client: client, logger: logger)
    }
}
