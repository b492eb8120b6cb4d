import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// The one event of the empty-range tests' log, months before their ranges.
private enum QuietLog {
    static let all = [ReportFixture.event("elsewhere", "2026-01-01T12:00:00Z", "/far")]
}

/// Ranges with no events: counts are 0, means and percentiles null, every bucket and day is
/// still listed. The one event of the log lies months before the ranges, beyond every window;
/// the tests only read, so they share one database.
@Suite("Reports of empty ranges", .sharedEvents(QuietLog.all))
struct EmptyRangeTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    @Test("sessions: count 0, mean and percentiles null, every bin 0; from the projection and from the log")
    func sessions() async throws {
        let client = try #require(SharedEvents.client)
        for gap: Int64 in [1800, 600] {  // 1800: user_sessions answers; 600: the raw log
            let report = try await SessionsReport.run(
                from: Self.at("2026-11-29T00:00:00Z"),
                to: Self.at("2026-11-30T00:00:00Z"),
                gap: .seconds(gap),
                client: client,
                logger: logger
            )
            #expect(
                report.json == #"{"gap_seconds":"# + "\(gap)"
                    + #","from":"2026-11-29T00:00:00Z","to":"2026-11-30T00:00:00Z","count":0,"mean_seconds":null,"p50_seconds":null,"p90_seconds":null,"p99_seconds":null,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":0},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":0},{"min_seconds":900,"max_seconds":1800,"sessions":0},{"min_seconds":1800,"max_seconds":3600,"sessions":0},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#
            )
            // Null is an empty cell in CSV.
            #expect(report.table.render(.csv).hasPrefix("measure,value\r\nsessions,0\r\nmean_seconds,\r\np50_seconds,\r\n"))
        }
    }

    @Test("activity: every hour and every local day is listed with 0 events and 0 users")
    func activity() async throws {
        let client = try #require(SharedEvents.client)
        // [00:00Z, 03:00Z) in UTC: three hours.
        let hours = try await ActivityReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-29T03:00:00Z"),
            bucket: .hour,
            timeZone: "UTC",
            client: client,
            logger: logger
        )
        #expect(
            hours.json
                == #"{"bucket":"hour","tz":"UTC","from":"2026-11-29T00:00:00Z","to":"2026-11-29T03:00:00Z","rows":[{"start":"2026-11-29T00:00:00Z","events":0,"users":0},{"start":"2026-11-29T01:00:00Z","events":0,"users":0},{"start":"2026-11-29T02:00:00Z","events":0,"users":0}]}"#
        )
        // Berlin days from 11-29T00:00Z (01:00 CET, widened to 11-28T23:00Z) to 12-01T00:00Z:
        // 11-29, 11-30 and 12-01, whose midnight (11-30T23:00Z) is still before to.
        let days = try await ActivityReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-12-01T00:00:00Z"),
            bucket: .day,
            timeZone: "Europe/Berlin",
            client: client,
            logger: logger
        )
        #expect(
            days.json
                == #"{"bucket":"day","tz":"Europe/Berlin","from":"2026-11-29T00:00:00Z","to":"2026-12-01T00:00:00Z","rows":[{"start":"2026-11-28T23:00:00Z","events":0,"users":0},{"start":"2026-11-29T23:00:00Z","events":0,"users":0},{"start":"2026-11-30T23:00:00Z","events":0,"users":0}]}"#
        )
    }

    @Test("active users: DAU, WAU and MAU 0 with null stickiness on every day")
    func activeUsers() async throws {
        let client = try #require(SharedEvents.client)
        // 01-01 is more than 30 days before 11-29: no window reaches it.
        let report = try await ActiveUsersReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-12-01T00:00:00Z"),
            timeZone: "UTC",
            client: client,
            logger: logger
        )
        #expect(
            report.json
                == #"{"tz":"UTC","rows":[{"day":"2026-11-29","dau":0,"wau":0,"mau":0,"stickiness":null},{"day":"2026-11-30","dau":0,"wau":0,"mau":0,"stickiness":null}]}"#
        )
        #expect(report.table.render(.csv) == "day,dau,wau,mau,stickiness\r\n2026-11-29,0,0,0,\r\n2026-11-30,0,0,0,\r\n")
    }

    @Test("online, last seen and history of a quiet moment: no users, null, no sessions")
    func queries() async throws {
        let client = try #require(SharedEvents.client)
        let online = try await OnlineReport.run(
            at: Self.at("2026-11-29T10:00:00Z"),
            threshold: .seconds(300),
            client: client,
            logger: logger
        )
        #expect(online.json == #"{"at":"2026-11-29T10:00:00Z","threshold_seconds":300,"users":[]}"#)
        let lastSeen = try await LastSeenReport.run(
            user: "elsewhere",
            asOf: Self.at("2026-01-01T11:59:59.999999Z"),
            client: client,
            logger: logger
        )
        #expect(lastSeen.json == #"{"user":"elsewhere","as_of":"2026-01-01T11:59:59.999999Z","last_seen":null,"location":null}"#)
        let history = try await HistoryReport.run(
            user: "elsewhere",
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-30T00:00:00Z"),
            client: client,
            logger: logger
        )
        #expect(history.json == #"{"user":"elsewhere","sessions":[]}"#)
    }
}
