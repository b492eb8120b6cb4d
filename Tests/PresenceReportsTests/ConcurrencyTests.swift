import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceStore
import PresenceTestSupport
import Testing

/// `presence report concurrency` and `online --at` from the projection of online spans
/// (DESIGN.md, "Concurrent users at t"), against the definition computed in Swift.
@Suite("Concurrent users")
struct ConcurrencyTests {
    let logger = TestDatabase.logger
    static let minute: Int64 = 60_000_000
    static let threshold: Duration = .seconds(300)

    /// DESIGN.md's concurrency of a bucket computed from the events by the definition alone: a
    /// user is online at t when one of their events lies in [t - threshold, t]. The count
    /// rises only at an event, so the peak is reached at the bucket's start or at an event in
    /// it; the online seconds are each user's union of [at, at + threshold] cut to the bucket.
    struct Model {
        let events: [SeenEvent]
        let threshold: Int64

        func online(at moment: Int64) -> Int {
            Set(
                events.filter { $0.at.microsecondsSince1970 <= moment && moment <= $0.at.microsecondsSince1970 + threshold }.map(\.user)
            ).count
        }

        func row(start: Int64, end: Int64) -> (peak: Int, peakAt: Int64?, average: Double) {
            let moments = ([start] + events.map(\.at.microsecondsSince1970).filter { $0 >= start && $0 < end }).sorted()
            var peak = 0
            var peakAt: Int64?
            for moment in moments where online(at: moment) > peak {
                peak = online(at: moment)
                peakAt = moment
            }
            var microseconds: Int64 = 0
            for times in Dictionary(grouping: events, by: \.user).values.map({ $0.map(\.at.microsecondsSince1970).sorted() }) {
                var covered: (Int64, Int64)?
                for at in times {
                    let piece = (max(at, start), min(at + threshold, end))
                    guard piece.0 < piece.1 else { continue }
                    if let current = covered, piece.0 <= current.1 {
                        covered = (current.0, max(current.1, piece.1))
                    } else {
                        if let current = covered { microseconds += current.1 - current.0 }
                        covered = piece
                    }
                }
                if let current = covered { microseconds += current.1 - current.0 }
            }
            return (peak, peakAt, Double(microseconds) / Double(end - start))
        }
    }

    static func at(_ text: String) -> Int64 { ReportFixture.at(text).microsecondsSince1970 }

