import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

/// How long sessions last (`presence report sessions`).
public struct SessionsReport: Sendable, Hashable {
    /// One bin of the duration histogram: [min, max) seconds; the last has no max.
    public struct Bin: Sendable, Hashable {
        /// The shortest duration in the bin, in seconds.
        public var minSeconds: Int
        /// The first duration no longer in the bin, in seconds; `nil` for the last bin.
        public var maxSeconds: Int?
        /// How many sessions fall in it.
        public var sessions: Int
    }

    /// DESIGN.md's bins: [0, 1 min), [1, 5 min), [5, 15 min), [15, 30 min), [30 min, 1 h),
    /// [1 h, 2 h), [2 h, ∞).
    public static let binEdges: [Int] = [0, 60, 300, 900, 1_800, 3_600, 7_200]

    /// The session gap.
    public var gap: Duration
    /// The range whose starting sessions are counted.
    public var from: Timestamp
    /// The end of the range (excluded).
    public var to: Timestamp
    /// How many sessions start in the range.
    public var count: Int
    /// Their mean duration in seconds; `nil` when there are none.
    public var meanSeconds: Double?
    /// The 50th, 90th and 99th percentiles of their durations (linear interpolation, as
    /// `percentile_cont`); `nil` when there are none.
    public var p50Seconds: Double?
    /// The 90th percentile.
    public var p90Seconds: Double?
    /// The 99th percentile.
    public var p99Seconds: Double?
    /// The duration histogram.
    public var histogram: [Bin]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range.
    ///   - to: The end of the range (excluded).
    ///   - gap: The session gap, whole seconds; with the projector's, the projection answers.
    ///   - timeZone: The IANA time zone of the front end's range, checked as every report of a
    ///     range checks it; the range itself is absolute. Default `UTC`.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or an unknown time zone.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        gap: Duration,
        timeZone: String = "UTC",
        client: PostgresClient,
        logger: Logger
    ) async throws
        -> SessionsReport
    {
        try ReportError.requireRange(from: from, to: to)
        try await TimeZoneCheck.resolve(timeZone, client: client, logger: logger)
        let rows = try await ReportQuery.sessions.rows(
            [from.rfc3339, to.rfc3339, "\(gap.wholeSeconds) seconds"],
            client: client,
            logger: logger
        )
        guard let row = rows.first else { throw StoreError(.databaseFailed, "PostgreSQL answered the sessions report with no row.") }
        let columns = try row.decode((Int, Double?, Double?, Double?, Double?, Int, Int, Int, Int, Int, Int, Int).self)
        let counts = [columns.5, columns.6, columns.7, columns.8, columns.9, columns.10, columns.11]
        let histogram = counts.enumerated().map { index, sessions in
            Bin(
                minSeconds: binEdges[index],
                maxSeconds: index + 1 < binEdges.count ? binEdges[index + 1] : nil,
                sessions: sessions
            )
        }
        return SessionsReport(
            gap: gap,
            from: from,
            to: to,
            count: columns.0,
            meanSeconds: columns.1,
            p50Seconds: columns.2,
            p90Seconds: columns.3,
            p99Seconds: columns.4,
            histogram: histogram
        )
    }

    /// The summary first, then one row per bin.
    public var table: ReportTable {
        func number(_ value: Double?) -> String? { value.map { JSONText.number(($0 * 1000).rounded() / 1000) } }
        var rows: [[String?]] = [
            ["sessions", "\(count)"], ["mean_seconds", number(meanSeconds)], ["p50_seconds", number(p50Seconds)],
            ["p90_seconds", number(p90Seconds)], ["p99_seconds", number(p99Seconds)],
        ]
        rows += histogram.map { bin in
            ["[\(bin.minSeconds) s, \(bin.maxSeconds.map { "\($0) s" } ?? "∞"))", "\(bin.sessions)"]
        }
        return ReportTable(columns: ["measure", "value"], rows: rows)
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("gap_seconds", "\(gap.wholeSeconds)"), ("from", JSONText.time(from)), ("to", JSONText.time(to)),
            ("count", "\(count)"), ("mean_seconds", JSONText.number(meanSeconds)),
            ("p50_seconds", JSONText.number(p50Seconds)), ("p90_seconds", JSONText.number(p90Seconds)),
            ("p99_seconds", JSONText.number(p99Seconds)),
            (
                "histogram",
                JSONText.array(
                    histogram.map { bin in
                        JSONText.object([
                            ("min_seconds", "\(bin.minSeconds)"),
                            ("max_seconds", bin.maxSeconds.map { "\($0)" } ?? "null"),
                            ("sessions", "\(bin.sessions)"),
                        ])
                    }
                )
            ),
        ])
    }
}

extension SessionsReport: ReportDefinition {
    public static let name = "sessions"
    public static let summary = "Session count, mean, percentiles and duration histogram of the sessions that start in a range."
    public static let parameters =
        ReportParameter.range + [
            ReportParameter.duration(
                "gap",
                default: PresenceDefaults.sessionGap,
                help: "The session gap: 90s, 5m, 2h, 7d. With the projector's gap the projection answers."
            )
        ]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> SessionsReport {
        try await run(
            from: arguments.time("from"),
            to: arguments.time("to"),
            gap: arguments.duration("gap"),
            timeZone: arguments.text("tz"),
            client: client,
            logger: logger
        )
    }
}
