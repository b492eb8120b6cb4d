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
    static func at(_ text: String) -> Int64 { ReportFixture.at(text) }

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
            from: "2026-11-29T00:00:00Z", to: "2026-11-29T01:30:00Z",
            starts: ["2026-11-28T23:30:00Z", "2026-11-29T00:30:00Z"], counts: [1, 1]
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
            from: "2026-11-29T00:00:00Z", to: "2026-11-29T01:15:00Z",
            starts: ["2026-11-28T23:15:00Z", "2026-11-29T00:15:00Z"], counts: [1, 1]
        ),
    ]

    @Test("local hours in a zone offset by 30 or 45 minutes start off the UTC hour", arguments: halfHours)
    func halfHourZone(_ zone: HalfHourCase) async throws {
        try await ReportFixture.withProjected(zone.events) { client in
            let report = try await ActivityReport.run(
                from: Self.at(zone.from), to: Self.at(zone.to), bucket: .hour, timeZone: zone.zone, client: client,
                logger: logger)
            #expect(report.rows.map { RFC3339.format($0.start) } == zone.starts)
            #expect(report.rows.map(\.events) == zone.counts)
            #expect(report.rows.map { $0.end - $0.start } == [3_600_000_000, 3_600_000_000])
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
                from: Self.at("2026-10-14T12:00:00Z"), to: Self.at("2026-10-27T00:00:00Z"), bucket: .week,
                timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(report.json == #"{"bucket":"week","tz":"Europe/Berlin","from":"2026-10-14T12:00:00Z","to":"2026-10-27T00:00:00Z","rows":[{"start":"2026-10-11T22:00:00Z","events":1,"users":1},{"start":"2026-10-18T22:00:00Z","events":2,"users":1},{"start":"2026-10-25T23:00:00Z","events":1,"users":1}]}"#)
            #expect(report.rows.map { ($0.end - $0.start) / 3_600_000_000 } == [168, 169, 168])
            // from exactly at Monday's midnight is its own week's start, and to exactly at the
            // next Monday's midnight lists no bucket for it: one week, 2 events.
            let exact = try await ActivityReport.run(
                from: Self.at("2026-10-18T22:00:00Z"), to: Self.at("2026-10-25T23:00:00Z"), bucket: .week,
                timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(exact.rows.map { RFC3339.format($0.start) } == ["2026-10-18T22:00:00Z"])
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
                from: Self.at("2026-11-28T23:00:00Z"), to: Self.at("2026-11-30T23:00:00Z"), bucket: .day,
                timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(report.rows.map { RFC3339.format($0.start) } == ["2026-11-28T23:00:00Z", "2026-11-29T23:00:00Z"])
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
                from: Self.at("2026-10-25T00:30:00Z"), to: Self.at("2026-10-25T02:00:00Z"), bucket: .hour,
                timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(report.rows.map { RFC3339.format($0.start) } == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"])
            #expect(report.rows.map(\.events) == [1, 1])
            // from = the second 02:30 (01:30Z): its hour began at 02:00 CET = 01:00Z.
            let second = try await ActivityReport.run(
                from: Self.at("2026-10-25T01:30:00Z"), to: Self.at("2026-10-25T02:00:00Z"), bucket: .hour,
                timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(second.rows.map { RFC3339.format($0.start) } == ["2026-10-25T01:00:00Z"])
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
                from: Self.at("2026-03-29T01:30:00+01:00"), to: Self.at("2026-03-29T04:00:00+02:00"), bucket: .hour,
                timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(report.rows.map { RFC3339.format($0.start) } == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"])
            #expect(report.rows.map(\.events) == [1, 1])
        }
    }
}
