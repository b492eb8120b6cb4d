import Logging
import PostgresNIO
import PresenceModel

/// The retention triangle of the cohorts whose first local day, ISO week or month lies in a
/// range (`presence report retention`; DESIGN.md, "Cohorts and lifecycle"), or the users of
/// one of its cells (`--users COHORT_START N`).
///
/// It reads the activity rollup's rows from the first cohort's start to the period holding
/// ``asOf``; each row carries its user's first quarter hour, so it costs the same after years
/// of history and answers for days retention has dropped from the log.
public struct RetentionReport: Sendable, Hashable {
    /// The users whose first event ever lies in one period, and how many of them came back.
    public struct Cohort: Sendable, Hashable {
        /// The start of the cohort's period.
        public var start: Timestamp
        /// For N = 0, 1, … up to the period holding ``RetentionReport/asOf``: the cohort's
        /// users with an event in the period N after the cohort's. The first is its size.
        public var retained: [Int]
        /// How many of ``retained``, from the first, count periods that have ended by
        /// ``RetentionReport/asOf``; the rest (the last, the period holding it) have not.
        public var complete: Int

        /// The number of users in the cohort.
        public var size: Int { retained.first ?? 0 }
    }

    /// The users of one cell of the triangle.
    public struct Cell: Sendable, Hashable {
        /// The start of the cohort's period.
        public var cohortStart: Timestamp
        /// N: the cell's period is the N-th after the cohort's (0 is the cohort's own).
        public var number: Int
        /// The start of the cell's period.
        public var start: Timestamp
        /// The end of the cell's period (excluded).
        public var end: Timestamp
        /// The cohort's users with an event in the cell's period, by id.
        public var users: [String]
    }

    /// The period length.
    public var period: CohortPeriod
    /// The range the cohorts start in, and the zone their periods follow.
    public var range: ReportRange
    /// The moment the triangle runs to: it ends with the period that holds it.
    public var asOf: Timestamp
    /// Every cohort whose period starts in [from rounded down to its period, to) and has
    /// begun by ``asOf``, in order; empty when ``cell`` was asked for.
    public var cohorts: [Cohort]
    /// The cell whose users were asked for, if one was.
    public var cell: Cell?

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - from: The start of the range; rounded down to its period.
    ///   - to: The end of the range (excluded).
    ///   - period: The period length.
    ///   - timeZone: An IANA time zone name, for example `Europe/Berlin`.
    ///   - asOf: The moment the triangle runs to, usually now.
    ///   - users: A cell whose users to list instead: a time in the cohort's period and N.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to`, a triangle of more than
    ///   ``ReportError/maximumRows`` cells, an unknown time zone, or a cell not in the triangle.
    public static func run(
        from: Timestamp,
        to: Timestamp,
        period: CohortPeriod,
        timeZone: String,
        asOf: Timestamp,
        users: (cohort: Timestamp, number: Int)? = nil,
        client: PostgresClient,
        logger: Logger
    ) async throws -> RetentionReport {
        try ReportError.requireRows(from: from, to: to, unit: period.rawValue, length: period.shortest, longerBucket: period != .month)
        try requireCells(from: from, to: to, asOf: asOf, period: period)
        let range = ReportRange(from: from, to: to, timeZone: timeZone)
        var report = RetentionReport(period: period, range: range, asOf: asOf, cohorts: [], cell: nil)
        let between = [period.rawValue, asOf.rfc3339]
        if let users {
            let rows = try await ReportQuery.retentionUsers.rows(
                range,
                between: between + [users.cohort.rfc3339, "\(users.number)"],
                client: client,
                logger: logger
            )
            let decoded = try rows.map { try $0.decode((Timestamp, Timestamp, Timestamp, String?).self) }
            guard let first = decoded.first else {
                throw ReportError(
                    .noSuchCell,
                    "The cell \(users.cohort.rfc3339) \(users.number) is not in the triangle: give the start of a cohort in the range and a period up to the one holding \(asOf.rfc3339)."
                )
            }
            report.cell = Cell(cohortStart: first.0, number: users.number, start: first.1, end: first.2, users: decoded.compactMap(\.3))
            return report
        }
        let rows = try await ReportQuery.retention.rows(range, between: between, client: client, logger: logger)
        for row in rows {
            let (cohortStart, number, _, end, users) = try row.decode((Timestamp, Int, Timestamp, Timestamp, Int).self)
            if number == 0 { report.cohorts.append(Cohort(start: cohortStart, retained: [], complete: 0)) }
            report.cohorts[report.cohorts.count - 1].retained.append(users)
            if end <= asOf { report.cohorts[report.cohorts.count - 1].complete += 1 }
        }
        return report
    }

