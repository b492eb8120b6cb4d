import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// DESIGN.md's worked example, answered by the online, last-seen and history reports.
@Suite("Online, last-seen and history reports")
struct QueryReportTests {
    let logger = TestDatabase.logger

    static func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    static let bob = SeenEvent(user: "bob", at: at("2026-03-29T00:40:00Z"), location: "/a")
    static let example = [
        SeenEvent(user: "alice", at: at("2026-03-29T00:10:00Z"), location: "/a"),
        SeenEvent(user: "alice", at: at("2026-03-29T00:40:00Z"), location: "/b"),
        SeenEvent(user: "alice", at: at("2026-03-29T01:10:00.000001Z"), location: "/c"),
        bob, bob,
    ]

    /// A fresh database holding the worked example, projected.
    func withExample(_ body: (PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.store(Self.example, client)
            try await TestDatabase.projectAll(client, count: 4)
            try await body(client)
        }
    }

    @Test("online at 00:45:00 lists alice and bob; one microsecond later, nobody")
    func online() async throws {
        try await withExample { client in
            let report = try await OnlineReport.run(
                at: Self.at("2026-03-29T00:45:00Z"),
                threshold: .seconds(300),
                client: client,
                logger: logger
            )
            #expect(report.users.map(\.user) == ["alice", "bob"])
            #expect(
                report.json
                    == #"{"at":"2026-03-29T00:45:00Z","threshold_seconds":300,"users":[{"user":"alice","last_seen":"2026-03-29T00:40:00Z","location":"/b"},{"user":"bob","last_seen":"2026-03-29T00:40:00Z","location":"/a"}]}"#
            )
            let later = try await OnlineReport.run(
                at: Self.at("2026-03-29T00:45:00.000001Z"),
                threshold: .seconds(300),
                client: client,
                logger: logger
            )
            #expect(later.users.isEmpty)
            #expect(later.table.render(.table).hasSuffix("(none)\n"))
        }
    }

    @Test("last seen of alice as of 01:00 is 00:40 at /b; carol was never seen")
    func lastSeen() async throws {
        try await withExample { client in
            let alice = try await LastSeenReport.run(user: "alice", asOf: Self.at("2026-03-29T01:00:00Z"), client: client, logger: logger)
            #expect(alice.json == #"{"user":"alice","as_of":"2026-03-29T01:00:00Z","last_seen":"2026-03-29T00:40:00Z","location":"/b"}"#)
            let now = try await LastSeenReport.run(user: "alice", asOf: Timestamp.now, client: client, logger: logger)
            #expect(now.lastSeen == Self.at("2026-03-29T01:10:00.000001Z") && now.location == "/c")
            let before = try await LastSeenReport.run(user: "alice", asOf: Self.at("2026-03-29T00:09:59Z"), client: client, logger: logger)
            #expect(before.lastSeen == nil)
            let carol = try await LastSeenReport.run(user: "carol", asOf: Self.at("2026-03-29T01:00:00Z"), client: client, logger: logger)
            #expect(carol.json == #"{"user":"carol","as_of":"2026-03-29T01:00:00Z","last_seen":null,"location":null}"#)
        }
    }

    @Test("alice's history: 00:10–00:40 (1800 s, 2 events) and 01:10:00.000001 (0 s)")
    func history() async throws {
        try await withExample { client in
            let report = try await HistoryReport.run(
                user: "alice",
                from: Timestamp.earliest,
                to: Timestamp.latest,
                client: client,
                logger: logger
            )
            #expect(
                report.json
                    == #"{"user":"alice","sessions":[{"start":"2026-03-29T00:10:00Z","end":"2026-03-29T00:40:00Z","duration_seconds":1800,"events":2},{"start":"2026-03-29T01:10:00.000001Z","end":"2026-03-29T01:10:00.000001Z","duration_seconds":0,"events":1}]}"#
            )
            let ranged = try await HistoryReport.run(
                user: "alice",
                from: Self.at("2026-03-29T00:10:00.000001Z"),
                to: Timestamp.latest,
                client: client,
                logger: logger
            )
            #expect(ranged.sessions.count == 1)
            let empty = try await HistoryReport.run(
                user: "bob",
                from: Self.at("2026-03-30T00:00:00Z"),
                to: Self.at("2026-03-31T00:00:00Z"),
                client: client,
                logger: logger
            )
            #expect(empty.sessions.isEmpty)
            let unknown = await #expect(throws: ReportError.self) {
                try await HistoryReport.run(
                    user: "carol",
                    from: Timestamp(microsecondsSince1970: 0),
                    to: Timestamp(microsecondsSince1970: 1),
                    client: client,
                    logger: logger
                )
            }
            #expect(unknown?.code == .unknownUser)
            let reversed = await #expect(throws: ReportError.self) {
                try await HistoryReport.run(
                    user: "alice",
                    from: Timestamp(microsecondsSince1970: 1),
                    to: Timestamp(microsecondsSince1970: 1),
                    client: client,
                    logger: logger
                )
            }
            #expect(reversed?.code == .emptyRange)
        }
    }
}

