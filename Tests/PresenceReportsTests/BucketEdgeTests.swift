import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// DESIGN.md, "Activity histogram": buckets [start, end) aligned to local time; an event at a
/// bucket's start belongs to it, `from` is widened down to its bucket's start.
@Suite("Activity bucket edges in local time")
struct BucketEdgeTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    /// Hour buckets in a zone whose offset is not whole hours.
    struct HalfHourCase: Sendable, CustomTestStringConvertible {
        var zone: String
        var events: [SeenEvent]
        var from: String
        var to: String
        var starts: [String]
        var counts: [Int]
        var testDescription: String { zone }
    }

    static let halfHours = [
        // +05:30. from 00:00Z = 05:30 IST widens to 05:00 IST = 11-28T23:30Z; buckets starting
        // before to (01:30Z): 23:30Z, 00:30Z. 00:29:59.999999Z = 05:59:59.999999 IST ends the
        // first; 00:30Z = 06:00 IST starts the second.
        HalfHourCase(
            zone: "Asia/Kolkata",
            events: [
                ReportFixture.event("k", "2026-11-29T00:29:59.999999Z"),
                ReportFixture.event("k", "2026-11-29T00:30:00Z"),
            ],
            from: "2026-11-29T00:00:00Z",
            to: "2026-11-29T01:30:00Z",
            starts: ["2026-11-28T23:30:00Z", "2026-11-29T00:30:00Z"],
            counts: [1, 1]
        ),
        // +05:45. from 00:00Z = 05:45 NPT widens to 05:00 NPT = 11-28T23:15Z; buckets 23:15Z,
        // 00:15Z. 00:14:59.999999Z = 05:59:59.999999 NPT ends the first; 00:15Z = 06:00 NPT
        // starts the second.
        HalfHourCase(
            zone: "Asia/Kathmandu",
            events: [
                ReportFixture.event("n", "2026-11-29T00:14:59.999999Z"),
                ReportFixture.event("n", "2026-11-29T00:15:00Z"),
            ],
            from: "2026-11-29T00:00:00Z",
            to: "2026-11-29T01:15:00Z",
            starts: ["2026-11-28T23:15:00Z", "2026-11-29T00:15:00Z"],
            counts: [1, 1]
        ),
    ]

    @Test("local hours in a zone offset by 30 or 45 minutes start off the UTC hour", arguments: halfHours)
    func halfHourZone(_ zone: HalfHourCase) async throws {
        try await ReportFixture.withProjected(zone.events) { client in
            let report = try await ActivityReport.run(
                from: Self.at(zone.from),
                to: Self.at(zone.to),
                bucket: .hour,
                timeZone: zone.zone,
                client: client,
                logger: logger
            )
            #expect(report.rows.map { $0.start.rfc3339 } == zone.starts)
            #expect(report.rows.map(\.events) == zone.counts)
            #expect(report.rows.map { $0.end - $0.start } == [.seconds(3_600), .seconds(3_600)])
        }
    }

    @Test("an ISO week starts at Monday's local midnight, and the week of the fall-back lasts 169 hours (Europe/Berlin)")
    func weeks() async throws {
        let events = [
            ReportFixture.event("w", "2026-10-18T21:59:59.999999Z"),  // Sun 10-18 23:59:59.999999 CEST: week of 10-12
            ReportFixture.event("w", "2026-10-18T22:00:00Z"),  // Mon 10-19 00:00 CEST: week of 10-19
            ReportFixture.event("w", "2026-10-25T22:59:59.999999Z"),  // Sun 10-25 23:59:59.999999 CET: week of 10-19
            ReportFixture.event("w", "2026-10-25T23:00:00Z"),  // Mon 10-26 00:00 CET: week of 10-26
        ]
        try await ReportFixture.withProjected(events) { client in
            // from Wed 10-14 widens to Mon 10-12 00:00 CEST = 10-11T22:00Z; weeks start
            // 10-11T22:00Z, 10-18T22:00Z and (CET from 10-25) 10-25T23:00Z.
            let report = try await ActivityReport.run(
                from: Self.at("2026-10-14T12:00:00Z"),
                to: Self.at("2026-10-27T00:00:00Z"),
                bucket: .week,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(
                report.json
                    == #"{"bucket":"week","tz":"Europe/Berlin","from":"2026-10-14T12:00:00Z","to":"2026-10-27T00:00:00Z","rows":[{"start":"2026-10-11T22:00:00Z","events":1,"users":1},{"start":"2026-10-18T22:00:00Z","events":2,"users":1},{"start":"2026-10-25T23:00:00Z","events":1,"users":1}]}"#
            )
            #expect(report.rows.map { ($0.end - $0.start).wholeSeconds / 3_600 } == [168, 169, 168])
            // from exactly at Monday's midnight is its own week's start, and to exactly at the
            // next Monday's midnight lists no bucket for it: one week, 2 events.
            let exact = try await ActivityReport.run(
                from: Self.at("2026-10-18T22:00:00Z"),
                to: Self.at("2026-10-25T23:00:00Z"),
                bucket: .week,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(exact.rows.map { $0.start.rfc3339 } == ["2026-10-18T22:00:00Z"])
            #expect(exact.rows.map(\.events) == [2])
        }
    }

    @Test("an event at a local midnight starts the new day (Europe/Berlin, CET)")
    func days() async throws {
        let events = [
            ReportFixture.event("d", "2026-11-29T22:59:59.999999Z"),  // Sun 11-29 23:59:59.999999 CET
            ReportFixture.event("d", "2026-11-29T23:00:00Z"),  // Mon 11-30 00:00 CET
        ]
        try await ReportFixture.withProjected(events) { client in
            // from 11-29 00:00 CET = 11-28T23:00Z exactly; to 12-01 00:00 CET = 11-30T23:00Z
            // exactly: two days, one event each; in UTC both events would fall on 11-29.
            let report = try await ActivityReport.run(
                from: Self.at("2026-11-28T23:00:00Z"),
                to: Self.at("2026-11-30T23:00:00Z"),
                bucket: .day,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(report.rows.map { $0.start.rfc3339 } == ["2026-11-28T23:00:00Z", "2026-11-29T23:00:00Z"])
            #expect(report.rows.map(\.events) == [1, 1])
        }
    }

    @Test("hour buckets across the fall-back list 02:00 twice, and from in the first 02:30 widens to the first 02:00")
    func repeatedHour() async throws {
        let events = [
            ReportFixture.event("r", "2026-10-25T00:30:00Z"),  // 02:30 CEST, the first 02:30
            ReportFixture.event("r", "2026-10-25T01:30:00Z"),  // 02:30 CET, the second
        ]
        try await ReportFixture.withProjected(events) { client in
            // from = the first 02:30 (00:30Z): its local hour began at 02:00 CEST = 00:00Z.
            // Hours are an hour long in absolute time: 00:00Z (02:00 CEST), 01:00Z (02:00 CET).
            let report = try await ActivityReport.run(
                from: Self.at("2026-10-25T00:30:00Z"),
                to: Self.at("2026-10-25T02:00:00Z"),
                bucket: .hour,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(report.rows.map { $0.start.rfc3339 } == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"])
            #expect(report.rows.map(\.events) == [1, 1])
            // from = the second 02:30 (01:30Z): its hour began at 02:00 CET = 01:00Z.
            let second = try await ActivityReport.run(
                from: Self.at("2026-10-25T01:30:00Z"),
                to: Self.at("2026-10-25T02:00:00Z"),
                bucket: .hour,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(second.rows.map { $0.start.rfc3339 } == ["2026-10-25T01:00:00Z"])
            #expect(second.rows.map(\.events) == [1])
        }
    }

    @Test("hour buckets across the spring-forward skip 02:00: 01:00 CET is followed by 03:00 CEST")
    func skippedHour() async throws {
        let events = [
            ReportFixture.event("s", "2026-03-29T00:59:59.999999Z"),  // 01:59:59.999999 CET
            ReportFixture.event("s", "2026-03-29T01:00:00Z"),  // 03:00 CEST
        ]
        try await ReportFixture.withProjected(events) { client in
            // from 01:30 CET = 00:30Z widens to 01:00 CET = 00:00Z; the next hour starts 01:00Z.
            let report = try await ActivityReport.run(
                from: Self.at("2026-03-29T01:30:00+01:00"),
                to: Self.at("2026-03-29T04:00:00+02:00"),
                bucket: .hour,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(report.rows.map { $0.start.rfc3339 } == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"])
            #expect(report.rows.map(\.events) == [1, 1])
        }
    }

    @Test("a 30-minute fall-back (Lord Howe Island) ends an hour after 30 minutes, and later hours start on the local hour")
    func halfHourChange() async throws {
        // 2026-04-05 02:00 at +11:00 (15:00Z) goes back to 01:30 at +10:30.
        let events = [
            ReportFixture.event("l", "2026-04-04T14:10:00Z"),  // 01:10 +11:00
            ReportFixture.event("l", "2026-04-04T15:10:00Z"),  // 01:40 +10:30, the repeated half hour
            ReportFixture.event("l", "2026-04-04T15:40:00Z"),  // 02:10 +10:30
        ]
        try await ReportFixture.withProjected(events) { client in
            let report = try await ActivityReport.run(
                from: Self.at("2026-04-04T14:00:00Z"),
                to: Self.at("2026-04-04T16:30:00Z"),
                bucket: .hour,
                timeZone: "Australia/Lord_Howe",
                client: client,
                logger: logger
            )
            // 01:00 to the change (60 min), 01:30 to 02:00 (30 min), then 02:00 to 03:00 local.
            #expect(report.rows.map { $0.start.rfc3339 } == ["2026-04-04T14:00:00Z", "2026-04-04T15:00:00Z", "2026-04-04T15:30:00Z"])
            #expect(report.rows.map { $0.end.rfc3339 } == ["2026-04-04T15:00:00Z", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z"])
            #expect(report.rows.map(\.events) == [1, 1, 1])
        }
    }

    @Test("where clocks go back over midnight (Havana), the day starts at the first midnight, in activity and active users alike")
    func backOverMidnight() async throws {
        // 2026-11-01 01:00 at -04:00 (05:00Z) goes back to 00:00 at -05:00: midnight twice,
        // at 04:00Z and 05:00Z. The day starts at the first; it lasts 25 hours.
        let events = [ReportFixture.event("h", "2026-11-01T04:30:00Z")]  // 00:30, the first time
        try await ReportFixture.withProjected(events) { client in
            let from = Self.at("2026-10-31T04:00:00Z")
            let to = Self.at("2026-11-02T05:00:00Z")
            let activity = try await ActivityReport.run(
                from: from,
                to: to,
                bucket: .day,
                timeZone: "America/Havana",
                client: client,
                logger: logger
            )
            #expect(activity.rows.map { $0.start.rfc3339 } == ["2026-10-31T04:00:00Z", "2026-11-01T04:00:00Z"])
            #expect(activity.rows.map { $0.end.rfc3339 } == ["2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"])
            #expect(activity.rows.map(\.events) == [0, 1])
            let activeUsers = try await ActiveUsersReport.run(
                from: from,
                to: to,
                timeZone: "America/Havana",
                client: client,
                logger: logger
            )
            #expect(activeUsers.rows.map(\.day) == ["2026-10-31", "2026-11-01"])
            #expect(activeUsers.rows.map(\.dau) == [0, 1])
            // A range that ends between the two midnights holds the start of 11-01: both
            // reports list the day (AT TIME ZONE's reading of its midnight, 05:00Z, does not).
            let early = Self.at("2026-11-01T04:30:00Z")
            let earlyActivity = try await ActivityReport.run(
                from: from,
                to: early,
                bucket: .day,
                timeZone: "America/Havana",
                client: client,
                logger: logger
            )
            #expect(earlyActivity.rows.map(\.events) == [0, 1])
            let earlyUsers = try await ActiveUsersReport.run(
                from: from,
                to: early,
                timeZone: "America/Havana",
                client: client,
                logger: logger
            )
            #expect(earlyUsers.rows.map(\.day) == ["2026-10-31", "2026-11-01"])
            #expect(earlyUsers.rows.map(\.dau) == [0, 1])
        }
    }

    @Test("a zone named like an abbreviation (CET, WET) follows the zone's summer time, not the abbreviation's fixed offset")
    func abbreviationNames() async throws {
        // CET: summer time from 2026-03-29 01:00Z. In the zone, 00:59:59.999999Z is 01:59:59.999999
        // on 03-29 and 22:30Z is 00:30 on 03-30; as the fixed +01:00 the second would be 23:30
        // on 03-29.
        let events = [
            ReportFixture.event("c", "2026-03-29T00:59:59.999999Z"),
            ReportFixture.event("c", "2026-03-29T22:30:00Z"),
        ]
        try await ReportFixture.withProjected(events) { client in
            let from = Self.at("2026-03-28T23:00:00Z")
            let to = Self.at("2026-03-30T22:00:00Z")
            let days = try await ActivityReport.run(from: from, to: to, bucket: .day, timeZone: "CET", client: client, logger: logger)
            #expect(days.range.timeZone == "CET")
            #expect(days.rows.map { $0.start.rfc3339 } == ["2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"])
            #expect(days.rows.map(\.events) == [1, 1])
            let activeUsers = try await ActiveUsersReport.run(from: from, to: to, timeZone: "CET", client: client, logger: logger)
            #expect(activeUsers.rows.map(\.day) == ["2026-03-29", "2026-03-30"])
            #expect(activeUsers.rows.map(\.dau) == [1, 1])
            // WET: Western European summer time (+01:00) from 01:00Z; 22:30Z is 23:30 on 03-29.
            let rhythm = try await HourByWeekdayReport.run(from: from, to: to, timeZone: "WET", client: client, logger: logger)
            #expect(rhythm.rows.filter { $0.events > 0 }.map { [$0.weekday, $0.hour] } == [[7, 0], [7, 23]])
            #expect(try await TimeZoneCheck.resolve("CET", client: client, logger: logger) == "posix/CET")
            #expect(try await TimeZoneCheck.resolve("Europe/Paris", client: client, logger: logger) == "Europe/Paris")
        }
    }

    @Test("hour by weekday from inside the first of two 02:00 hours starts at the first (Europe/Berlin)")
    func hourByWeekdayRepeatedHour() async throws {
        let events = [ReportFixture.event("w", "2026-10-25T00:10:00Z")]  // 02:10 CEST, the first 02:10
        try await ReportFixture.withProjected(events) { client in
            // from = the first 02:30 (00:30Z): its hour began at 00:00Z, so the event counts.
            let report = try await HourByWeekdayReport.run(
                from: Self.at("2026-10-25T00:30:00Z"),
                to: Self.at("2026-10-25T02:00:00Z"),
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            let sunday2 = report.rows.first { $0.weekday == 7 && $0.hour == 2 }
            #expect(sunday2?.events == 1 && sunday2?.users == 1)
            #expect(report.rows.map(\.events).reduce(0, +) == 1)
        }
    }
}
