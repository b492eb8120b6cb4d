import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// Every report of one range, as `presence report all` writes them and the HTML page shows
/// them: activity over time, concurrent users, the hour-by-weekday rhythm, session durations,
/// active users, the retention of cohorts and the lifecycle, and the users online and the
/// busiest locations at a moment.
public struct ReportSet: Sendable, Hashable {
    /// What to report on.
    public struct Configuration: Sendable, Hashable {
        /// The start of the range.
        public var from: Timestamp
        /// The end of the range (excluded).
        public var to: Timestamp
        /// The IANA time zone of buckets, hours and days. Default `UTC`.
        public var timeZone = "UTC"
        /// The activity bucket; `nil` picks one by the range's length (see ``bucket(from:to:)``).
        public var bucket: ActivityReport.Bucket?
        /// The session gap. Default 30 minutes.
        public var gap = PresenceDefaults.sessionGap
        /// The moment of the online list.
        public var onlineAt: Timestamp
        /// How recent a last seen counts as online. Default 5 minutes.
        public var onlineThreshold = PresenceDefaults.onlineThreshold
        /// When the page says it was made. Default: when the
        /// configuration is made.
        public var generatedAt = Timestamp.now

        /// Creates a configuration for a range, with the online list as of `onlineAt`.
        public init(from: Timestamp, to: Timestamp, onlineAt: Timestamp) {
            self.from = from
            self.to = to
            self.onlineAt = onlineAt
        }
    }

    /// What was reported on.
    public var configuration: Configuration
    /// Events and distinct users per bucket.
    public var activity: ActivityReport
    /// Peak and average concurrent users per bucket (the activity's), with
    /// ``Configuration/onlineThreshold``.
    public var concurrency: ConcurrencyReport
    /// Peak and average concurrent users per local day: each day's peak, which the page marks.
    public var dailyConcurrency: ConcurrencyReport
    /// Events and distinct users per local hour of each weekday.
    public var hourByWeekday: HourByWeekdayReport
    /// Session durations.
    public var sessions: SessionsReport
    /// DAU, WAU, MAU and stickiness per day.
    public var activeUsers: ActiveUsersReport
    /// The retention triangle of the cohorts that start in the range, by
    /// ``cohortPeriod(from:to:)``, running to the range's end or to
    /// ``Configuration/generatedAt`` if that is earlier.
    public var retention: RetentionReport
    /// New, returning, resurrecting and dormant users per period of the retention's length.
    public var lifecycle: LifecycleReport
    /// The users online at ``Configuration/onlineAt``.
    public var online: OnlineReport
    /// The busiest locations at ``Configuration/onlineAt``.
    public var locations: LocationsReport
    /// The local date and time of every moment the page names.
    public var clock: LocalClock

    /// The bucket that shows a range best as a chart: hours up to 14 days (at most 336
    /// bars), days up to 26 weeks, weeks beyond.
    public static func bucket(from: Timestamp, to: Timestamp) -> ActivityReport.Bucket {
        let days = (to - from).wholeSeconds / 86_400
        return days <= 14 ? .hour : days <= 182 ? .day : .week
    }

    /// The cohort period that shows a range best: days up to 31 days, ISO weeks up to 26
    /// weeks, months beyond.
    public static func cohortPeriod(from: Timestamp, to: Timestamp) -> CohortPeriod {
        let days = (to - from).wholeSeconds / 86_400
        return days <= 31 ? .day : days <= 182 ? .week : .month
    }

