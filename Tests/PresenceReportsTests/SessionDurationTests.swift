import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// DESIGN.md, "Session-duration histogram": bins [0, 1 min), [1, 5 min), [5, 15 min),
/// [15, 30 min), [30 min, 1 h), [1 h, 2 h), [2 h, ∞); mean and percentile_cont percentiles.
@Suite("Session durations: bins, percentiles, single events")
struct SessionDurationTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    func day(_ client: PostgresClient) async throws -> SessionsReport {
        try await SessionsReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-30T00:00:00Z"),
            gap: .seconds(1800),
            client: client,
            logger: logger
        )
    }

    /// Events of `user` on 2026-11-29 at the given UTC times of day.
    static func session(_ user: String, _ times: String...) -> [SeenEvent] {
        times.map { ReportFixture.event(user, "2026-11-29T" + $0 + "Z") }
    }

    @Test("exactly 60 s falls in [1 min, 5 min), exactly 7200 s in [2 h, ∞); a microsecond less stays below")
    func binEdges() async throws {
        let events =
            Self.session("one", "10:00:00")  // 0 s → [0, 60)
            + Self.session("under", "10:00:00", "10:00:59.999999")  // 59.999999 s → [0, 60)
            + Self.session("minute", "10:00:00", "10:01:00")  // 60 s → [60, 300)
            + Self.session("almost", "10:00:00", "10:30:00", "11:00:00", "11:30:00", "11:59:59.999999")  // 7199.999999 s → [3600, 7200)
            + Self.session("hours", "10:00:00", "10:30:00", "11:00:00", "11:30:00", "12:00:00")  // 7200 s → [7200, ∞)
        try await ReportFixture.withProjected(events) { client in
            let report = try await day(client)
            #expect(report.count == 5)
            #expect(report.histogram.map(\.sessions) == [2, 1, 0, 0, 0, 1, 1])
            #expect(report.histogram.map(\.minSeconds) == [0, 60, 300, 900, 1800, 3600, 7200])
            #expect(report.histogram.map(\.maxSeconds) == [60, 300, 900, 1800, 3600, 7200, nil])
            // Sorted 0, 59.999999, 60, 7199.999999, 7200: the median is the third, 60.
            #expect(report.p50Seconds == 60)
        }
    }

    /// Durations 0, 60, 300, 600, 1800 (the last two events exactly G apart: one session).
    /// Mean 2760 / 5 = 552. percentile_cont(p) reads position p·(n − 1) = 4p of the sorted
    /// values and interpolates: p50 → 2 → 300; p90 → 3.6 → 600 + 0.6·(1800 − 600) = 1320;
    /// p99 → 3.96 → 600 + 0.96·1200 = 1752. Bins: [0, 60) 1, [60, 300) 1, [300, 900) 2
    /// (300 and 600), [1800, 3600) 1.
    static let percentiles =
        #"{"gap_seconds":1800,"from":"2026-11-29T00:00:00Z","to":"2026-11-30T00:00:00Z","count":5,"mean_seconds":552,"p50_seconds":300,"p90_seconds":1320,"p99_seconds":1752,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":1},{"min_seconds":60,"max_seconds":300,"sessions":1},{"min_seconds":300,"max_seconds":900,"sessions":2},{"min_seconds":900,"max_seconds":1800,"sessions":0},{"min_seconds":1800,"max_seconds":3600,"sessions":1},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#

    @Test("mean and percentiles of 0, 60, 300, 600 and 1800 s, from the projection and from the raw log")
    func percentiles() async throws {
        let events =
            Self.session("p0", "10:00:00")
            + Self.session("p60", "10:00:00", "10:01:00")
            + Self.session("p300", "10:00:00", "10:05:00")
            + Self.session("p600", "10:00:00", "10:10:00")
            + Self.session("p1800", "10:00:00", "10:30:00")
        try await ReportFixture.withProjected(events) { client in
            let projected = try await day(client).json
            #expect(projected == Self.percentiles)
            try await ReportFixture.answerFromLog(client)
            let computed = try await day(client).json
            #expect(computed == Self.percentiles)
        }
    }

    @Test("a one-event session lasts 0 s, and two events at the same instant make one session of 0 s")
    func singleEvents() async throws {
        // solo: one event. twice: two events (two ids) at one instant, an hour after an earlier
        // one: the earlier is its own session, the pair another, whichever of the pair sorts first.
        let events =
            Self.session("solo", "10:00:00")
            + Self.session("twice", "09:00:00", "10:00:00", "10:00:00")
        try await ReportFixture.withProjected(events) { client in
            let solo = try await HistoryReport.run(
                user: "solo",
                from: Timestamp.earliest,
                to: Timestamp.latest,
                client: client,
                logger: logger
            )
            #expect(
                solo.json
                    == #"{"user":"solo","sessions":[{"start":"2026-11-29T10:00:00Z","end":"2026-11-29T10:00:00Z","duration_seconds":0,"events":1}]}"#
            )
            let twice = try await HistoryReport.run(
                user: "twice",
                from: Timestamp.earliest,
                to: Timestamp.latest,
                client: client,
                logger: logger
            )
            #expect(
                twice.json
                    == #"{"user":"twice","sessions":[{"start":"2026-11-29T09:00:00Z","end":"2026-11-29T09:00:00Z","duration_seconds":0,"events":1},{"start":"2026-11-29T10:00:00Z","end":"2026-11-29T10:00:00Z","duration_seconds":0,"events":2}]}"#
            )
            // Three sessions, all 0 s: count 3, mean and percentiles 0, all in [0, 1 min).
            let expected =
                #"{"gap_seconds":1800,"from":"2026-11-29T00:00:00Z","to":"2026-11-30T00:00:00Z","count":3,"mean_seconds":0,"p50_seconds":0,"p90_seconds":0,"p99_seconds":0,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":3},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":0},{"min_seconds":900,"max_seconds":1800,"sessions":0},{"min_seconds":1800,"max_seconds":3600,"sessions":0},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#
            let projected = try await day(client).json
            #expect(projected == expected)
            try await ReportFixture.answerFromLog(client)
            let computed = try await day(client).json
            #expect(computed == expected)
        }
    }
}
