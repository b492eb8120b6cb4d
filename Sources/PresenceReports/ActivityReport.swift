import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// Events and distinct users per local hour, day or ISO week (`presence report activity`).
public struct ActivityReport: Sendable, Hashable {
    /// The length of a bucket.
    public enum Bucket: String, Sendable, Hashable, CaseIterable {
        /// A local hour.
        case hour
        /// A local day (23 or 25 hours across a daylight-saving change).
        case day
        /// An ISO week, starting on Monday.
        case week

        /// Its usual length (a local day or week across a change differs by an hour).
        var length: Duration {
            switch self {
            case .hour: .seconds(3_600)
            case .day: .seconds(86_400)
            case .week: .seconds(604_800)
            }
        }
    }

    /// One bucket.
    public struct Row: Sendable, Hashable {
        /// The bucket's start.
        public var start: Timestamp
        /// The bucket's end (excluded).
        public var end: Timestamp
        /// Events with a time in the bucket.
        public var events: Int
        /// Distinct users with an event in the bucket.
        public var users: Int
    }

    /// The bucket length.
    public var bucket: Bucket
    /// The range asked for, and the zone its buckets follow.
    public var range: ReportRange
    /// Every bucket that starts in [from rounded down to its bucket, to), in order.
    public var rows: [Row]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range; rounded down to its bucket.
    ///   - to: The end of the range (excluded).
    ///   - bucket: The bucket length.
    ///   - timeZone: An IANA time zone name, for example `Europe/Berlin`.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or more than
    ///   ``ReportError/maximumRows`` buckets, or an unknown time zone.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        bucket: Bucket,
        timeZone: String,
        client: PostgresClient,
        logger: Logger
    ) async throws -> ActivityReport {
        try ReportError.requireRows(from: from, to: to, unit: bucket.rawValue, length: bucket.length, longerBucket: bucket != .week)
        let range = ReportRange(from: from, to: to, timeZone: timeZone)
        let rows = try await ReportQuery.activity.rows(range, between: [bucket.rawValue], client: client, logger: logger)
        return ActivityReport(
            bucket: bucket,
            range: range,
            rows: try rows.map { row in
                let (start, end, events, users) = try row.decode((Timestamp, Timestamp, Int, Int).self)
                return Row(start: start, end: end, events: events, users: users)
            }
        )
    }

    /// One row per bucket.
    public var table: ReportTable {
        ReportTable(
            columns: ["start", "end", "events", "users"],
            rows: rows.map { [$0.start.rfc3339, $0.end.rfc3339, "\($0.events)", "\($0.users)"] }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("bucket", JSONText.string(bucket.rawValue)), ("tz", JSONText.string(range.timeZone)),
            ("from", JSONText.time(range.from)), ("to", JSONText.time(range.to)),
            (
                "rows",
                JSONText.array(
                    rows.map { row in
                        JSONText.object([
                            ("start", JSONText.time(row.start)), ("events", "\(row.events)"), ("users", "\(row.users)"),
                        ])
                    }
                )
            ),
        ])
    }
}

extension ActivityReport: ReportDefinition {
    public static let name = "activity"
    public static let summary = "Events and distinct users per local hour, day or ISO week; every bucket listed."
    public static let parameters = ReportParameter.range + [bucketParameter]

    /// `bucket`: hour, day or week, `hour` when not given.
    public static let bucketParameter = ReportParameter(
        "bucket",
        .choice(Bucket.allCases.map(\.rawValue)),
        default: .text(Bucket.hour.rawValue),
        help: "The bucket: hour, day or week (ISO, Monday start)."
    )

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> ActivityReport {
        try await run(
            from: arguments.time("from"),
            to: arguments.time("to"),
            bucket: Bucket(rawValue: arguments.text("bucket")) ?? .hour,
            timeZone: arguments.text("tz"),
            client: client,
            logger: logger
        )
    }
}
