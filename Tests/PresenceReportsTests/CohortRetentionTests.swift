import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceTestSupport
import Testing

/// `presence report retention` (DESIGN.md, "Cohorts and lifecycle") against the definition
/// computed in Swift, with the periods' edges from Foundation's calendar, apart from the SQL.
@Suite("Retention of cohorts")
struct CohortRetentionTests {
    let logger = TestDatabase.logger

    /// The triangle by the definition, as "start size retained… complete" per cohort: the
    /// cohorts are the periods of `starts` from the second (the first is the one before the
    /// range) that start before `to` and by `asOf`; each runs to the period holding `asOf`.
    static func expected(_ events: Set<SeenEvent>, starts: [Int64], to: Timestamp, asOf: Timestamp) -> [String] {
        let last = starts.lastIndex { $0 <= asOf.microsecondsSince1970 }!
        return (1...last).filter { starts[$0] < to.microsecondsSince1970 }.map { cohort in
            let cells = (cohort...last).map { Self.users(events, starts: starts, cohort: cohort, period: $0).count }
            let complete = (cohort...last).filter { starts[$0 + 1] <= asOf.microsecondsSince1970 }.count
            return "\(RFC3339.format(starts[cohort])) \(cells[0]) \(cells.map(String.init).joined(separator: ",")) \(complete)"
        }
    }

    /// The users whose first event lies in period `cohort` of `starts` with an event in
    /// period `period`, by the definition.
    static func users(_ events: Set<SeenEvent>, starts: [Int64], cohort: Int, period: Int) -> Set<String> {
        func index(_ time: Int64) -> Int { starts.lastIndex { $0 <= time } ?? -1 }
        let first = Dictionary(grouping: events, by: \.user).mapValues { index($0.map(\.at.microsecondsSince1970).min()!) }
        return Set(events.filter { index($0.at.microsecondsSince1970) == period && first[$0.user] == cohort }.map(\.user))
    }

    func rows(_ report: RetentionReport) -> [String] {
        report.cohorts.map { "\($0.start.rfc3339) \($0.size) \($0.retained.map(String.init).joined(separator: ",")) \($0.complete)" }
    }