@Suite("Activity report")
struct ActivityReportTests {
    let logger = TestDatabase.logger
    func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    @Test("the worked example: hours in UTC, and the 23-hour day of 2026-03-29 in Berlin")
    func workedExample() async throws {
        try await QueryReportTests().withExample { client in
            let hours = try await ActivityReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-29T02:00:00Z"),
                bucket: .hour,
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            #expect(
                hours.json
                    == #"{"bucket":"hour","tz":"UTC","from":"2026-03-29T00:00:00Z","to":"2026-03-29T02:00:00Z","rows":[{"start":"2026-03-29T00:00:00Z","events":3,"users":2},{"start":"2026-03-29T01:00:00Z","events":1,"users":1}]}"#
            )
            let day = try await ActivityReport.run(
                from: at("2026-03-29T00:30:00+01:00"),
                to: at("2026-03-29T12:00:00+02:00"),
                bucket: .day,
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(day.rows.count == 1)
            #expect(day.rows.first?.start == at("2026-03-28T23:00:00Z"))
            let dayLength = day.rows.first.map { $0.end - $0.start }
            #expect(dayLength == .seconds(82_800))  // 23 hours
            #expect(day.rows.first?.events == 4 && day.rows.first?.users == 2)
        }
    }

    @Test("empty buckets are listed, from is widened to its bucket, and an event at an edge starts its bucket")
    func edges() async throws {
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.store([SeenEvent(user: "edge", at: at("2026-03-29T02:00:00Z"))], client)
            try await TestDatabase.projectAll(client, count: 1)
            let report = try await ActivityReport.run(
                from: at("2026-03-29T00:59:59Z"),
                to: at("2026-03-29T03:00:00Z"),
                bucket: .hour,
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            #expect(report.rows.map(\.start) == [at("2026-03-29T00:00:00Z"), at("2026-03-29T01:00:00Z"), at("2026-03-29T02:00:00Z")])
            #expect(report.rows.map(\.events) == [0, 0, 1])
            let weeks = try await ActivityReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-04-06T00:00:00Z"),
                bucket: .week,
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            #expect(weeks.rows.map(\.start) == [at("2026-03-23T00:00:00Z"), at("2026-03-30T00:00:00Z")])
        }
    }

