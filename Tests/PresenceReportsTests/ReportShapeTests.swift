import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// ann: 09:00 → 09:20 → 09:50 (the last gap exactly 30 min): one session, 3000 s, 3 events.
/// bo "b", x: one event, 0 s, no location. cy: 11-20, inside the 30 days before 11-29 only.
private enum ShapeEvents {
    static let all = [
        ReportFixture.event("ann", "2026-11-29T09:00:00Z", "/home"),
        ReportFixture.event("ann", "2026-11-29T09:20:00Z", "/a,b"),
        ReportFixture.event("ann", "2026-11-29T09:50:00Z", "/a|b"),
        ReportFixture.event(#"bo "b", x"#, "2026-11-29T09:58:00Z"),
        ReportFixture.event("cy", "2026-11-20T12:00:00Z", "/old"),
    ]
}

/// Each report in each format (DESIGN.md, "Command line" and "JSON shapes"), whole strings
/// written by hand: an aligned table (header, dashes, two spaces between columns, no trailing
/// spaces), CSV (header, CRLF, quotes around commas and quotes), Markdown, and JSON in
/// DESIGN.md's key order with explicit nulls.
@Suite("Every report in every format", .sharedEvents(ShapeEvents.all))
struct ReportShapeTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    func lines(_ lines: String...) -> String { lines.joined(separator: "\n") + "\n" }

