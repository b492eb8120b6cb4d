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

    /// The range asked for, and the zone its days follow.
    public var range: ReportRange
    /// One row per local day in the range.
    public var rows: [Row]

    /// Runs the report; the local day that holds `from` is included, and a range of more than
    /// ``ReportError/maximumRows`` days is refused.
    public static func run(_ range: ReportRange, client: PostgresClient, logger: Logger) async throws -> ActiveUsersReport {
        try ReportError.requireRows(from: range.from, to: range.to, unit: "day", length: ActivityReport.Bucket.day.length)
        let rows = try await ReportQuery.activeUsers.rows(range, client: client, logger: logger)
        return ActiveUsersReport(
            range: range,
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
            ("tz", JSONText.string(range.timeZone)),
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

extension ActiveUsersReport: ZonedRangeReport {
    public static let name = "active-users"
    public static let summary = "DAU, WAU, MAU and stickiness for each local day of a range."
}
