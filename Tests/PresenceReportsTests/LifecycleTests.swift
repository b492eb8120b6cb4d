import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceTestSupport
import Testing

/// `presence report lifecycle` (DESIGN.md, "Cohorts and lifecycle") against the definition
/// computed in Swift, with the periods' edges from Foundation's calendar, apart from the SQL.
@Suite("Lifecycle of users")
struct LifecycleTests {
    let logger = TestDatabase.logger
    static let minute: Int64 = 60_000_000
    static let day: Int64 = 1_440 * minute

    /// The rows by the definition, as "new returning resurrecting dormant" per period start:
    /// the periods are [starts[i], starts[i + 1]), the first being the one before the range.
    static func expected(_ events: Set<SeenEvent>, starts: [Int64]) -> [String] {
        // The period of a moment: -1 before the first start.
        func period(_ time: Int64) -> Int { (starts.lastIndex { $0 <= time } ?? -1) }
        let first = Dictionary(grouping: events, by: \.user).mapValues { period($0.map(\.at.microsecondsSince1970).min()!) }
        var active: [Int: Set<String>] = [:]
        for event in events { active[period(event.at.microsecondsSince1970), default: []].insert(event.user) }
        return (1..<(starts.count - 1)).map { p in
            let now = active[p] ?? []
            let before = active[p - 1] ?? []
            let new = now.filter { first[$0] == p }.count
            let returning = now.intersection(before).count
            let resurrecting = now.subtracting(before).filter { first[$0]! < p - 1 }.count
            let dormant = -before.subtracting(now).count
            return "\(RFC3339.format(starts[p])) \(new) \(returning) \(resurrecting) \(dormant)"
        }
    }

    func rows(_ report: LifecycleReport) -> [String] {
        report.rows.map { "\($0.start.rfc3339) \($0.new) \($0.returning) \($0.resurrecting) \($0.dormant)" }
    }

