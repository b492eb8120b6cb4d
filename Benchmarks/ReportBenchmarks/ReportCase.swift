import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceReports

/// One report of the benchmarks, answered two ways: by the library from the projections, and by
/// the raw-log baseline. Both answers come out as the same plain rows, so that they can be
/// compared before any figure counts.
enum ReportCase: String, CaseIterable, Sendable {
    case activityByDay = "activity by day"
    case activityByHour = "activity by hour"
    case sessions = "sessions"
    case activeUsers = "active users"
    case concurrencyByHour = "concurrency by hour"
    case concurrencyByDay = "concurrency by day"
    case busiestLocations = "busiest locations"
    case onlineAtPrefix = "online at a prefix"
    case viewers = "viewers of a profile"
    case lifecycleByWeek = "lifecycle by week"
    case retentionByWeek = "retention by week"

    /// The moment the reports of presence ask about: noon of the last day, which both
    /// datasets hold (each is cut hours before the day's end).
    static let moment = Timestamp(rfc3339: "2026-10-31T12:00:00Z")!
    /// Their threshold, and the prefix asked about.
    static let threshold: Duration = .seconds(300)
    static let prefix = "/forum/"
    /// The profile whose viewers are asked for, over the 30 days before a moment that lies
    /// inside a quarter hour (as "now" does), so both ends read a partial quarter from the log.
    static let profile = "/profile/42"
    static let viewersTo = moment + .seconds(7 * 60 + 13)
    static let viewersFrom = viewersTo - .seconds(30 * 86_400)
    /// The moment the retention triangle runs to: fixed, a week and a half after the data
    /// ends, so that the answer stays the same from run to run.
    static let retentionAsOf = Timestamp(rfc3339: "2026-11-10T00:00:00Z")!

    /// An answer as rows of values; times in microseconds since 1970, durations in seconds.
    struct Answer: Sendable {
        var rows: [[Value]]
    }

    enum Value: Sendable, Hashable, CustomStringConvertible {
        case integer(Int64)
        case text(String)
        case real(Double?)