    @Test("by hand: Berlin's months across the change to summer time and a 31-day March, a late first event, a duplicate, a cell's users")
    func byHand() async throws {
        let events = [
            ReportFixture.event("ann", "2026-01-15T10:00:00Z"),
            ReportFixture.event("ann", "2026-02-10T10:00:00Z"),
            // The last second of March in Berlin (summer time since the 29th).
            ReportFixture.event("ann", "2026-03-31T21:59:59Z"),
            ReportFixture.event("bob", "2026-01-20T10:00:00Z"),
            // The first moment of April in Berlin.
            ReportFixture.event("bob", "2026-03-31T22:00:00Z"),
            ReportFixture.event("cat", "2026-02-05T10:00:00Z"),
            // The first moment of March in Berlin (winter time).
            ReportFixture.event("dee", "2026-02-28T23:00:00Z"),
            // After the moment asked about, in its month: it counts, the month being whole.
            ReportFixture.event("dee", "2026-04-20T10:00:00Z"),
        ]
        // cat's first event, in January in Berlin, arrives last.
        let late = ReportFixture.event("cat", "2026-01-31T22:30:00Z")
        try await ReportFixture.withProjected(events + [events[0]]) { client in
            func report(_ users: (Timestamp, Int)? = nil) async throws -> RetentionReport {
                try await RetentionReport.run(
                    from: ReportFixture.at("2026-01-10T00:00:00Z"),
                    to: ReportFixture.at("2026-04-01T00:00:00Z"),
                    period: .month,
                    timeZone: "Europe/Berlin",
                    asOf: ReportFixture.at("2026-04-10T00:00:00Z"),
                    users: users.map { (cohort: $0.0, number: $0.1) },
                    client: client,
                    logger: logger
                )
            }
            // January: ann and bob; February: cat; March: dee; April (begun, not ended): none.
            #expect(
                try await rows(report()) == [
                    "2025-12-31T23:00:00Z 2 2,1,1,1 3", "2026-01-31T23:00:00Z 1 1,0,0 2", "2026-02-28T23:00:00Z 1 1,1 1",
                    "2026-03-31T22:00:00Z 0 0 0",
                ]
            )
            try await TestDatabase.store([late], client)
            try await TestDatabase.projectAll(client, count: events.count + 1)
            // cat now began in January, and came back in February.
            let triangle = try await report()
            #expect(
                rows(triangle) == [
                    "2025-12-31T23:00:00Z 3 3,2,1,1 3", "2026-01-31T23:00:00Z 0 0,0,0 2", "2026-02-28T23:00:00Z 1 1,1 1",
                    "2026-03-31T22:00:00Z 0 0 0",
                ]
            )
            #expect(
                triangle.json
                    == #"{"period":"month","tz":"Europe/Berlin","as_of":"2026-04-10T00:00:00Z","cohorts":["#
                    + #"{"start":"2025-12-31T23:00:00Z","size":3,"retained":[3,2,1,1],"complete":3},"#
                    + #"{"start":"2026-01-31T23:00:00Z","size":0,"retained":[0,0,0],"complete":2},"#
                    + #"{"start":"2026-02-28T23:00:00Z","size":1,"retained":[1,1],"complete":1},"#
                    + #"{"start":"2026-03-31T22:00:00Z","size":0,"retained":[0],"complete":0}]}"#
            )
            #expect(triangle.table.columns == ["start", "size", "complete", "0", "1", "2", "3"])
            #expect(triangle.table.rows[3] == ["2026-03-31T22:00:00Z", "0", "0", "0", nil, nil, nil])

            // The cell of January's cohort in February, named by any moment of January.
            let cell = try #require(try await report((ReportFixture.at("2026-01-20T00:00:00Z"), 1)).cell)
            #expect(cell.users == ["ann", "cat"])
            #expect(
                [cell.cohortStart, cell.start, cell.end].map(\.rfc3339) == ["2025-12-31T23:00:00Z", "2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z"]
            )
            let empty = try #require(try await report((ReportFixture.at("2026-01-31T23:00:00Z"), 2)).cell)
            #expect(empty.users.isEmpty && empty.start.rfc3339 == "2026-03-31T22:00:00Z")
            #expect(
                try await report((ReportFixture.at("2026-01-31T23:00:00Z"), 2)).json
                    == #"{"period":"month","tz":"Europe/Berlin","as_of":"2026-04-10T00:00:00Z","cohort":"2026-01-31T23:00:00Z","n":2,"#
                    + #""start":"2026-03-31T22:00:00Z","end":"2026-04-30T22:00:00Z","users":[]}"#
            )
            // A period after the one holding as_of, and a cohort after the range.
            for (cohort, number) in [("2026-01-31T23:00:00Z", 3), ("2026-05-02T00:00:00Z", 0), ("2025-12-01T00:00:00Z", 0)] {
                let error = await #expect(throws: ReportError.self) { try await report((ReportFixture.at(cohort), number)) }
                #expect(error?.code == .noSuchCell, "\(cohort) \(number)")
            }
        }
    }

    @Test("ISO weeks across the turn of the year: 2026 has 53")
    func isoWeeks() async throws {
        let events = [
            ReportFixture.event("ann", "2026-12-22T10:00:00Z"),
            ReportFixture.event("ann", "2027-01-03T23:59:59Z"),
            ReportFixture.event("bob", "2027-01-01T00:00:00Z"),
            ReportFixture.event("bob", "2027-01-04T00:00:00Z"),
        ]
        try await ReportFixture.withProjected(events) { client in
            let report = try await RetentionReport.run(
                from: ReportFixture.at("2026-12-23T00:00:00Z"),
                to: ReportFixture.at("2027-01-05T00:00:00Z"),
                period: .week,
                timeZone: "UTC",
                asOf: ReportFixture.at("2027-01-06T00:00:00Z"),
                client: client,
                logger: logger
            )
            // Week 53 of 2026 (Monday 28 December) holds both years' days.
            #expect(
                rows(report) == ["2026-12-21T00:00:00Z 1 1,1,0 2", "2026-12-28T00:00:00Z 1 1,1 1", "2027-01-04T00:00:00Z 0 0 0"]
            )
        }
    }

    @Test("an as_of before the range gives no cohort; a triangle of too many cells is refused")
    func edges() async throws {
        try await ReportFixture.withProjected([ReportFixture.event("ann", "2026-03-02T10:00:00Z")]) { client in
            let before = try await RetentionReport.run(
                from: ReportFixture.at("2026-03-01T00:00:00Z"),
                to: ReportFixture.at("2026-04-01T00:00:00Z"),
                period: .day,
                timeZone: "UTC",
                asOf: ReportFixture.at("2026-02-01T00:00:00Z"),
                client: client,
                logger: logger
            )
            #expect(before.cohorts.isEmpty)
            let error = await #expect(throws: ReportError.self) {
                try await RetentionReport.run(
                    from: ReportFixture.at("2016-03-01T00:00:00Z"),
                    to: ReportFixture.at("2026-04-01T00:00:00Z"),
                    period: .day,
                    timeZone: "UTC",
                    asOf: ReportFixture.at("2026-04-01T00:00:00Z"),
                    client: client,
                    logger: logger
                )
            }
            #expect(error?.code == .rangeTooLong)
        }
    }

    @Test(
        "every cohort and cell equals the definition: days, weeks and months in three zones, events in any order and twice, packed days, rebuilt",
        arguments: 1...4
    )
    func matchesDefinition(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed &* 104_729)
        let events = LifecycleTests.events(seed: seed)
        var arrivals = events.shuffled(using: &random)
        arrivals += arrivals.shuffled(using: &random).prefix(arrivals.count / 5)
        let cases: [(CohortPeriod, String, String, String, String)] = [
            (.month, "Europe/Berlin", "2026-01-20T00:00:00Z", "2026-04-01T00:00:00Z", "2026-04-15T12:00:00Z"),
            (.week, "America/New_York", "2026-02-01T00:00:00Z", "2026-04-30T00:00:00Z", "2026-04-20T00:00:00Z"),
            (.day, "Asia/Kolkata", "2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z", "2026-04-10T00:00:00Z"),
            (.day, "Europe/Berlin", "2026-03-20T00:00:00Z", "2026-04-05T00:00:00Z", "2026-04-05T00:00:00Z"),
        ]
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.storeAndProject(arrivals, chunk: 80, random: &random, client)
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .zero
            for round in ["folded", "packed", "rebuilt"] {
                if round == "packed" {
                    #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() > 0)
                } else if round == "rebuilt" {
                    try await Projector(client: client, logger: logger).rebuild()
                }
                for (period, zone, from, to, asOf) in cases {
                    let (from, to, asOf) = (ReportFixture.at(from), ReportFixture.at(to), ReportFixture.at(asOf))
                    func run(_ users: (cohort: Timestamp, number: Int)? = nil) async throws -> RetentionReport {
                        try await RetentionReport.run(
                            from: from,
                            to: to,
                            period: period,
                            timeZone: zone,
                            asOf: asOf,
                            users: users,
                            client: client,
                            logger: logger
                        )
                    }
                    let starts = ReportFixture.periodStarts(period, zone: zone, from: from, to: max(to, asOf + .microseconds(1)))
                    let report = try await run()
                    #expect(rows(report) == Self.expected(Set(events), starts: starts, to: to, asOf: asOf), "\(period) in \(zone), \(round)")
                    // The users of the second cohort's cells, each by the definition.
                    let cohort = try #require(report.cohorts.dropFirst().first)
                    for number in cohort.retained.indices {
                        let cell = try #require(try await run((cohort.start, number)).cell)
                        let index = try #require(starts.firstIndex(of: cohort.start.microsecondsSince1970))
                        let expected = Self.users(Set(events), starts: starts, cohort: index, period: index + number)
                        #expect(cell.users == expected.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
                    }
                }
            }
        }
    }

    @Test("retention reads only the activity from its first cohort to the period holding as_of, through the indexes")
    func boundedPlans() async throws {
        // Two weeks asked about, and the same users months before and after, which the report
        // must not read; all but the last day's activity is packed.
        let events = (0..<30).flatMap { user -> [SeenEvent] in
            let days = ["2026-06-01", "2026-11-11"] + (user < 20 ? ["2026-11-18", "2026-11-25"] : []) + ["2027-01-15"]
            return days.map { SeenEvent(user: "u\(user)", at: ReportFixture.at("\($0)T10:00:00Z") + .seconds(600 * user)) }
        }
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .zero
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() == 4)
            try await client.query("ANALYZE user_activity, user_activity_days", logger: logger)
            for (query, parameters) in [
                (ReportQuery.retention, "'2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z', 'week', '2026-11-26T00:00:00Z', 'UTC'"),
                (
                    ReportQuery.retentionUsers,
                    "'2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z', 'week', '2026-11-26T00:00:00Z', '2026-11-16T00:00:00Z', 1, 'UTC'"
                ),
            ] {
                let sql = try query.sql.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()
                let nodes = try TestDatabase.plans(
                    running: """
                        SET enable_seqscan = off;
                        PREPARE report AS \(sql);
                        EXECUTE report(\(parameters));
                        """,
                    on: settings
                ).flatMap(\.root.allNodes)
                let activity = nodes.filter { ["user_activity", "user_activity_days"].contains($0.relationName) }
                #expect(!activity.isEmpty && activity.allSatisfy(\.readsThroughIndex), "\(query): \(activity.map(\.nodeType))")
                // The 20 users' days of the two weeks of the triangle (and, packed, of the days
                // before them that the planner's range holds), never those of June or January.
                let read = activity.map(\.rowsRead).reduce(0, +)
                #expect(read <= 70, "\(query): \(activity.map { ($0.relationName, $0.rowsRead) })")
            }
        }
    }
}