    @Test("by hand: Berlin's months across the change to summer time and a 31-day March, a late first event, a duplicate")
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
        ]
        // cat's first event, in January in Berlin, arrives last.
        let late = ReportFixture.event("cat", "2026-01-31T22:30:00Z")
        try await ReportFixture.withProjected(events + [events[0]]) { client in
            func months() async throws -> [String] {
                rows(
                    try await LifecycleReport.run(
                        from: ReportFixture.at("2026-02-10T00:00:00Z"),
                        to: ReportFixture.at("2026-04-02T00:00:00Z"),
                        period: .month,
                        timeZone: "Europe/Berlin",
                        client: client,
                        logger: logger
                    )
                )
            }
            // February: cat new, ann returning, bob dormant. March: dee new, ann returning, cat
            // dormant. April: bob back after March, ann and dee gone.
            #expect(
                try await months() == [
                    "2026-01-31T23:00:00Z 1 1 0 -1", "2026-02-28T23:00:00Z 1 1 0 -1", "2026-03-31T22:00:00Z 0 0 1 -2",
                ]
            )
            try await TestDatabase.store([late], client)
            try await TestDatabase.projectAll(client, count: events.count + 1)
            // cat now began in January: returning in February.
            #expect(
                try await months() == [
                    "2026-01-31T23:00:00Z 0 2 0 -1", "2026-02-28T23:00:00Z 1 1 0 -1", "2026-03-31T22:00:00Z 0 0 1 -2",
                ]
            )
        }
    }

    @Test("ISO weeks across the turn of the year: 2026 has 53")
    func isoWeeks() async throws {
        let events = [
            ReportFixture.event("ann", "2026-12-22T10:00:00Z"),
            ReportFixture.event("ann", "2026-12-31T23:59:59Z"),
            ReportFixture.event("ann", "2027-01-03T23:59:59Z"),
            ReportFixture.event("bob", "2027-01-01T00:00:00Z"),
            ReportFixture.event("bob", "2027-01-04T00:00:00Z"),
        ]
        try await ReportFixture.withProjected(events) { client in
            let report = try await LifecycleReport.run(
                from: ReportFixture.at("2026-12-28T00:00:00Z"),
                to: ReportFixture.at("2027-01-05T00:00:00Z"),
                period: .week,
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            // Week 53 of 2026 (Monday 28 December) holds both years' days: ann once, bob new.
            #expect(rows(report) == ["2026-12-28T00:00:00Z 1 1 0 0", "2027-01-04T00:00:00Z 0 1 0 -1"])
            #expect(report.rows.map(\.end.rfc3339) == ["2027-01-04T00:00:00Z", "2027-01-11T00:00:00Z"])
            #expect(
                report.json
                    == #"{"period":"week","tz":"UTC","rows":[{"start":"2026-12-28T00:00:00Z","new":1,"returning":1,"resurrecting":0,"dormant":0},"#
                    + #"{"start":"2027-01-04T00:00:00Z","new":0,"returning":1,"resurrecting":0,"dormant":-1}]}"#
            )
        }
    }

    /// A seeded stream of events of a dozen users over four months, each on some days only,
    /// with long absences, some at local midnights.
    static func events(seed: UInt64) -> [SeenEvent] {
        var random = SplitMix64(seed: seed)
        let start = ReportFixture.at("2026-01-01T00:00:00Z").microsecondsSince1970
        var events: [SeenEvent] = []
        for user in (0..<12).map({ "u\($0)" }) {
            let joins = Int64(random.next() % 100)
            let every = 1 + Int64(random.next() % 20)
            var day = joins
            while day < 120 {
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let at = start + day * Self.day + Int64(random.next() % UInt64(Self.day))
                    events.append(
                        SeenEvent(
                            id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                            user: user,
                            at: Timestamp(microsecondsSince1970: at),
                            location: nil
                        )
                    )
                }
                day += 1 + Int64(random.next() % UInt64(2 * every))
            }
        }
        return events
    }

    @Test(
        "every period equals the definition: days, weeks and months in three zones, events in any order and twice, packed days, rebuilt",
        arguments: 1...4
    )
    func matchesDefinition(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed &* 7_919)
        let events = Self.events(seed: seed)
        var arrivals = events.shuffled(using: &random)
        arrivals += arrivals.shuffled(using: &random).prefix(arrivals.count / 5)
        let cases: [(CohortPeriod, String, String, String)] = [
            (.month, "Europe/Berlin", "2026-01-20T00:00:00Z", "2026-05-01T00:00:00Z"),
            (.week, "America/New_York", "2026-02-01T00:00:00Z", "2026-04-30T00:00:00Z"),
            (.day, "Asia/Kolkata", "2026-03-01T00:00:00Z", "2026-04-10T00:00:00Z"),
            (.day, "Europe/Berlin", "2026-03-20T00:00:00Z", "2026-04-05T00:00:00Z"),
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
                for (period, zone, from, to) in cases {
                    let (from, to) = (ReportFixture.at(from), ReportFixture.at(to))
                    let report = try await LifecycleReport.run(from: from, to: to, period: period, timeZone: zone, client: client, logger: logger)
                    let expected = Self.expected(Set(events), starts: ReportFixture.periodStarts(period, zone: zone, from: from, to: to))
                    #expect(rows(report) == expected, "\(period) in \(zone), \(round)")
                }
            }
        }
    }

    @Test("the lifecycle reads only the activity of its periods and the one before, through the indexes")
    func boundedPlans() async throws {
        // Two weeks asked about, and the same users months before and after, which the report
        // must not read; all but the last day's activity is packed.
        let events = (0..<30).flatMap { user -> [SeenEvent] in
            let days = ["2026-06-01", "2026-11-18"] + (user < 20 ? ["2026-11-25"] : []) + ["2027-01-15"]
            return days.map { SeenEvent(user: "u\(user)", at: ReportFixture.at("\($0)T10:00:00Z") + .seconds(600 * user)) }
        }
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .zero
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() == 3)
            try await client.query("ANALYZE user_activity, user_activity_days", logger: logger)
            let sql = try ReportQuery.lifecycle.sql.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()
            let nodes = try TestDatabase.plans(
                running: """
                    SET enable_seqscan = off;
                    PREPARE lifecycle AS \(sql);
                    EXECUTE lifecycle('2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z', 'week', 'UTC');
                    """,
                on: settings
            ).flatMap(\.root.allNodes)
            let activity = nodes.filter { ["user_activity", "user_activity_days"].contains($0.relationName) }
            #expect(!activity.isEmpty && activity.allSatisfy(\.readsThroughIndex), "\(activity.map(\.nodeType))")
            // The 30 users' day of the week before and the 20 of the week asked about.
            #expect(activity.map(\.rowsRead).reduce(0, +) == 50, "\(activity.map { ($0.relationName, $0.rowsRead) })")
        }
    }
}