    @Test("an unknown time zone and an empty range are refused in one sentence")
    func badInput() async throws {
        try await TestDatabase.withFresh { client, _ in
            let zone = await #expect(throws: ReportError.self) {
                try await ActivityReport.run(
                    from: Timestamp(microsecondsSince1970: 0),
                    to: Timestamp(microsecondsSince1970: 1),
                    bucket: .day,
                    timeZone: "Mars/Olympus",
                    client: client,
                    logger: logger
                )
            }
            #expect(zone?.code == .unknownTimeZone)
            let range = await #expect(throws: ReportError.self) {
                try await ActivityReport.run(
                    from: Timestamp(microsecondsSince1970: 1),
                    to: Timestamp(microsecondsSince1970: 1),
                    bucket: .day,
                    timeZone: "UTC",
                    client: client,
                    logger: logger
                )
            }
            #expect(range?.code == .emptyRange)
        }
    }
}

@Suite("Report formats")
struct ReportFormatTests {
    let table = ReportTable(
        columns: ["user", "last_seen", "location"],
        rows: [["tab\tuser", "2026-03-29T00:40:00Z", "/a,b \"quoted\""], ["bob", "2026-03-29T00:40:00Z", nil], ["pipe|user", "x", "y"]]
    )

    @Test("an aligned table shows control characters as escapes")
    func aligned() {
        let expected = [
            "user       last_seen             location",
            "---------  --------------------  -------------",
            "tab\\tuser  2026-03-29T00:40:00Z  /a,b \"quoted\"",
            "bob        2026-03-29T00:40:00Z",
            "pipe|user  x                     y",
        ]
        #expect(table.render(.table) == expected.joined(separator: "\n") + "\n")
    }

    @Test("CSV has a header, quotes what needs it, and leaves null empty")
    func csv() {
        #expect(
            table.render(.csv)
                == "user,last_seen,location\r\ntab\tuser,2026-03-29T00:40:00Z,\"/a,b \"\"quoted\"\"\"\r\nbob,2026-03-29T00:40:00Z,\r\npipe|user,x,y\r\n"
        )
    }

    @Test("Markdown escapes pipes")
    func markdown() {
        #expect(
            table.render(.md)
                == "| user | last_seen | location |\n| --- | --- | --- |\n| tab\\tuser | 2026-03-29T00:40:00Z | /a,b \"quoted\" |\n| bob | 2026-03-29T00:40:00Z |  |\n| pipe\\|user | x | y |\n"
        )
    }

    @Test("JSON strings escape quotes, backslashes and control characters; tables control characters alone, the same way")
    func json() {
        #expect(JSONText.string("a\"b\\c\nd\u{1}é") == #""a\"b\\c\nd\u0001é""#)
        #expect(JSONText.string("\u{7F}\t\r") == #""\u007f\t\r""#)
        let table = ReportTable(columns: ["user"], rows: [["a\"b\\c\nd\u{1}\u{7F}é"]])
        #expect(table.render(.table) == "user\n" + String(repeating: "-", count: 21) + "\n" + #"a"b\c\nd\u0001\u007fé"# + "\n")
        #expect(JSONText.number(1800) == "1800" && JSONText.number(0.5) == "0.5" && JSONText.number(nil) == "null")
    }
}

