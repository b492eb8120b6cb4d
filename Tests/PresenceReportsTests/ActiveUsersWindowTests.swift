import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// The day D is 2026-12-31 in America/New_York (EST, −05:00, all month). Each user is seen
/// once, at 23:59 local, which is already the next day in UTC.
private enum WindowEvents {
    static let all = [
        ReportFixture.event("today", "2026-12-31T00:00:00-05:00"),  // D
        ReportFixture.event("d6", "2026-12-25T23:59:00-05:00"),  // D − 6: in WAU and MAU
        ReportFixture.event("d7", "2026-12-24T23:59:00-05:00"),  // D − 7: out of WAU, in MAU
        ReportFixture.event("d29", "2026-12-02T23:59:00-05:00"),  // D − 29: in MAU
        ReportFixture.event("d30", "2026-12-01T23:59:00-05:00"),  // D − 30: out of MAU
    ]
}

/// DESIGN.md, "Active users": WAU and MAU count the users of the 7 and 30 local days ending
/// with the day: a user last seen 6 (29) local days before is in, 7 (30) days before is out.
@Suite("Active-users windows", .sharedEvents(WindowEvents.all))
struct ActiveUsersWindowTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    @Test("seen 6 local days before is in WAU, 7 is not; 29 is in MAU, 30 is not (America/New_York)")
    func localWindows() async throws {
        let client = try #require(SharedEvents.client)
        // DAU {today}; WAU {today, d6}; MAU {today, d6, d7, d29}; stickiness 1/4.
        let report = try await ActiveUsersReport.run(
            from: Self.at("2026-12-31T00:00:00-05:00"),
            to: Self.at("2027-01-01T00:00:00-05:00"),
            timeZone: "America/New_York",
            client: client,
            logger: logger
        )
        #expect(report.json == #"{"tz":"America/New_York","rows":[{"day":"2026-12-31","dau":1,"wau":2,"mau":4,"stickiness":0.25}]}"#)
    }

    @Test("the same events by UTC days: every 23:59 local moves a day later, so d7 joins WAU and d30 joins MAU")
    func utcWindows() async throws {
        let client = try #require(SharedEvents.client)
        // UTC day 12-31: today (05:00Z) is in it; d6 04:59Z on 12-26 (D − 5), d7 on 12-25
        // (D − 6), d29 on 12-03 (D − 28), d30 on 12-02 (D − 29). DAU 1, WAU 3, MAU 5, 1/5.
        let report = try await ActiveUsersReport.run(
            from: Self.at("2026-12-31T00:00:00Z"),
            to: Self.at("2027-01-01T00:00:00Z"),
            timeZone: "UTC",
            client: client,
            logger: logger
        )
        #expect(report.json == #"{"tz":"UTC","rows":[{"day":"2026-12-31","dau":1,"wau":3,"mau":5,"stickiness":0.2}]}"#)
    }
}