        /// Equal, with reals equal to 12 significant digits: a mean summed in another order
        /// may differ in its last bits.
        func matches(_ other: Value) -> Bool {
            switch (self, other) {
            case (.real(let a?), .real(let b?)):
                return a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b))
            default:
                return self == other
            }
        }

        var description: String {
            switch self {
            case .integer(let value): "\(value)"
            case .text(let value): value
            case .real(let value): value.map { "\($0)" } ?? "null"
            }
        }
    }

    /// The report from the projections, through the library.
    func projected(gapSeconds: Int64, client: PostgresClient, logger: Logger) async throws -> Answer {
        let (from, to, zone) = (ReportDataset.from, ReportDataset.to, ReportDataset.timeZone)
        switch self {
        case .activityByDay, .activityByHour:
            let report = try await ActivityReport.run(
                from: from,
                to: to,
                bucket: self == .activityByDay ? .day : .hour,
                timeZone: zone,
                client: client,
                logger: logger
            )
            return Answer(
                rows: report.rows.map {
                    [
                        .integer($0.start.microsecondsSince1970), .integer($0.end.microsecondsSince1970), .integer(Int64($0.events)),
                        .integer(Int64($0.users)),
                    ]
                }
            )
        case .sessions:
            let report = try await SessionsReport.run(from: from, to: to, gap: .seconds(gapSeconds), client: client, logger: logger)
            let summary: [Value] = [
                .integer(Int64(report.count)), .real(report.meanSeconds), .real(report.p50Seconds), .real(report.p90Seconds),
                .real(report.p99Seconds),
            ]
            return Answer(rows: [summary + report.histogram.map { .integer(Int64($0.sessions)) }])
        case .lifecycleByWeek:
            let report = try await LifecycleReport.run(from: from, to: to, period: .week, timeZone: zone, client: client, logger: logger)
            return Answer(
                rows: report.rows.map {
                    [
                        .integer($0.start.microsecondsSince1970), .integer(Int64($0.new)), .integer(Int64($0.returning)),
                        .integer(Int64($0.resurrecting)), .integer(Int64($0.dormant)),
                    ]
                }
            )
        case .retentionByWeek:
            let report = try await RetentionReport.run(
                from: from,
                to: to,
                period: .week,
                timeZone: zone,
                asOf: Self.retentionAsOf,
                client: client,
                logger: logger
            )
            return Answer(
                rows: report.cohorts.flatMap { cohort in
                    cohort.retained.enumerated().map { [.integer(cohort.start.microsecondsSince1970), .integer(Int64($0)), .integer(Int64($1))] }
                }
            )
        case .activeUsers:
            let report = try await ActiveUsersReport.run(from: from, to: to, timeZone: zone, client: client, logger: logger)
            return Answer(
                rows: report.rows.map {
                    [.text($0.day), .integer(Int64($0.dau)), .integer(Int64($0.wau)), .integer(Int64($0.mau)), .real($0.stickiness)]
                }
            )
        case .concurrencyByHour, .concurrencyByDay:
            let report = try await ConcurrencyReport.run(
                from: from,
                to: to,
                bucket: self == .concurrencyByDay ? .day : .hour,
                timeZone: zone,
                threshold: Self.threshold,
                client: client,
                logger: logger
            )
            return Answer(
                rows: report.rows.map {
                    [
                        .integer($0.start.microsecondsSince1970), .integer(Int64($0.peak)), .integer($0.peakAt?.microsecondsSince1970 ?? -1),
                        .real($0.average),
                    ]
                }
            )
        case .busiestLocations:
            let report = try await LocationsReport.run(at: Self.moment, threshold: Self.threshold, limit: 20, client: client, logger: logger)
            return Answer(rows: report.locations.map { [.text($0.location), .integer(Int64($0.users))] })
        case .viewers:
            let report = try await ViewersReport.run(
                location: Self.profile,
                from: Self.viewersFrom,
                to: Self.viewersTo,
                client: client,
                logger: logger
            )
            return Answer(rows: report.viewers.map { [.text($0.user), .integer(Int64($0.events)), .integer($0.lastSeen.microsecondsSince1970)] })
        case .onlineAtPrefix:
            let report = try await OnlineReport.run(
                at: Self.moment,
                threshold: Self.threshold,
                location: .prefix(Self.prefix),
                client: client,
                logger: logger
            )
            return Answer(
                rows: report.users.map { [.text($0.user), .integer($0.lastSeen?.microsecondsSince1970 ?? -1), .text($0.location ?? "")] }
            )
        }
    }

    /// The same report straight from the log (``RawLogReports``).
    func raw(gapSeconds: Int64, client: PostgresClient, logger: Logger) async throws -> Answer {
        let (from, to, zone) = (ReportDataset.from.rfc3339, ReportDataset.to.rfc3339, ReportDataset.timeZone)
        switch self {
        case .activityByDay, .activityByHour:
            let rows = try await RawLogReports.rows(
                RawLogReports.activity,
                [from, to, self == .activityByDay ? "day" : "hour", zone],
                client: client,
                logger: logger
            )
            return Answer(
                rows: try rows.map { row in
                    let (start, end, events, users) = try row.decode((Timestamp, Timestamp, Int64, Int64).self)
                    return [.integer(start.microsecondsSince1970), .integer(end.microsecondsSince1970), .integer(events), .integer(users)]
                }
            )
        case .sessions:
            let rows = try await RawLogReports.rows(RawLogReports.sessions, [from, to, "\(gapSeconds) seconds"], client: client, logger: logger)
            return Answer(
                rows: try rows.map { row in
                    let c = try row.decode((Int64, Double?, Double?, Double?, Double?, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
                    return [
                        .integer(c.0), .real(c.1), .real(c.2), .real(c.3), .real(c.4), .integer(c.5), .integer(c.6), .integer(c.7),
                        .integer(c.8), .integer(c.9), .integer(c.10), .integer(c.11),
                    ]
                }
            )
        case .lifecycleByWeek:
            let rows = try await RawLogReports.rows(RawLogReports.lifecycleByWeek, [from, to, zone], client: client, logger: logger)
            return Answer(
                rows: try rows.map { row in
                    let (start, new, returning, resurrecting, dormant) = try row.decode((Timestamp, Int64, Int64, Int64, Int64).self)
                    return [.integer(start.microsecondsSince1970), .integer(new), .integer(returning), .integer(resurrecting), .integer(dormant)]
                }
            )
        case .retentionByWeek:
            let rows = try await RawLogReports.rows(
                RawLogReports.retentionByWeek,
                [from, to, zone, Self.retentionAsOf.rfc3339],
                client: client,
                logger: logger
            )
            return Answer(
                rows: try rows.map { row in
                    let (cohort, number, users) = try row.decode((Timestamp, Int64, Int64).self)
                    return [.integer(cohort.microsecondsSince1970), .integer(number), .integer(users)]
                }
            )
        case .activeUsers:
            let rows = try await RawLogReports.rows(RawLogReports.activeUsers, [from, to, zone], client: client, logger: logger)
            return Answer(
                rows: try rows.map { row in
                    let (day, dau, wau, mau, stickiness) = try row.decode((String, Int64, Int64, Int64, Double?).self)
                    return [.text(day), .integer(dau), .integer(wau), .integer(mau), .real(stickiness)]
                }
            )
        case .concurrencyByHour, .concurrencyByDay:
            let rows = try await RawLogReports.rows(
                RawLogReports.concurrency,
                [from, to, self == .concurrencyByDay ? "day" : "hour", zone, "\(Self.threshold.wholeSeconds) seconds"],
                client: client,
                logger: logger
            )
            return Answer(
                rows: try rows.map { row in
                    let (start, peak, peakAt, average) = try row.decode((Timestamp, Int64, Timestamp?, Double).self)
                    return [.integer(start.microsecondsSince1970), .integer(peak), .integer(peakAt?.microsecondsSince1970 ?? -1), .real(average)]
                }
            )
        case .viewers:
            let rows = try await RawLogReports.rows(
                RawLogReports.viewers,
                [Self.profile, Self.viewersFrom.rfc3339, Self.viewersTo.rfc3339],
                client: client,
                logger: logger
            )
            return Answer(
                rows: try rows.map { row in
                    let (user, events, lastSeen) = try row.decode((String, Int64, Timestamp).self)
                    return [.text(user), .integer(events), .integer(lastSeen.microsecondsSince1970)]
                }
            )
        case .busiestLocations, .onlineAtPrefix:
            let (at, since) = (Self.moment.rfc3339, (Self.moment - Self.threshold).rfc3339)
            if self == .busiestLocations {
                let rows = try await RawLogReports.rows(RawLogReports.busiestLocations, [at, since], client: client, logger: logger)
                return Answer(rows: try rows.map { row in try row.decode((String, Int64).self) }.map { [.text($0.0), .integer($0.1)] })
            }
            let rows = try await RawLogReports.rows(RawLogReports.onlineAtPrefix, [at, since, Self.prefix], client: client, logger: logger)
            return Answer(
                rows: try rows.map { row in
                    let (user, lastSeen, location) = try row.decode((String, Timestamp, String).self)
                    return [.text(user), .integer(lastSeen.microsecondsSince1970), .text(location)]
                }
            )
        }
    }

    /// Stops the run with the first difference, unless the two answers agree.
    static func requireEqual(_ raw: Answer, _ projected: Answer, _ what: String) {
        guard raw.rows.count == projected.rows.count else {
            fatalError("\(what): the raw log gives \(raw.rows.count) rows, the projections \(projected.rows.count)")
        }
        for (index, (a, b)) in zip(raw.rows, projected.rows).enumerated() {
            guard a.count == b.count, zip(a, b).allSatisfy({ $0.matches($1) }) else {
                fatalError("\(what): row \(index) differs: raw log \(a), projections \(b)")
            }
        }
    }
}