@Suite("Sessions and active-users reports")
struct SessionsAndActiveUsersTests {
    let logger = TestDatabase.logger
    func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    @Test("the worked example's sessions: 3, mean 600 s, p50 0, p90 1440, p99 1764; from the projection and from the log")
    func sessions() async throws {
        try await QueryReportTests().withExample { client in
            let expected =
                #"{"gap_seconds":1800,"from":"2026-03-29T00:00:00Z","to":"2026-03-30T00:00:00Z","count":3,"mean_seconds":600,"p50_seconds":0,"p90_seconds":1440,"p99_seconds":1764,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":2},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":0},{"min_seconds":900,"max_seconds":1800,"sessions":0},{"min_seconds":1800,"max_seconds":3600,"sessions":1},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#
            let projected = try await SessionsReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-30T00:00:00Z"),
                gap: .seconds(1800),
                client: client,
                logger: logger
            )
            #expect(projected.json == expected)
            // The same gap computed from the log, by setting the projector's gap elsewhere.
            try await client.query("UPDATE presence_settings SET session_gap = '1 hour'", logger: logger)
            let computed = try await SessionsReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-30T00:00:00Z"),
                gap: .seconds(1800),
                client: client,
                logger: logger
            )
            #expect(computed.json == expected)
            // A gap of 31 minutes joins alice's third event: 2 sessions, 3600 s and 0 s.
            let wider = try await SessionsReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-30T00:00:00Z"),
                gap: .seconds(1860),
                client: client,
                logger: logger
            )
            #expect(wider.count == 2 && wider.meanSeconds == 1800.000_000_5)
            let empty = try await SessionsReport.run(
                from: at("2026-04-01T00:00:00Z"),
                to: at("2026-04-02T00:00:00Z"),
                gap: .seconds(1800),
                client: client,
                logger: logger
            )
            #expect(empty.count == 0 && empty.meanSeconds == nil && empty.json.contains(#""mean_seconds":null,"p50_seconds":null"#))
        }
    }

    @Test("DAU, WAU and MAU look back before from; stickiness is null without users")
    func activeUsers() async throws {
        try await QueryReportTests().withExample { client in
            let report = try await ActiveUsersReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-31T00:00:00Z"),
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            #expect(
                report.json
                    == #"{"tz":"UTC","rows":[{"day":"2026-03-29","dau":2,"wau":2,"mau":2,"stickiness":1},{"day":"2026-03-30","dau":0,"wau":2,"mau":2,"stickiness":0}]}"#
            )
            let later = try await ActiveUsersReport.run(
                from: at("2026-04-27T00:00:00Z"),
                to: at("2026-04-29T00:00:00Z"),
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            #expect(later.rows.map(\.mau) == [2, 0])  // 2026-04-27 still reaches back to 03-29; 04-28 does not
            #expect(later.rows.last?.stickiness == nil)
        }
    }

    @Test("a user active on several days counts once per window; local days follow Berlin's 25-hour day")
    func severalDays() async throws {
        try await TestDatabase.withFresh { client, _ in
            var writer = EventLogWriter(client: client, logger: logger)
            let events = [
                SeenEvent(user: "dave", at: at("2026-10-01T12:00:00Z")),
                SeenEvent(user: "carol", at: at("2026-10-22T10:20:00Z")),  // arrives before an earlier one
                SeenEvent(user: "carol", at: at("2026-10-20T10:00:00Z")),
                SeenEvent(user: "carol", at: at("2026-10-22T10:00:00Z")),
                SeenEvent(user: "carol", at: at("2026-10-25T22:30:00Z")),  // 23:30 on the 25th in Berlin
                SeenEvent(user: "carol", at: at("2026-10-25T23:10:00Z")),  // 00:10 on the 26th
            ]
            for event in events { _ = try await writer.write([event]) }
            try await TestDatabase.projectAll(client, count: events.count, batchSize: 2)
            let from = at("2026-10-20T00:00:00+02:00")
            let to = at("2026-10-27T00:00:00+01:00")
            let report = try await ActiveUsersReport.run(from: from, to: to, timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(report.rows.map(\.day) == (20...26).map { "2026-10-\($0)" })
            #expect(report.rows.map(\.dau) == [1, 0, 1, 0, 0, 1, 1])
            #expect(report.rows.map(\.wau) == [1, 1, 1, 1, 1, 1, 1])
            #expect(report.rows.map(\.mau) == [2, 2, 2, 2, 2, 2, 2])
            let days = try await ActivityReport.run(from: from, to: to, bucket: .day, timeZone: "Europe/Berlin", client: client, logger: logger)
            #expect(days.rows.map(\.events) == [1, 0, 2, 0, 0, 1, 1])
            #expect(days.rows.map(\.users) == [1, 0, 1, 0, 0, 1, 1])
            #expect(days.rows[5].end - days.rows[5].start == .seconds(90_000))  // 25 hours
        }
    }
}
