import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// Peak and average concurrent users per local hour, day or ISO week
/// (`presence report concurrency`; DESIGN.md, "Concurrent users at t").
///
/// With the projector's threshold (`presence_settings.online_threshold`) it reads the
/// projection of online spans, so it costs the same after years of history and answers for
/// days retention has dropped from the log; with another threshold it reads the log's events
/// of the range.
public struct ConcurrencyReport: Sendable, Hashable {
    /// One bucket.
    public struct Row: Sendable, Hashable {
        /// The bucket's start.
        public var start: Timestamp
        /// The bucket's end (excluded).
        public var end: Timestamp
        /// The most users online at any moment of the bucket.
        public var peak: Int
        /// The first moment of the bucket with ``peak`` users online; `nil` when no one was.
        public var peakAt: Timestamp?
        /// Online user-seconds in the bucket divided by the bucket's seconds.
        public var average: Double
    }

    /// The bucket length.
    public var bucket: ActivityReport.Bucket
    /// The range asked for, and the zone its buckets follow.
    public var range: ReportRange
    /// The threshold: a user is online for this long after each event.
    public var threshold: Duration
    /// Every bucket that starts in [from rounded down to its bucket, to), in order.
    public var rows: [Row]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range; rounded down to its bucket.
    ///   - to: The end of the range (excluded).
    ///   - bucket: The bucket length.
    ///   - timeZone: An IANA time zone name, for example `Europe/Berlin`.
    ///   - threshold: How long a user is online after each event.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or more than
    ///   ``ReportError/maximumRows`` buckets, or an unknown time zone.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        bucket: ActivityReport.Bucket,
        timeZone: String,
        threshold: Duration = PresenceDefaults.onlineThreshold,
        client: PostgresClient,
        logger: Logger
    ) async throws -> ConcurrencyReport {
        try ReportError.requireRows(from: from, to: to, unit: bucket.rawValue, length: bucket.length, longerBucket: bucket != .week)
        let range = ReportRange(from: from, to: to, timeZone: timeZone)
        let rows = try await ReportQuery.concurrency.rows(
            range,
            between: [bucket.rawValue, "\(threshold.wholeMicroseconds) microseconds"],
            client: client,
            logger: logger
        )
        return ConcurrencyReport(
            bucket: bucket,
            range: range,
            threshold: threshold,
            rows: try rows.map { row in
                let (start, end, peak, peakAt, average) = try row.decode((Timestamp, Timestamp, Int, Timestamp?, Double).self)
                return Row(start: start, end: end, peak: peak, peakAt: peakAt, average: average)
            }
        )
    }

    /// One row per bucket; the average to four decimals.
    public var table: ReportTable {
        ReportTable(
            columns: ["start", "end", "peak", "peak_at", "average"],
            rows: rows.map {
                [$0.start.rfc3339, $0.end.rfc3339, "\($0.peak)", $0.peakAt?.rfc3339, JSONText.number(($0.average * 10_000).rounded() / 10_000)]
            }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("bucket", JSONText.string(bucket.rawValue)), ("tz", JSONText.string(range.timeZone)),
            ("threshold_seconds", JSONText.seconds(threshold)),
            (
                "rows",
                JSONText.array(
                    rows.map { row in
                        JSONText.object([
                            ("start", JSONText.time(row.start)), ("peak", "\(row.peak)"), ("peak_at", JSONText.time(row.peakAt)),
                            ("average", JSONText.number(row.average)),
                        ])
                    }
                )
            ),
        ])
    }
}

extension ConcurrencyReport: ReportDefinition {
    public static let name = "concurrency"
    public static let summary = "Peak (with its first moment) and average concurrent users per local hour, day or ISO week."
    public static let parameters = ReportParameter.range + [ActivityReport.bucketParameter, ReportParameter.threshold]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> ConcurrencyReport {
        try await run(
            from: arguments.time("from"),
            to: arguments.time("to"),
            bucket: ActivityReport.Bucket(rawValue: arguments.text("bucket")) ?? .hour,
            timeZone: arguments.text("tz"),
            threshold: arguments.duration("threshold"),
            client: client,
            logger: logger
        )
    }
}
