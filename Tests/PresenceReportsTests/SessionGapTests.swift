import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// DESIGN.md, "Session": a gap of exactly G keeps a session going, G + 1 µs ends it; the
/// projection and the raw log (a gap other than the projector's) must say the same.
@Suite("Session gap edges")
struct SessionGapTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    /// Built for G = 10 minutes (600 s); the projector's own gap stays 30 minutes at first.
    static let events = [
        // ten: 10:00 → 10:10 is exactly G: one session of 600 s (2 events); 10:10 → 10:20:00.000001
        // is G + 1 µs: a new session of one event, 0 s.
        ReportFixture.event("ten", "2026-11-29T10:00:00Z"),
        ReportFixture.event("ten", "2026-11-29T10:10:00Z"),
        ReportFixture.event("ten", "2026-11-29T10:20:00.000001Z"),
        // later: 12:00 → 12:10:00.000001 is G + 1 µs: a session of 0 s; 12:10:00.000001 →
        // 12:20:00.000001 is exactly G: a session of 600 s.
        ReportFixture.event("later", "2026-11-29T12:00:00Z"),
        ReportFixture.event("later", "2026-11-29T12:10:00.000001Z"),
        ReportFixture.event("later", "2026-11-29T12:20:00.000001Z"),
        // before: 23:50 the day before → 00:00 (= from) is exactly G: the session starts at
        // 23:50, before from, and is not counted; the log must be read from from − G inclusive.
        ReportFixture.event("before", "2026-11-28T23:50:00Z"),
        ReportFixture.event("before", "2026-11-29T00:00:00Z"),
        // apart: 23:49:59.999999 → 00:00 is G + 1 µs: the event at 00:00 starts a session in
        // the range (0 s), counted.
        ReportFixture.event("apart", "2026-11-28T23:49:59.999999Z"),
        ReportFixture.event("apart", "2026-11-29T00:00:00Z"),
    ]

    /// Sessions starting in [11-29T00:00Z, 11-30T00:00Z) with G = 600 s: ten 600 and 0, later 0
    /// and 600, apart 0 → sorted 0, 0, 0, 600, 600. Count 5, mean 1200 / 5 = 240;
    /// percentile_cont at position p·(n − 1) = p·4: p50 → 2 → 0; p90 → 3.6 → 600 + 0.6·0 = 600;
    /// p99 → 3.96 → 600. Bins: [0, 60) 3, [300, 900) 2.
    static let expected =
        #"{"gap_seconds":600,"from":"2026-11-29T00:00:00Z","to":"2026-11-30T00:00:00Z","count":5,"mean_seconds":240,"p50_seconds":0,"p90_seconds":600,"p99_seconds":600,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":3},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":2},{"min_seconds":900,"max_seconds":1800,"sessions":0},{"min_seconds":1800,"max_seconds":3600,"sessions":0},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#

    func sessions(_ client: PostgresClient) async throws -> SessionsReport {
        try await SessionsReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-30T00:00:00Z"),
            gap: .seconds(600),
            client: client,
            logger: logger
        )
    }

    @Test("--gap 10m cut from the raw log: exactly 10 min joins, 10 min + 1 µs splits, from − G is read inclusively")
    func fromTheLog() async throws {
        try await ReportFixture.withProjected(Self.events) { client in
            let report = try await sessions(client)
            #expect(report.json == Self.expected)
        }
    }

    @Test("a projection rebuilt with a 10-minute gap answers exactly as the raw log did")
    func fromTheProjection() async throws {
        try await ReportFixture.withProjected(Self.events) { client in
            let fromLog = try await sessions(client).json
            try await ReportFixture.rebuild(client, sessionGapSeconds: 600)
            let fromProjection = try await sessions(client).json
            #expect(fromProjection == Self.expected)
            #expect(fromProjection == fromLog)
        }
    }

    /// All of ten's sessions.
    func tenHistory(_ client: PostgresClient) async throws -> HistoryReport {
        try await HistoryReport.run(user: "ten", from: .earliest, to: .latest, client: client, logger: logger)
    }

    @Test("history follows the projector's gap: 30 min joins all of ten's events, 10 min splits at G + 1 µs")
    func history() async throws {
        try await ReportFixture.withProjected(Self.events) { client in
            // G = 30 min: every gap of ten's is at most 10 min + 1 µs, so one session,
            // 10:00 → 10:20:00.000001, 1200.000001 s, 3 events.
            let wide = try await tenHistory(client)
            #expect(
                wide.json
                    == #"{"user":"ten","sessions":[{"start":"2026-11-29T10:00:00Z","end":"2026-11-29T10:20:00.000001Z","duration_seconds":1200.000001,"events":3}]}"#
            )
            // G = 10 min: 10:00–10:10 (600 s, 2 events; the gap is exactly G) and 10:20:00.000001
            // alone (0 s; the gap is G + 1 µs).
            try await ReportFixture.rebuild(client, sessionGapSeconds: 600)
            let narrow = try await tenHistory(client)
            #expect(
                narrow.json
                    == #"{"user":"ten","sessions":[{"start":"2026-11-29T10:00:00Z","end":"2026-11-29T10:10:00Z","duration_seconds":600,"events":2},{"start":"2026-11-29T10:20:00.000001Z","end":"2026-11-29T10:20:00.000001Z","duration_seconds":0,"events":1}]}"#
            )
            // before's session starts at 23:50 the day before: outside [11-29, 11-30), not listed.
            let before = try await HistoryReport.run(
                user: "before",
                from: Self.at("2026-11-29T00:00:00Z"),
                to: Self.at("2026-11-30T00:00:00Z"),
                client: client,
                logger: logger
            )
            #expect(before.sessions.isEmpty)
        }
    }

    /// Sessions that go on past the window the log is read in ([from − G, to + G]) are followed
    /// to their end. With G = 10 min over [11-29, 11-30):
    /// - long: every 9 minutes from 11-29T23:30 to 11-30T05:30 (41 events), then 06:00, 30 min
    ///   later: one session of 6 h = 21,600 s; 06:00 starts another, after the range.
    /// - edge: 23:59:59, 00:09:59, 00:19:59, gaps of exactly G, the last beyond to + G = 00:10:
    ///   one session of 1,200 s.
    /// - after: 00:05 on 11-30 starts after the range: not counted.
    /// Sorted 1200, 21600: mean 11,400; percentile_cont at p·1: p50 = 1200 + 0.5·20400 = 11,400,
    /// p90 = 1200 + 0.9·20400 = 19,560, p99 = 1200 + 0.99·20400 = 21,396. Bins [900, 1800) 1 and
    /// [7200, ∞) 1.
    @Test("sessions that go on past to + G are followed to their last event, and the window's days alone are read")
    func followedPastTheWindow() async throws {
        let long = (0...40).map { ReportFixture.at("2026-11-29T23:30:00Z") + .seconds($0 * 9 * 60) }
        let events =
            long.map { SeenEvent(user: "long", at: $0) } + [
                ReportFixture.event("long", "2026-11-30T06:00:00Z"),
                ReportFixture.event("edge", "2026-11-29T23:59:59Z"),
                ReportFixture.event("edge", "2026-11-30T00:09:59Z"),
                ReportFixture.event("edge", "2026-11-30T00:19:59Z"),
                ReportFixture.event("after", "2026-11-30T00:05:00Z"),
                // Days the report must not read: a month before and a month after.
                ReportFixture.event("other", "2026-10-29T12:00:00Z"),
                ReportFixture.event("other", "2026-12-29T12:00:00Z"),
            ]
        try await ReportFixture.withProjected(events) { client in
            let report = try await sessions(client)
            #expect(report.count == 2)
            #expect(report.meanSeconds == 11_400)
            #expect(report.p50Seconds == 11_400)
            #expect(abs((report.p90Seconds ?? 0) - 19_560) < 1e-6)
            #expect(abs((report.p99Seconds ?? 0) - 21_396) < 1e-6)
            #expect(report.histogram.map(\.sessions) == [0, 0, 0, 1, 0, 0, 1])
        }
    }

    @Test("cutting sessions from the log reads the window's partitions, and each followed session through its user's index")
    func boundedPlan() async throws {
        let events =
            (0...40).map { SeenEvent(user: "long", at: ReportFixture.at("2026-11-29T23:30:00Z") + .seconds($0 * 9 * 60)) } + [
                ReportFixture.event("other", "2026-10-29T12:00:00Z"),
                ReportFixture.event("other", "2026-12-29T12:00:00Z"),
            ]
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(events, client)
            let plans = try TestDatabase.plans(
                running: "SELECT count(*) FROM presence_log_sessions('2026-11-29T00:00:00Z', '2026-11-30T00:00:00Z', '10 minutes');",
                on: settings
            )
            Self.expectWindowOnly(plans)
        }
    }

    /// Of the log, only the partitions of the window (11-28T23:50 to 11-30T00:10) have rows read.
    static func expectWindowOnly(_ plans: [QueryPlan]) {
        let window: Set<String> = ["seen_events_20261128", "seen_events_20261129", "seen_events_20261130"]
        let scans = plans.flatMap(\.root.allNodes).filter { $0.relationName?.hasPrefix("seen_events") == true }
        #expect(!scans.isEmpty)
        let read = Set(scans.filter { $0.rowsRead > 0 }.compactMap(\.relationName))
        #expect(read.isSubset(of: window), "read \(read)")
        for scan in scans where scan.nodeType == "Seq Scan" {
            #expect(window.contains(scan.relationName ?? ""), "read all of \(scan.relationName ?? "")")
        }
    }
}