    @Test("online: users, last_seen, location; a last seen exactly threshold before the moment is online")
    func online() async throws {
        let client = try #require(SharedEvents.client)
        // At 10:00 with 10 min: [09:50, 10:00] holds bo (09:58) and ann (09:50, the edge).
        let report = try await OnlineReport.run(
            at: Self.at("2026-11-29T10:00:00Z"),
            threshold: .seconds(600),
            client: client,
            logger: logger
        )
        #expect(
            report.json
                == #"{"at":"2026-11-29T10:00:00Z","threshold_seconds":600,"users":[{"user":"bo \"b\", x","last_seen":"2026-11-29T09:58:00Z","location":null},{"user":"ann","last_seen":"2026-11-29T09:50:00Z","location":"/a|b"}]}"#
        )
        #expect(
            report.table.render(.table)
                == lines(
                    "user       last_seen             location",
                    "---------  --------------------  --------",
                    #"bo "b", x  2026-11-29T09:58:00Z"#,
                    "ann        2026-11-29T09:50:00Z  /a|b"
                )
        )
        #expect(
            report.table.render(.csv) == "user,last_seen,location\r\n\"bo \"\"b\"\", x\",2026-11-29T09:58:00Z,\r\nann,2026-11-29T09:50:00Z,/a|b\r\n"
        )
        #expect(
            report.table.render(.md)
                == lines(
                    "| user | last_seen | location |",
                    "| --- | --- | --- |",
                    #"| bo "b", x | 2026-11-29T09:58:00Z |  |"#,
                    #"| ann | 2026-11-29T09:50:00Z | /a\|b |"#
                )
        )
    }

    @Test("last-seen: one row; a user never seen has empty cells and JSON nulls")
    func lastSeen() async throws {
        let client = try #require(SharedEvents.client)
        // As of 09:30, ann's latest event is 09:20 at /a,b.
        let ann = try await LastSeenReport.run(user: "ann", asOf: Self.at("2026-11-29T09:30:00Z"), client: client, logger: logger)
        #expect(ann.json == #"{"user":"ann","as_of":"2026-11-29T09:30:00Z","last_seen":"2026-11-29T09:20:00Z","location":"/a,b"}"#)
        #expect(
            ann.table.render(.table)
                == lines(
                    "user  as_of                 last_seen             location",
                    "----  --------------------  --------------------  --------",
                    "ann   2026-11-29T09:30:00Z  2026-11-29T09:20:00Z  /a,b"
                )
        )
        #expect(ann.table.render(.csv) == "user,as_of,last_seen,location\r\nann,2026-11-29T09:30:00Z,2026-11-29T09:20:00Z,\"/a,b\"\r\n")
        #expect(
            ann.table.render(.md)
                == lines(
                    "| user | as_of | last_seen | location |",
                    "| --- | --- | --- | --- |",
                    "| ann | 2026-11-29T09:30:00Z | 2026-11-29T09:20:00Z | /a,b |"
                )
        )

        let dee = try await LastSeenReport.run(user: "dee", asOf: Self.at("2026-11-29T09:30:00Z"), client: client, logger: logger)
        #expect(dee.json == #"{"user":"dee","as_of":"2026-11-29T09:30:00Z","last_seen":null,"location":null}"#)
        #expect(
            dee.table.render(.table)
                == lines(
                    "user  as_of                 last_seen  location",
                    "----  --------------------  ---------  --------",
                    "dee   2026-11-29T09:30:00Z"
                )
        )
        #expect(dee.table.render(.csv) == "user,as_of,last_seen,location\r\ndee,2026-11-29T09:30:00Z,,\r\n")
        #expect(
            dee.table.render(.md)
                == lines(
                    "| user | as_of | last_seen | location |",
                    "| --- | --- | --- | --- |",
                    "| dee | 2026-11-29T09:30:00Z |  |  |"
                )
        )
    }

    @Test("history: one row per session; none prints (none) under the header")
    func history() async throws {
        let client = try #require(SharedEvents.client)
        let ann = try await HistoryReport.run(
            user: "ann",
            from: Timestamp.earliest,
            to: Timestamp.latest,
            client: client,
            logger: logger
        )
        #expect(
            ann.json
                == #"{"user":"ann","sessions":[{"start":"2026-11-29T09:00:00Z","end":"2026-11-29T09:50:00Z","duration_seconds":3000,"events":3}]}"#
        )
        #expect(
            ann.table.render(.table)
                == lines(
                    "start                 end                   duration_seconds  events",
                    "--------------------  --------------------  ----------------  ------",
                    "2026-11-29T09:00:00Z  2026-11-29T09:50:00Z  3000              3"
                )
        )
        #expect(ann.table.render(.csv) == "start,end,duration_seconds,events\r\n2026-11-29T09:00:00Z,2026-11-29T09:50:00Z,3000,3\r\n")
        #expect(
            ann.table.render(.md)
                == lines(
                    "| start | end | duration_seconds | events |",
                    "| --- | --- | --- | --- |",
                    "| 2026-11-29T09:00:00Z | 2026-11-29T09:50:00Z | 3000 | 3 |"
                )
        )

        let bo = try await HistoryReport.run(
            user: #"bo "b", x"#,
            from: Timestamp.earliest,
            to: Timestamp.latest,
            client: client,
            logger: logger
        )
        #expect(
            bo.json
                == #"{"user":"bo \"b\", x","sessions":[{"start":"2026-11-29T09:58:00Z","end":"2026-11-29T09:58:00Z","duration_seconds":0,"events":1}]}"#
        )

        let none = try await HistoryReport.run(
            user: "ann",
            from: Self.at("2026-11-30T00:00:00Z"),
            to: Self.at("2026-12-01T00:00:00Z"),
            client: client,
            logger: logger
        )
        #expect(none.json == #"{"user":"ann","sessions":[]}"#)
        #expect(
            none.table.render(.table)
                == lines(
                    "start  end  duration_seconds  events",
                    "-----  ---  ----------------  ------",
                    "(none)"
                )
        )
        #expect(none.table.render(.csv) == "start,end,duration_seconds,events\r\n")
        #expect(none.table.render(.md) == lines("| start | end | duration_seconds | events |", "| --- | --- | --- | --- |"))
    }

    @Test("activity: start and end in the table, start only in JSON, with the range asked for")
    func activity() async throws {
        let client = try #require(SharedEvents.client)
        // Berlin days from 11-29T00:00Z (01:00 CET, widened to 11-28T23:00Z) to 11-30T00:00Z:
        // 11-29 holds ann's 3 events and bo's 1; 11-30 (from 11-29T23:00Z) is empty.
        let report = try await ActivityReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-30T00:00:00Z"),
            bucket: .day,
            timeZone: "Europe/Berlin",
            client: client,
            logger: logger
        )
        #expect(
            report.json
                == #"{"bucket":"day","tz":"Europe/Berlin","from":"2026-11-29T00:00:00Z","to":"2026-11-30T00:00:00Z","rows":[{"start":"2026-11-28T23:00:00Z","events":4,"users":2},{"start":"2026-11-29T23:00:00Z","events":0,"users":0}]}"#
        )
        #expect(
            report.table.render(.table)
                == lines(
                    "start                 end                   events  users",
                    "--------------------  --------------------  ------  -----",
                    "2026-11-28T23:00:00Z  2026-11-29T23:00:00Z  4       2",
                    "2026-11-29T23:00:00Z  2026-11-30T23:00:00Z  0       0"
                )
        )
        #expect(
            report.table.render(.csv)
                == "start,end,events,users\r\n2026-11-28T23:00:00Z,2026-11-29T23:00:00Z,4,2\r\n2026-11-29T23:00:00Z,2026-11-30T23:00:00Z,0,0\r\n"
        )
        #expect(
            report.table.render(.md)
                == lines(
                    "| start | end | events | users |",
                    "| --- | --- | --- | --- |",
                    "| 2026-11-28T23:00:00Z | 2026-11-29T23:00:00Z | 4 | 2 |",
                    "| 2026-11-29T23:00:00Z | 2026-11-30T23:00:00Z | 0 | 0 |"
                )
        )
    }

    @Test("sessions: the summary then one row per bin; CSV quotes the bins' commas")
    func sessions() async throws {
        let client = try #require(SharedEvents.client)
        // ann 3000 s and bo 0 s start on 11-29: count 2, mean 1500; percentile_cont at p·1:
        // p50 1500, p90 0.9·3000 = 2700, p99 0.99·3000 = 2970.
        let report = try await SessionsReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-30T00:00:00Z"),
            gap: .seconds(1800),
            client: client,
            logger: logger
        )
        #expect(
            report.json
                == #"{"gap_seconds":1800,"from":"2026-11-29T00:00:00Z","to":"2026-11-30T00:00:00Z","count":2,"mean_seconds":1500,"p50_seconds":1500,"p90_seconds":2700,"p99_seconds":2970,"histogram":[{"min_seconds":0,"max_seconds":60,"sessions":1},{"min_seconds":60,"max_seconds":300,"sessions":0},{"min_seconds":300,"max_seconds":900,"sessions":0},{"min_seconds":900,"max_seconds":1800,"sessions":0},{"min_seconds":1800,"max_seconds":3600,"sessions":1},{"min_seconds":3600,"max_seconds":7200,"sessions":0},{"min_seconds":7200,"max_seconds":null,"sessions":0}]}"#
        )
        #expect(
            report.table.render(.table)
                == lines(
                    "measure           value",
                    "----------------  -----",
                    "sessions          2",
                    "mean_seconds      1500",
                    "p50_seconds       1500",
                    "p90_seconds       2700",
                    "p99_seconds       2970",
                    "[0 s, 60 s)       1",
                    "[60 s, 300 s)     0",
                    "[300 s, 900 s)    0",
                    "[900 s, 1800 s)   0",
                    "[1800 s, 3600 s)  1",
                    "[3600 s, 7200 s)  0",
                    "[7200 s, ∞)       0"
                )
        )
        #expect(
            report.table.render(.csv)
                == [
                    "measure,value", "sessions,2", "mean_seconds,1500", "p50_seconds,1500", "p90_seconds,2700", "p99_seconds,2970",
                    #""[0 s, 60 s)",1"#, #""[60 s, 300 s)",0"#, #""[300 s, 900 s)",0"#, #""[900 s, 1800 s)",0"#,
                    #""[1800 s, 3600 s)",1"#, #""[3600 s, 7200 s)",0"#, #""[7200 s, ∞)",0"#,
                ].map { $0 + "\r\n" }.joined()
        )
        #expect(
            report.table.render(.md)
                == lines(
                    "| measure | value |",
                    "| --- | --- |",
                    "| sessions | 2 |",
                    "| mean_seconds | 1500 |",
                    "| p50_seconds | 1500 |",
                    "| p90_seconds | 2700 |",
                    "| p99_seconds | 2970 |",
                    "| [0 s, 60 s) | 1 |",
                    "| [60 s, 300 s) | 0 |",
                    "| [300 s, 900 s) | 0 |",
                    "| [900 s, 1800 s) | 0 |",
                    "| [1800 s, 3600 s) | 1 |",
                    "| [3600 s, 7200 s) | 0 |",
                    "| [7200 s, ∞) | 0 |"
                )
        )
    }

    @Test("active users: stickiness in full in JSON, to four places in the tables")
    func activeUsers() async throws {
        let client = try #require(SharedEvents.client)
        // Berlin days 11-29 and 11-30 (its midnight, 11-29T23:00Z, is before to). 11-29: DAU
        // {ann, bo}, WAU the same, MAU adds cy (11-20): 2/3. 11-30: DAU 0, WAU 2, MAU 3: 0.
        let report = try await ActiveUsersReport.run(
            from: Self.at("2026-11-29T00:00:00Z"),
            to: Self.at("2026-11-30T00:00:00Z"),
            timeZone: "Europe/Berlin",
            client: client,
            logger: logger
        )
        #expect(
            report.json
                == #"{"tz":"Europe/Berlin","rows":[{"day":"2026-11-29","dau":2,"wau":2,"mau":3,"stickiness":0.6666666666666666},{"day":"2026-11-30","dau":0,"wau":2,"mau":3,"stickiness":0}]}"#
        )
        #expect(
            report.table.render(.table)
                == lines(
                    "day         dau  wau  mau  stickiness",
                    "----------  ---  ---  ---  ----------",
                    "2026-11-29  2    2    3    0.6667",
                    "2026-11-30  0    2    3    0"
                )
        )
        #expect(report.table.render(.csv) == "day,dau,wau,mau,stickiness\r\n2026-11-29,2,2,3,0.6667\r\n2026-11-30,0,2,3,0\r\n")
        #expect(
            report.table.render(.md)
                == lines(
                    "| day | dau | wau | mau | stickiness |",
                    "| --- | --- | --- | --- | --- |",
                    "| 2026-11-29 | 2 | 2 | 3 | 0.6667 |",
                    "| 2026-11-30 | 0 | 2 | 3 | 0 |"
                )
        )
    }
}