    /// Checks every row of a report against the model, over the buckets the report lists,
    /// whose starts are `starts`.
    func expectMatches(_ report: ConcurrencyReport, _ model: Model, starts: [Int64], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.rows.map(\.start.microsecondsSince1970) == starts, sourceLocation: sourceLocation)
        for row in report.rows {
            let expected = model.row(start: row.start.microsecondsSince1970, end: row.end.microsecondsSince1970)
            #expect(row.peak == expected.peak, "\(row.start)", sourceLocation: sourceLocation)
            #expect(row.peakAt?.microsecondsSince1970 == expected.peakAt, "\(row.start)", sourceLocation: sourceLocation)
            #expect(abs(row.average - expected.average) < 1e-9, "\(row.start): \(row.average) vs \(expected.average)", sourceLocation: sourceLocation)
        }
    }

    @Test("peaks, their first moments and averages by hand: across bucket edges, exactly one threshold apart, late and duplicate events")
    func byHand() async throws {
        let carol = ReportFixture.event("carol", "2026-06-01T11:30:00Z", "/c")
        // Sent after bob's and carol's events were folded: a late event that joins alice's two
        // spans into one.
        let late = ReportFixture.event("alice", "2026-06-01T11:03:00Z", "/a2")
        let early = [
            // alice: 10:58 and 11:03, exactly one threshold apart: online 10:58 to 11:08,
            // across the 11:00 edge.
            ReportFixture.event("alice", "2026-06-01T10:58:00Z", "/a1"),
            ReportFixture.event("alice", "2026-06-01T11:08:00Z", "/a3"),
            // bob from 11:13, when alice's last span ends: both are online at that moment.
            ReportFixture.event("bob", "2026-06-01T11:13:00Z", "/b"),
            // carol twice (once a duplicate), and again one threshold and a microsecond later:
            // two spans.
            carol, carol,
            ReportFixture.event("carol", "2026-06-01T11:35:00.000001Z", "/c"),
            // dave online across the 12:00 edge; erin past the end of the last hour asked for.
            ReportFixture.event("dave", "2026-06-01T11:58:00Z", "/d"),
            ReportFixture.event("erin", "2026-06-01T12:58:00Z", "/e"),
        ]
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.store(early, client)
            try await TestDatabase.projectAll(client, count: early.count - 1)
            try await TestDatabase.store([late, carol], client)
            try await TestDatabase.projectAll(client, count: early.count)

            for path in ["projection", "log"] {
                if path == "log" {
                    // The projector's threshold is another now, so a 5-minute report reads the log.
                    try await client.query("UPDATE presence_settings SET online_threshold = '7 minutes'", logger: logger)
                }
                let hours = try await ConcurrencyReport.run(
                    from: ReportFixture.at("2026-06-01T10:00:00Z"),
                    to: ReportFixture.at("2026-06-01T13:00:00Z"),
                    bucket: .hour,
                    timeZone: "UTC",
                    threshold: Self.threshold,
                    client: client,
                    logger: logger
                )
                #expect(hours.rows.map(\.peak) == [1, 2, 1], "\(path)")
                #expect(
                    hours.rows.map(\.peakAt) == [
                        ReportFixture.at("2026-06-01T10:58:00Z"), ReportFixture.at("2026-06-01T11:13:00Z"),
                        ReportFixture.at("2026-06-01T12:00:00Z"),
                    ],
                    "\(path)"
                )
                // 10h: alice 10:58-11:00. 11h: alice 11:00-11:13, bob 11:13-11:18, carol
                // 11:30-11:35 and 11:35:00.000001-11:40:00.000001, dave 11:58-12:00: 1,800 s.
                // 12h: dave 12:00-12:03, erin 12:58-13:00 (not to 13:03).
                let averages: [Double] = [120 / 3_600, 1_800 / 3_600, 300 / 3_600]
                #expect(zip(hours.rows.map(\.average), averages).allSatisfy { abs($0 - $1) < 1e-12 }, "\(path): \(hours.rows.map(\.average))")
                #expect(
                    hours.json == """
                        {"bucket":"hour","tz":"UTC","threshold_seconds":300,"rows":[\
                        {"start":"2026-06-01T10:00:00Z","peak":1,"peak_at":"2026-06-01T10:58:00Z","average":\(JSONText.number(hours.rows[0].average))},\
                        {"start":"2026-06-01T11:00:00Z","peak":2,"peak_at":"2026-06-01T11:13:00Z","average":0.5},\
                        {"start":"2026-06-01T12:00:00Z","peak":1,"peak_at":"2026-06-01T12:00:00Z","average":\(JSONText.number(hours.rows[2].average))}]}
                        """,
                    "\(path)"
                )
                let empty = try await ConcurrencyReport.run(
                    from: ReportFixture.at("2026-06-01T14:00:00Z"),
                    to: ReportFixture.at("2026-06-01T15:00:00Z"),
                    bucket: .hour,
                    timeZone: "UTC",
                    client: client,
                    logger: logger
                )
                #expect(empty.rows.map(\.peak) == [0] && empty.rows.map(\.peakAt) == [nil] && empty.rows.map(\.average) == [0], "\(path)")
                #expect(empty.json.contains(#""peak":0,"peak_at":null,"average":0"#), "\(path)")
            }
        }
    }

    /// A seeded stream of events of a few users over two days, with gaps right at and around
    /// the threshold and at equal times.
    static func events(seed: UInt64) -> [SeenEvent] {
        var random = SplitMix64(seed: seed)
        let gaps: [Int64] = [0, 1, minute, 5 * minute - 1, 5 * minute, 5 * minute + 1, 7 * minute, 50 * minute, 3 * 60 * minute]
        var events: [SeenEvent] = []
        for user in ["ann", "ben", "cat", "dan", "eve", "fay"] {
            var at = at("2026-03-28T20:00:00Z") + Int64(random.next() % UInt64(90 * minute))
            for _ in 0..<(20 + Int(random.next() % 40)) {
                at += gaps[Int(random.next() % UInt64(gaps.count))]
                events.append(
                    SeenEvent(
                        id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                        user: user,
                        at: Timestamp(microsecondsSince1970: at),
                        location: "/p/\(random.next() % 3)"
                    )
                )
            }
        }
        return events
    }

    @Test(
        "every bucket equals the definition, from the projection folded in any order, packed, with late events on packed days, and from the log",
        arguments: 1...6
    )
    func matchesDefinition(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed &* 104_729)
        var arrivals = Self.events(seed: seed).shuffled(using: &random)
        arrivals += arrivals.shuffled(using: &random).prefix(arrivals.count / 5)
        // A sixth of the events arrive after their days are packed, and before them one days
        // later, the last the projector folds, so that the days before its day are packed.
        let late = arrivals.filter { _ in random.next() % 6 == 0 }
        let zed = SeenEvent(user: "zed", at: ReportFixture.at("2026-04-02T00:30:00Z"), location: "/p/0")
        let ordered = arrivals.filter { !late.contains($0) } + [zed] + late
        let onTime = Array(Set(ordered.dropLast(late.count)))
        let from = ReportFixture.at("2026-03-28T19:00:00Z")
        let to = ReportFixture.at("2026-03-30T12:00:00Z")
        var packing = Projector.Configuration()
        packing.quarterRowsKept = .zero
        try await TestDatabase.withFresh { client, _ in
            func fold(_ part: Range<Int>) async throws {
                try await TestDatabase.storeAndProject(ordered, part, chunk: 30, batch: 20, random: &random, client)
            }
            // Kolkata's hours start at half past the UTC hour; Berlin's days around the change
            // to summer time on 2026-03-29 last 24 and 23 hours.
            let kolkataHours = Array(stride(from: Self.at("2026-03-28T18:30:00Z"), to: to.microsecondsSince1970, by: Int(60 * Self.minute)))
            let berlinDays = [Self.at("2026-03-27T23:00:00Z"), Self.at("2026-03-28T23:00:00Z"), Self.at("2026-03-29T22:00:00Z")]
            func expectDefinition(_ events: [SeenEvent], sourceLocation: SourceLocation = #_sourceLocation) async throws {
                for threshold in [5, 7] {
                    let model = Model(events: events, threshold: Int64(threshold) * Self.minute)
                    let hours = try await ConcurrencyReport.run(
                        from: from,
                        to: to,
                        bucket: .hour,
                        timeZone: "Asia/Kolkata",
                        threshold: .seconds(threshold * 60),
                        client: client,
                        logger: logger
                    )
                    expectMatches(hours, model, starts: kolkataHours, sourceLocation: sourceLocation)
                    let days = try await ConcurrencyReport.run(
                        from: from,
                        to: to,
                        bucket: .day,
                        timeZone: "Europe/Berlin",
                        threshold: .seconds(threshold * 60),
                        client: client,
                        logger: logger
                    )
                    expectMatches(days, model, starts: berlinDays, sourceLocation: sourceLocation)
                }
            }
            try await fold(0..<(ordered.count - late.count))
            try await expectDefinition(onTime)
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() >= 2)
            #expect(try await TestDatabase.number(client, "SELECT count(*) FROM user_online_span_hours") > 0)
            try await expectDefinition(onTime)
            try await fold((ordered.count - late.count)..<ordered.count)
            let all = Array(Set(ordered))
            try await expectDefinition(all)
            // Rebuilt, the projection answers the same.
            try await Projector(client: client, logger: logger).rebuild()
            try await expectDefinition(all)
        }
    }

    @Test("online at a past moment comes from the projection once retention has dropped the day from the log")
    func onlineFromSpans() async throws {
        // Ten in the morning five days ago (UTC), a day retention keeping two days drops.
        let base = Timestamp(microsecondsSince1970: (EventLog.day(of: .now) - 5) * 86_400_000_000 + 10 * 60 * Self.minute)
        func at(_ minutes: Int64, _ microseconds: Int64 = 0) -> Timestamp {
            base + .microseconds(minutes * Self.minute + microseconds)
        }
        let events = [
            SeenEvent(user: "alice", at: at(0), location: "/a"),
            SeenEvent(user: "alice", at: at(4), location: "/b"),
            SeenEvent(user: "bob", at: at(1), location: "/c"),
        ]
        try await ReportFixture.withProjected(events) { client in
            func online(_ moment: Timestamp) async throws -> [String] {
                try await OnlineReport.run(at: moment, threshold: Self.threshold, client: client, logger: logger).users.map {
                    "\($0.user)|\($0.lastSeen.map { "\(($0 - base) / .seconds(60))" } ?? "?")|\($0.location ?? "?")"
                }
            }
            let whileLogged = [try await online(at(2)), try await online(at(6))]
            #expect(whileLogged == [["bob|1.0|/c", "alice|0.0|/a"], ["alice|4.0|/b", "bob|1.0|/c"]])
            let dropped = try await Retention(keep: .seconds(2 * 86_400)).run(client: client, logger: logger)
            #expect(dropped.filter { $0.outcome == .dropped }.map(\.day).contains(String(base.rfc3339.prefix(10))))
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events") == 0)
            // Within alice's span the time of her latest event is gone; after its last event
            // it is known. A location asked about matches a known one only.
            #expect(try await online(at(2)) == ["bob|1.0|/c", "alice|?|?"])
            #expect(try await online(at(6)) == whileLogged[1])
            #expect(try await online(at(9)) == ["alice|4.0|/b"])
            #expect(try await online(at(9, 1)) == [])
            let atB = try await OnlineReport.run(at: at(6), threshold: Self.threshold, location: .exact("/b"), client: client, logger: logger)
            #expect(atB.users.map(\.user) == ["alice"])
            #expect(atB.json.contains(#""users":[{"user":"alice","last_seen":"\#(at(4).rfc3339)","location":"/b"}]"#))
            // With another threshold, only the log answers, and it has nothing.
            #expect(try await OnlineReport.run(at: at(2), threshold: .seconds(600), client: client, logger: logger).users.isEmpty)
        }
    }

    @Test("the concurrency report reads only the spans of its range through their keys, or only the log's days of its range")
    func boundedPlans() async throws {
        let day = Self.at("2026-11-29T00:00:00Z")
        // Spans on the day asked about, and spans a month before and after it that the report
        // must not read: those before packed into hour rows, those after rows of their own.
        let month: Int64 = 30 * 1_440 * Self.minute
        let events =
            [day, day - month, day + month].flatMap { start -> [SeenEvent] in
                (0..<50).map { (user: Int) -> SeenEvent in
                    let at: Int64 = start + 12 * 60 * Self.minute + Int64(user) * 10 * Self.minute
                    return SeenEvent(user: "user\(user)", at: Timestamp(microsecondsSince1970: at))
                }
            }
            // And one at noon the day before, so that the day before has its partition: the log's
            // path reads its last minutes.
            + [SeenEvent(user: "user0", at: Timestamp(microsecondsSince1970: day - 720 * Self.minute))]
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .zero
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() == 3)
            try await client.query("ANALYZE user_online_spans, user_online_span_hours", logger: logger)
            let sql = try ReportQuery.concurrency.sql.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()
            func nodes(threshold: String) throws -> [PlanNode] {
                try TestDatabase.plans(
                    running: """
                        SET enable_seqscan = off;
                        PREPARE concurrency AS \(sql);
                        EXECUTE concurrency('2026-11-29T00:00:00Z', '2026-11-30T00:00:00Z', 'hour', '\(threshold)', 'UTC');
                        """,
                    on: settings
                ).flatMap(\.root.allNodes)
            }
            let projected = try nodes(threshold: "300 seconds")
            let fromSpans = projected.filter { $0.relationName == "user_online_spans" }
            #expect(!fromSpans.isEmpty && fromSpans.allSatisfy(\.readsThroughIndex), "\(fromSpans.map(\.nodeType))")
            #expect(fromSpans.map(\.rowsRead).reduce(0, +) == 0, "\(fromSpans.map(\.rowsRead))")
            // The nine hours of the day's spans and the one of the day before, not the month's.
            let fromHours = projected.filter { $0.relationName == "user_online_span_hours" }
            #expect(!fromHours.isEmpty && fromHours.allSatisfy(\.readsThroughIndex), "\(fromHours.map(\.nodeType))")
            #expect(fromHours.map(\.rowsRead).reduce(0, +) <= 10, "\(fromHours.map(\.rowsRead))")
            #expect(!projected.contains { $0.relationName?.hasPrefix("seen_events") == true })
            // Another threshold: presence_log_online_spans reads the day and the threshold before
            // it (auto_explain shows the function's own plan too).
            let logScans = try nodes(threshold: "600 seconds").filter { $0.relationName?.hasPrefix("seen_events") == true }
            #expect(!logScans.isEmpty)
            #expect(
                logScans.allSatisfy { ["seen_events_20261128", "seen_events_20261129"].contains($0.relationName) },
                "\(logScans.map(\.relationName))"
            )
        }
    }
}