    /// Fails when the triangle could hold more than ``ReportError/maximumRows`` cells: its
    /// cohorts by the periods from the first to the one holding `asOf`.
    private static func requireCells(from: Timestamp, to: Timestamp, asOf: Timestamp, period: CohortPeriod) throws {
        let length = period.shortest.wholeMicroseconds
        let cohorts = max(0, (min(to, asOf) - from).wholeMicroseconds / length + 2)
        let width = max(0, (asOf - from).wholeMicroseconds / length + 2)
        guard cohorts * width <= ReportError.maximumRows else {
            throw ReportError(
                .rangeTooLong,
                "The triangle from \(from.rfc3339) to \(asOf.rfc3339) may hold \(cohorts * width) cells, more than the \(ReportError.maximumRows) a report lists: choose a later start, a shorter range\(period == .month ? "" : " or a longer period")."
            )
        }
    }

    /// The triangle, one row per cohort: its start, size, complete periods and a column per
    /// N; or the cell's users, one per row.
    public var table: ReportTable {
        if let cell {
            return ReportTable(columns: ["user"], rows: cell.users.map { [$0] })
        }
        let width = cohorts.map(\.retained.count).max() ?? 0
        return ReportTable(
            columns: ["start", "size", "complete"] + (0..<width).map { "\($0)" },
            rows: cohorts.map { cohort in
                [cohort.start.rfc3339, "\(cohort.size)", "\(cohort.complete)"] + cohort.retained.map { "\($0)" }
                    + Array(repeating: nil, count: width - cohort.retained.count)
            }
        )
    }

    /// The report in DESIGN.md's JSON shape, with `as_of` and each cohort's `complete`; for a
    /// cell, the cell and its users.
    public var json: String {
        var fields = [("period", JSONText.string(period.rawValue)), ("tz", JSONText.string(range.timeZone)), ("as_of", JSONText.time(asOf))]
        if let cell {
            fields += [
                ("cohort", JSONText.time(cell.cohortStart)), ("n", "\(cell.number)"), ("start", JSONText.time(cell.start)),
                ("end", JSONText.time(cell.end)), ("users", JSONText.array(cell.users.map(JSONText.string))),
            ]
            return JSONText.object(fields)
        }
        fields.append(
            (
                "cohorts",
                JSONText.array(
                    cohorts.map { cohort in
                        JSONText.object([
                            ("start", JSONText.time(cohort.start)), ("size", "\(cohort.size)"),
                            ("retained", JSONText.array(cohort.retained.map { "\($0)" })), ("complete", "\(cohort.complete)"),
                        ])
                    }
                )
            )
        )
        return JSONText.object(fields)
    }
}

extension RetentionReport: ReportDefinition {
    public static let name = "retention"
    public static let summary = "The retention triangle of the cohorts whose first local day, ISO week or month lies in the range."
    /// `as-of`: the moment the triangle runs to.
    static let asOfParameter = ReportParameter(
        "as-of",
        .time,
        default: .now,
        help: "The moment the triangle runs to: its last period, which has not ended, holds it."
    )
    /// `users`: a cell whose users to list.
    static let usersParameter = ReportParameter(
        "users",
        .cell,
        default: .absent,
        help: "List the users of one cell instead: a cohort's start and N, the period after it (0 is its own)."
    )
    public static let parameters = ReportParameter.range + [CohortPeriod.parameter, asOfParameter, usersParameter]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> RetentionReport {
        try await run(
            from: arguments.time("from"),
            to: arguments.time("to"),
            period: CohortPeriod(rawValue: arguments.text("period")) ?? .week,
            timeZone: arguments.text("tz"),
            asOf: arguments.time("as-of"),
            users: arguments.optionalCell("users"),
            client: client,
            logger: logger
        )
    }
}
