import Foundation
import PresenceModel
import PresenceTestSupport
import Testing

@testable import PresenceIngest
@testable import PresenceReports

/// The hour-by-weekday report, `report all`'s files and the HTML page.
@Suite("Hour-by-weekday report, report files and HTML page")
struct ReportPageTests {
    let logger = TestDatabase.logger
    func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    @Test("the worked example by local hour and weekday in Berlin, Kathmandu (+05:45) and UTC")
    func hourByWeekday() async throws {
        try await QueryReportTests().withExample { client in
            // 2026-03-29 is a Sunday (ISO weekday 7). Berlin: 00:10Z and 00:40Z are 01:10 and
            // 01:40 CET (alice twice, bob once at 01:40): hour 1, 3 events, 2 users; summer time
            // begins at 01:00Z, so 01:10:00.000001Z is 03:10 CEST: hour 3, 1 event, 1 user.
            let berlin = try await HourByWeekdayReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-29T02:00:00Z"),
                timeZone: "Europe/Berlin",
                client: client,
                logger: logger
            )
            #expect(berlin.rows.count == 168)
            #expect(berlin.rows.first.map { [$0.weekday, $0.hour] } == [1, 0])
            #expect(
                berlin.rows.filter { $0.events > 0 } == [
                    .init(weekday: 7, hour: 1, events: 3, users: 2), .init(weekday: 7, hour: 3, events: 1, users: 1),
                ]
            )
            // Kathmandu is 05:45 ahead: 00:10Z is 05:55 (hour 5); 00:40Z (alice, bob) and
            // 01:10Z are 06:25 and 06:55 (hour 6). The range's first local hour, 05:00, starts
            // at 23:15Z the day before, so nothing is cut off.
            let kathmandu = try await HourByWeekdayReport.run(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-29T02:00:00Z"),
                timeZone: "Asia/Kathmandu",
                client: client,
                logger: logger
            )
            #expect(
                kathmandu.rows.filter { $0.events > 0 } == [
                    .init(weekday: 7, hour: 5, events: 1, users: 1), .init(weekday: 7, hour: 6, events: 3, users: 2),
                ]
            )
            // From 01:00Z in UTC only alice's 01:10 is in range.
            let late = try await HourByWeekdayReport.run(
                from: at("2026-03-29T01:00:00Z"),
                to: at("2026-03-29T02:00:00Z"),
                timeZone: "UTC",
                client: client,
                logger: logger
            )
            #expect(late.rows.filter { $0.events > 0 } == [.init(weekday: 7, hour: 1, events: 1, users: 1)])
            #expect(
                late.json.hasPrefix(
                    #"{"tz":"UTC","from":"2026-03-29T01:00:00Z","to":"2026-03-29T02:00:00Z","rows":[{"weekday":1,"hour":0,"events":0,"users":0},"#
                )
            )
        }
    }

    @Test("report all writes every report as CSV and JSON and a self-contained page")
    func writesFiles() async throws {
        try await QueryReportTests().withExample { client in
            var configuration = ReportSet.Configuration(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-30T00:00:00Z"),
                onlineAt: at("2026-03-29T00:45:00Z")
            )
            configuration.timeZone = "Europe/Berlin"
            configuration.generatedAt = at("2026-03-29T01:00:00Z")
            let reports = try await ReportSet.run(configuration: configuration, client: client, logger: logger)
            #expect(reports.activity.bucket == .hour)
            #expect(reports.online.users.map(\.user) == ["alice", "bob"])
            #expect(reports.sessions.count == 3)
            // Alice and bob, both seen at 00:40, are the day's peak; alone at 00:10, alice is one.
            let hour = try #require(reports.concurrency.rows.first { $0.start == at("2026-03-29T00:00:00Z") })
            #expect(hour.peak == 2 && hour.peakAt == at("2026-03-29T00:40:00Z"))
            // The range ends on 30 March, 02:00 in Berlin: no one is online that day.
            #expect(reports.dailyConcurrency.rows.map(\.peak) == [2, 0])
            #expect(reports.dailyConcurrency.rows.map(\.peakAt) == [at("2026-03-29T00:40:00Z"), nil])

            let folder = FileManager.default.temporaryDirectory.appending(path: "presence-report-\(UUID())/nested")
            defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
            let written = try reports.write(toFolder: folder.path(percentEncoded: false))
            let names: [String] = [
                "activity", "concurrency", "hour-by-weekday", "sessions", "active-users", "retention", "lifecycle", "online", "locations",
            ]
            let expected: [String] = names.flatMap { name -> [String] in [name + ".csv", name + ".json"] } + ["index.html"]
            #expect(written.map { URL(filePath: $0).lastPathComponent } == expected)
            func read(_ name: String) throws -> String { try String(contentsOf: folder.appending(path: name), encoding: .utf8) }
            #expect(try read("sessions.json") == reports.sessions.json + "\n")
            #expect(try read("online.csv") == "user,last_seen,location\r\nalice,2026-03-29T00:40:00Z,/b\r\nbob,2026-03-29T00:40:00Z,/a\r\n")

            let page = try read("index.html")
            #expect(page.hasPrefix("<!DOCTYPE html>"))
            #expect(page.components(separatedBy: "<svg ").count - 1 == 9)
            // The range's Berlin days as cohorts, to 01:00 on the 29th (when the page was made):
            // alice and bob began that day, which had not ended; on the 30th both were dormant.
            #expect(
                try read("retention.json")
                    == #"{"period":"day","tz":"Europe/Berlin","as_of":"2026-03-29T01:00:00Z","cohorts":["#
                    + #"{"start":"2026-03-28T23:00:00Z","size":2,"retained":[2],"complete":0}]}"# + "\n"
            )
            #expect(
                try read("lifecycle.csv")
                    == "start,end,new,returning,resurrecting,dormant\r\n2026-03-28T23:00:00Z,2026-03-29T22:00:00Z,2,0,0,0\r\n"
                    + "2026-03-29T22:00:00Z,2026-03-30T22:00:00Z,0,0,0,-2\r\n"
            )
            #expect(
                page.contains("<h2>Retention of cohorts</h2>") && page.contains("<title>Sun 29 Mar, day 0: 2 of 2 users, 100% (not ended)</title>")
            )
            #expect(
                page.contains("<h2>Lifecycle</h2>") && page.contains("<title>Mon 30 Mar\nNew: 0\nReturning: 0\nResurrecting: 0\nDormant: -2</title>")
            )
            #expect(page.contains("<h2>Concurrent users</h2>") && page.contains("Each day&#39;s peak"))
            #expect(page.contains("the day&#39;s peak: 2 at 01:40"))
            // Self-contained: no script, no stylesheet or image to fetch, and the only address
            // is SVG's namespace name, which is never fetched.
            for outside in ["<script", "<link", "<img", "src=", "url(", "@import"] { #expect(!page.contains(outside)) }
            #expect(page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").range(of: "http") == nil)
            #expect(page.contains("<td class=\"user\">alice</td>"))
            // The busiest locations at 00:45: alice at /b and bob at /a, one each, in byte order.
            #expect(try read("locations.csv") == "location,users\r\n/a,1\r\n/b,1\r\n")
            #expect(page.contains("<h2>Busiest locations</h2>"))
            #expect(page.contains(#"<tr><td class="location">/a</td><td>1</td><td class="bar"><span style="width:100%"></span></td></tr>"#))
            #expect(page.contains("<a href=\"sessions.csv\">CSV</a>"))
        }
    }

    @Test("the page's times come from PostgreSQL's zone data, in a zone Foundation does not know (posixrules)")
    func labelsFromPostgreSQL() async throws {
        try await QueryReportTests().withExample { client in
            // posixrules is America/New_York's zone under another name; Foundation does not
            // know it. New York is on summer time (-04:00) from 03-08.
            var configuration = ReportSet.Configuration(
                from: at("2026-03-29T00:00:00Z"),
                to: at("2026-03-29T05:00:00Z"),
                onlineAt: at("2026-03-29T00:45:00Z")
            )
            configuration.timeZone = "posixrules"
            configuration.generatedAt = at("2026-03-29T03:59:00Z")
            let page = ReportPage(
                reports: try await ReportSet.run(configuration: configuration, client: client, logger: logger),
                linksToFiles: false
            ).html
            #expect(page.contains("<p>Sat 28 Mar 2026 20:00 – Sun 29 Mar 2026 01:00 · times in posixrules</p>"))
            #expect(page.contains("Made by Presence at Sat 28 Mar 2026 23:59 (posixrules)."))
            // alice and bob were last seen at 00:40Z, 20:40 in New York.
            #expect(page.contains("<td class=\"user\">alice</td><td>20:40 (5 min ago)</td>"))
            // The hours' axis names each local day at its first hour: Sat 28 Mar at 20:00, Sun 29 Mar at 00:00.
            #expect(page.contains(">Sat 28 Mar<") && page.contains(">Sun 29 Mar<"))
        }
    }

    @Test("user text on the page is escaped")
    func escapesUserText() async throws {
        try await TestDatabase.withFresh { client, _ in
            var writer = EventLogWriter(client: client, logger: logger)
            _ = try await writer.write([
                SeenEvent(user: "<b>\"x\" & 'y'</b>", at: at("2026-03-29T00:40:00Z"), location: "/<script>alert(1)</script>")
            ])
            try await TestDatabase.projectAll(client, count: 1)
            let reports = try await ReportSet.run(
                configuration: .init(from: at("2026-03-29T00:00:00Z"), to: at("2026-03-29T01:00:00Z"), onlineAt: at("2026-03-29T00:41:00Z")),
                client: client,
                logger: logger
            )
            let page = ReportPage(reports: reports, linksToFiles: false).html
            #expect(page.contains("&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"))
            #expect(page.contains("/&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.contains("<b>") && !page.contains("<script"))
            #expect(!page.contains("href="))
        }
    }

    @Test("an output folder that cannot be made is one sentence")
    func unwritableFolder() async throws {
        try await QueryReportTests().withExample { client in
            let reports = try await ReportSet.run(
                configuration: .init(from: at("2026-03-29T00:00:00Z"), to: at("2026-03-29T01:00:00Z"), onlineAt: at("2026-03-29T01:00:00Z")),
                client: client,
                logger: logger
            )
            let file = FileManager.default.temporaryDirectory.appending(path: "presence-file-\(UUID())")
            try Data("not a folder".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let error = #expect(throws: ReportError.self) {
                try reports.write(toFolder: file.appending(path: "inside").path(percentEncoded: false))
            }
            #expect(error?.code == .unwritableOutput)
            #expect(error?.description.hasPrefix("Cannot create the folder ") == true)
        }
    }

    @Test("the page's numbers, durations, shares, axes and bin labels")
    func pageText() {
        #expect(PageText.count(0) == "0" && PageText.count(999) == "999" && PageText.count(1_234_567) == "1,234,567")
        #expect(PageText.count(-1_234) == "-1,234")
        #expect(PageText.duration(seconds: 0) == "0 s" && PageText.duration(seconds: 316.463) == "5 min 16 s")
        #expect(PageText.duration(seconds: 3_600) == "1 h" && PageText.duration(seconds: 90_061) == "1 d 1 h")
        #expect(PageText.duration(seconds: nil) == "–")
        #expect(PageText.percent(0.6) == "60%" && PageText.percent(0.2262) == "22.6%" && PageText.percent(0.00004) == "<0.1%")
        #expect(PageText.percent(0) == "0%" && PageText.percent(nil) == "–")

        #expect(ChartScale(largest: 0).ticks == [0, 1])
        #expect(ChartScale(largest: 2_526).ticks == [0, 1_000, 2_000, 3_000])
        #expect(ChartScale(largest: 8_695).maximum == 10_000)
        #expect(ChartScale(largest: 3).ticks == [0, 1, 2, 3])
        #expect(ChartScale(largest: 1, wholeSteps: false).ticks.count == 6)

        let labels = SessionsReport.binEdges.indices.map { index in
            HistogramChart.label(
                .init(
                    minSeconds: SessionsReport.binEdges[index],
                    maxSeconds: index + 1 < SessionsReport.binEdges.count ? SessionsReport.binEdges[index + 1] : nil,
                    sessions: 0
                )
            )
        }
        #expect(labels == ["< 1 min", "1–5 min", "5–15 min", "15–30 min", "30 min – 1 h", "1–2 h", "≥ 2 h"])
        #expect(HeatMapChart.color(0) == "#f7fbff" && HeatMapChart.color(1) == "#08306b")
    }
}
