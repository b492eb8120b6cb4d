import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// Sessions and local days across midnight and across Europe/Berlin's daylight-saving changes
/// of 2026: summer time begins 03-29 at 01:00Z (02:00 CET → 03:00 CEST, a 23-hour day) and
/// ends 10-25 at 01:00Z (03:00 CEST → 02:00 CET, a 25-hour day).
@Suite("Reports across midnight and daylight-saving changes")
struct DaylightSavingTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    /// One user per change; each has a session that starts the evening before the local day
    /// and ends after its midnight, one across the change, and one that starts before the
    /// next midnight and ends after it. Local times in the comments.
    static let sessions = [
        // fall, Berlin 2026-10-25 = [10-24T22:00Z, 10-25T23:00Z), 25 hours.
        ReportFixture.event("fall", "2026-10-24T21:50:00Z"),  // Sat 23:50 CEST
        ReportFixture.event("fall", "2026-10-24T22:10:00Z"),  // Sun 00:10 CEST: starts before the day, 1200 s
        ReportFixture.event("fall", "2026-10-25T00:50:00Z"),  // 02:50 CEST
        ReportFixture.event("fall", "2026-10-25T01:10:00Z"),  // 02:10 CET: the clock went back, but 20 min passed: 1200 s
        ReportFixture.event("fall", "2026-10-25T22:50:00Z"),  // 23:50 CET
        ReportFixture.event("fall", "2026-10-25T23:15:00Z"),  // Mon 00:15 CET: ends after the day, 1500 s
        // spring, Berlin 2026-03-29 = [03-28T23:00Z, 03-29T22:00Z), 23 hours.
        ReportFixture.event("spring", "2026-03-28T22:50:00Z"),  // Sat 23:50 CET
        ReportFixture.event("spring", "2026-03-28T23:10:00Z"),  // Sun 00:10 CET: starts before the day, 1200 s
        ReportFixture.event("spring", "2026-03-29T00:50:00Z"),  // 01:50 CET
        ReportFixture.event("spring", "2026-03-29T01:10:00Z"),  // 03:10 CEST: 80 min on the clock, 20 min passed: 1200 s
        ReportFixture.event("spring", "2026-03-29T21:45:00Z"),  // 23:45 CEST
        ReportFixture.event("spring", "2026-03-29T22:05:00Z"),  // Mon 00:05 CEST: ends after the day, 1200 s
    ]

    @Test(
        "history of Berlin's 25-hour day: the session across the fall-back lasts 1200 s; the one ending after midnight counts, the one starting before does not"
    )
    func historyFallBack() async throws {
        try await ReportFixture.withProjected(Self.sessions) { client in
            let day = try await HistoryReport.run(
                user: "fall",
                from: Self.at("2026-10-25T00:00:00+02:00"),
                to: Self.at("2026-10-26T00:00:00+01:00"),
                client: client,
                logger: logger
            )
            #expect(
                day.json
                    == #"{"user":"fall","sessions":[{"start":"2026-10-25T00:50:00Z","end":"2026-10-25T01:10:00Z","duration_seconds":1200,"events":2},{"start":"2026-10-25T22:50:00Z","end":"2026-10-25T23:15:00Z","duration_seconds":1500,"events":2}]}"#
            )
            // The evening before holds the session that crosses into Sunday, whole.
            let evening = try await HistoryReport.run(
                user: "fall",
                from: Self.at("2026-10-24T00:00:00+02:00"),
                to: Self.at("2026-10-25T00:00:00+02:00"),
                client: client,
                logger: logger
            )
            #expect(
                evening.json
                    == #"{"user":"fall","sessions":[{"start":"2026-10-24T21:50:00Z","end":"2026-10-24T22:10:00Z","duration_seconds":1200,"events":2}]}"#
            )
        }
    }

    @Test("history of Berlin's 23-hour day: 01:50 CET to 03:10 CEST is one 1200 s session, not 80 minutes")
    func historySpringForward() async throws {
        try await ReportFixture.withProjected(Self.sessions) { client in
            let day = try await HistoryReport.run(
                user: "spring",
                from: Self.at("2026-03-29T00:00:00+01:00"),
                to: Self.at("2026-03-30T00:00:00+02:00"),
                client: client,
                logger: logger
            )
            #expect(
                day.json
                    == #"{"user":"spring","sessions":[{"start":"2026-03-29T00:50:00Z","end":"2026-03-29T01:10:00Z","duration_seconds":1200,"events":2},{"start":"2026-03-29T21:45:00Z","end":"2026-03-29T22:05:00Z","duration_seconds":1200,"events":2}]}"#
            )
        }
    }

    /// The 25-hour day: fall's sessions starting in it last 1200 s and 1500 s. Count 2, mean
    /// 1350; percentile_cont at p·(n − 1) = p: p50 → 1200 + 0.5·300 = 1350, p90 → 1200 + 0.9·300
    /// = 1470, p99 → 1200 + 0.99·300 = 1497; both in [900, 1800).
    static let fallBackDay =
        #"{"gap_seconds":1800,"from":"2026-10-24T22:00:00Z","to":"2026-10-25T23:00:00Z","count":2,"mean_seconds":1350,"p50_seconds":1350,"p90_seconds":1470,"p99_seconds":1497,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":0},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":0},{"min_seconds":900,"max_seconds":1800,"sessions":2},{"min_seconds":1800,"max_seconds":3600,"sessions":0},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#
    /// The 23-hour day: spring's sessions starting in it last 1200 s each: count 2, mean and
    /// every percentile 1200, both in [900, 1800).
    static let springForwardDay =
        #"{"gap_seconds":1800,"from":"2026-03-28T23:00:00Z","to":"2026-03-29T22:00:00Z","count":2,"mean_seconds":1200,"p50_seconds":1200,"p90_seconds":1200,"p99_seconds":1200,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":0},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":0},{"min_seconds":900,"max_seconds":1800,"sessions":2},{"min_seconds":1800,"max_seconds":3600,"sessions":0},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#

    @Test("sessions report of Berlin's 25- and 23-hour days, from the projection and from the raw log")
    func sessionsReport() async throws {
        try await ReportFixture.withProjected(Self.sessions) { client in
            func days() async throws -> [String] {
                let fall = try await SessionsReport.run(
                    from: Self.at("2026-10-25T00:00:00+02:00"),
                    to: Self.at("2026-10-26T00:00:00+01:00"),
                    gap: .seconds(1800),
                    client: client,
                    logger: logger
                )
                let spring = try await SessionsReport.run(
                    from: Self.at("2026-03-29T00:00:00+01:00"),
                    to: Self.at("2026-03-30T00:00:00+02:00"),
                    gap: .seconds(1800),
                    client: client,
                    logger: logger
                )
                return [fall.json, spring.json]
            }
            let projected = try await days()
            #expect(projected == [Self.fallBackDay, Self.springForwardDay])
            try await ReportFixture.answerFromLog(client)
            let computed = try await days()
            #expect(computed == [Self.fallBackDay, Self.springForwardDay])
        }
    }

    /// Events one microsecond either side of the local midnights around each change.
    struct LocalDayCase: Sendable, CustomTestStringConvertible {
        var name: String
        var events: [SeenEvent]
        var from: String
        var to: String
        var activity: String
        var activeUsers: String
        /// The lengths of the activity report's days, in hours.
        var dayHours: [Int64]
        var testDescription: String { name }
    }

    static let localDays = [
        LocalDayCase(
            name: "fall-back",
            events: [
                ReportFixture.event("u1", "2026-10-24T21:59:59.999999Z"),  // Sat 10-24 23:59:59.999999 CEST
                ReportFixture.event("u1", "2026-10-24T22:00:00Z"),  // Sun 10-25 00:00 CEST: the new day
                ReportFixture.event("u2", "2026-10-25T22:59:59.999999Z"),  // Sun 23:59:59.999999 CET: the 25th hour
                ReportFixture.event("u2", "2026-10-25T23:00:00Z"),  // Mon 10-26 00:00 CET
            ],
            // 10-24 12:00 CEST → 10-26 12:00 CET. from widens to 10-24 00:00 CEST = 10-23T22:00Z;
            // days start 10-23T22:00Z, 10-24T22:00Z (25 h), 10-25T23:00Z; 10-27 starts after to.
            from: "2026-10-24T12:00:00+02:00",
            to: "2026-10-26T12:00:00+01:00",
            activity:
                #"{"bucket":"day","tz":"Europe/Berlin","from":"2026-10-24T10:00:00Z","to":"2026-10-26T11:00:00Z","rows":[{"start":"2026-10-23T22:00:00Z","events":1,"users":1},{"start":"2026-10-24T22:00:00Z","events":2,"users":2},{"start":"2026-10-25T23:00:00Z","events":1,"users":1}]}"#,
            // DAU 10-24 {u1}, 10-25 {u1, u2}, 10-26 {u2}; WAU = MAU = everyone seen so far;
            // stickiness 1/1, 2/2, 1/2.
            activeUsers:
                #"{"tz":"Europe/Berlin","rows":[{"day":"2026-10-24","dau":1,"wau":1,"mau":1,"stickiness":1},{"day":"2026-10-25","dau":2,"wau":2,"mau":2,"stickiness":1},{"day":"2026-10-26","dau":1,"wau":2,"mau":2,"stickiness":0.5}]}"#,
            dayHours: [24, 25, 24]
        ),
        LocalDayCase(
            name: "spring-forward",
            events: [
                ReportFixture.event("u1", "2026-03-28T22:59:59.999999Z"),  // Sat 03-28 23:59:59.999999 CET
                ReportFixture.event("u1", "2026-03-28T23:00:00Z"),  // Sun 03-29 00:00 CET: the new day
                ReportFixture.event("u2", "2026-03-29T21:59:59.999999Z"),  // Sun 23:59:59.999999 CEST
                ReportFixture.event("u2", "2026-03-29T22:00:00Z"),  // Mon 03-30 00:00 CEST
            ],
            // 03-28 12:00 CET → 03-30 12:00 CEST. from widens to 03-28 00:00 CET = 03-27T23:00Z;
            // days start 03-27T23:00Z, 03-28T23:00Z (23 h), 03-29T22:00Z.
            from: "2026-03-28T12:00:00+01:00",
            to: "2026-03-30T12:00:00+02:00",
            activity:
                #"{"bucket":"day","tz":"Europe/Berlin","from":"2026-03-28T11:00:00Z","to":"2026-03-30T10:00:00Z","rows":[{"start":"2026-03-27T23:00:00Z","events":1,"users":1},{"start":"2026-03-28T23:00:00Z","events":2,"users":2},{"start":"2026-03-29T22:00:00Z","events":1,"users":1}]}"#,
            activeUsers:
                #"{"tz":"Europe/Berlin","rows":[{"day":"2026-03-28","dau":1,"wau":1,"mau":1,"stickiness":1},{"day":"2026-03-29","dau":2,"wau":2,"mau":2,"stickiness":1},{"day":"2026-03-30","dau":1,"wau":2,"mau":2,"stickiness":0.5}]}"#,
            dayHours: [24, 23, 24]
        ),
    ]

    @Test("an event at local midnight belongs to the new day, in activity days and active users", arguments: localDays)
    func localDay(_ local: LocalDayCase) async throws {
        try await ReportFixture.withProjected(local.events) { client in
            let from = Self.at(local.from)
            let to = Self.at(local.to)
            let activity = try await ActivityReport.run(
                from: from,
                to: to,
                bucket: .day,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(activity.json == local.activity)
            // The day of the change lasts 25 or 23 hours.
            #expect(activity.rows.map { ($0.end - $0.start).wholeSeconds / 3_600 } == local.dayHours)
            let activeUsers = try await ActiveUsersReport.run(
                from: from,
                to: to,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(activeUsers.json == local.activeUsers)
        }
    }
}
