import Logging
import PostgresNIO
import PresenceModel

/// New, returning, resurrecting and dormant users per local day, ISO week or month
/// (`presence report lifecycle`; DESIGN.md, "Cohorts and lifecycle").
///
/// It reads the activity rollup's rows of the range and the period before it, whose
/// previous quarters tell each user's history before them, so it costs the same after years
/// of history and answers for days retention has dropped from the log.
public struct LifecycleReport: Sendable, Hashable {
    /// One period.
    public struct Row: Sendable, Hashable {
        /// The period's start.
        public var start: Timestamp
        /// The period's end (excluded).
        public var end: Timestamp
        /// Users whose first event ever lies in the period.
        public var new: Int
        /// Users active in the period and the one before, not new.
        public var returning: Int
        /// Users active in the period, not in the one before, but earlier.
        public var resurrecting: Int
        /// Users active in the period before and not in this one, as a negative number (0 or less).
        public var dormant: Int
    }

    /// The period length.
    public var period: CohortPeriod
    /// The range asked for, and the zone its periods follow.
    public var range: ReportRange
    /// Every period that starts in [from rounded down to its period, to), in order.
    public var rows: [Row]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range; rounded down to its period.
    ///   - to: The end of the range (excluded).
    ///   - period: The period length.
    ///   - timeZone: An IANA time zone name, for example `Europe/Berlin`.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or more than
    ///   ``ReportError/maximumRows`` periods, or an unknown time zone.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        period: CohortPeriod,
        timeZone: String,
        client: PostgresClient,
        logger: Logger
    ) async throws -> LifecycleReport {
        try ReportError.requireRows(from: from, to: to, unit: period.rawValue, length: period.shortest, longerBucket: period != .month)
        let range = ReportRange(from: from, to: to, timeZone: timeZone)
        let rows = try await ReportQuery.lifecycle.rows(range, between: [period.rawValue], client: client, logger: logger)
        return LifecycleReport(
            period: period,
            range: range,
            rows: try rows.map { row in
                let (start, end, new, returning, resurrecting, dormant) = try row.decode((Timestamp, Timestamp, Int, Int, Int, Int).self)
                return Row(start: start, end: end, new: new, returning: returning, resurrecting: resurrecting, dormant: dormant)
            }
        )
    }

    /// One row per period.
    public var table: ReportTable {
        ReportTable(
            columns: ["start", "end", "new", "returning", "resurrecting", "dormant"],
            rows: rows.map { [$0.start.rfc3339, $0.end.rfc3339, "\($0.new)", "\($0.returning)", "\($0.resurrecting)", "\($0.dormant)"] }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("period", JSONText.string(period.rawValue)), ("tz", JSONText.string(range.timeZone)),
            (
                "rows",
                JSONText.array(
                    rows.map { row in
                        JSONText.object([
                            ("start", JSONText.time(row.start)), ("new", "\(row.new)"), ("returning", "\(row.returning)"),
                            ("resurrecting", "\(row.resurrecting)"), ("dormant", "\(row.dormant)"),
                        ])
                    }
                )
            ),
        ])
    }
}

extension LifecycleReport: ReportDefinition {
    public static let name = "lifecycle"
    public static let summary = "New, returning, resurrecting and dormant users per local day, ISO week or month."
    public static let parameters = ReportParameter.range + [CohortPeriod.parameter]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> LifecycleReport {
        try await run(
            from: arguments.time("from"),
            to: arguments.time("to"),
            period: CohortPeriod(rawValue: arguments.text("period")) ?? .week,
            timeZone: arguments.text("tz"),
            client: client,
            logger: logger
        )
    }
}