    /// Runs every report.
    ///
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or an unknown time zone.
    public static func run(configuration: Configuration, client: PostgresClient, logger: Logger) async throws -> ReportSet {
        let from = configuration.from
        let to = configuration.to
        let zone = configuration.timeZone
        let activity = try await ActivityReport.run(
            from: from,
            to: to,
            bucket: configuration.bucket ?? bucket(from: from, to: to),
            timeZone: zone,
            client: client,
            logger: logger
        )
        let concurrency = try await ConcurrencyReport.run(
            from: from,
            to: to,
            bucket: activity.bucket,
            timeZone: zone,
            threshold: configuration.onlineThreshold,
            client: client,
            logger: logger
        )
        let dailyConcurrency =
            activity.bucket == .day
            ? concurrency
            : try await ConcurrencyReport.run(
                from: from,
                to: to,
                bucket: .day,
                timeZone: zone,
                threshold: configuration.onlineThreshold,
                client: client,
                logger: logger
            )
        let period = cohortPeriod(from: from, to: to)
        let retention = try await RetentionReport.run(
            from: from,
            to: to,
            period: period,
            timeZone: zone,
            asOf: min(configuration.generatedAt, to - .microseconds(1)),
            client: client,
            logger: logger
        )
        let lifecycle = try await LifecycleReport.run(from: from, to: to, period: period, timeZone: zone, client: client, logger: logger)
        let online = try await OnlineReport.run(
            at: configuration.onlineAt,
            threshold: configuration.onlineThreshold,
            client: client,
            logger: logger
        )
        let moments =
            [from, to, configuration.onlineAt, configuration.generatedAt] + activity.rows.map(\.start)
            + online.users.prefix(ReportPage.onlineListLength).compactMap(\.lastSeen) + dailyConcurrency.rows.compactMap(\.peakAt)
            + retention.cohorts.map(\.start) + lifecycle.rows.map(\.start)
        return ReportSet(
            configuration: configuration,
            activity: activity,
            concurrency: concurrency,
            dailyConcurrency: dailyConcurrency,
            hourByWeekday: try await HourByWeekdayReport.run(
                from: from,
                to: to,
                timeZone: zone,
                client: client,
                logger: logger
            ),
            sessions: try await SessionsReport.run(
                from: from,
                to: to,
                gap: configuration.gap,
                client: client,
                logger: logger
            ),
            activeUsers: try await ActiveUsersReport.run(
                from: from,
                to: to,
                timeZone: zone,
                client: client,
                logger: logger
            ),
            retention: retention,
            lifecycle: lifecycle,
            online: online,
            locations: try await LocationsReport.run(
                at: configuration.onlineAt,
                threshold: configuration.onlineThreshold,
                limit: ReportPage.locationListLength,
                client: client,
                logger: logger
            ),
            clock: try await LocalClock.read(
                Set(moments),
                zone: try await TimeZoneCheck.resolve(zone, client: client, logger: logger),
                client: client,
                logger: logger
            )
        )
    }

    /// Each report's name, table and JSON, in the order the page shows them.
    public var files: [(name: String, table: ReportTable, json: String)] {
        [
            ("activity", activity.table, activity.json),
            ("concurrency", concurrency.table, concurrency.json),
            ("hour-by-weekday", hourByWeekday.table, hourByWeekday.json),
            ("sessions", sessions.table, sessions.json),
            ("active-users", activeUsers.table, activeUsers.json),
            ("retention", retention.table, retention.json),
            ("lifecycle", lifecycle.table, lifecycle.json),
            ("online", online.table, online.json),
            ("locations", locations.table, locations.json),
        ]
    }

    /// Writes every report as `NAME.csv` and `NAME.json`, and the page as `index.html`, into
    /// a folder, creating it when missing.
    ///
    /// - Parameter folder: The folder's path.
    /// - Returns: The paths written, the page last.
    /// - Throws: ``ReportError`` with code ``ReportError/Code/unwritableOutput`` when the
    ///   folder cannot be made or a file cannot be written.
    public func write(toFolder folder: String) throws -> [String] {
        let base = URL(filePath: folder, directoryHint: .isDirectory)
        var written: [String] = []
        func write(_ text: String, _ name: String) throws {
            let url = base.appending(path: name)
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw ReportError(
                    .unwritableOutput,
                    "Cannot write \(url.path(percentEncoded: false)): \(error.localizedDescription)"
                )
            }
            written.append(url.path(percentEncoded: false))
        }
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        } catch {
            throw ReportError(.unwritableOutput, "Cannot create the folder \(folder): \(error.localizedDescription)")
        }
        for file in files {
            try write(file.table.render(.csv), file.name + ".csv")
            try write(file.json + "\n", file.name + ".json")
        }
        try write(ReportPage(reports: self, linksToFiles: true).html, "index.html")
        return written
    }
}
