import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// Every report run as a member of `presence_reader` (Migrations/0006), which may read and
/// nothing else, answers as it does for the log's owner.
@Suite("Reports as the reader role")
struct ReaderRoleTests {
    let logger = TestDatabase.logger

    static func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    static let events =
        QueryReportTests.example + [
            SeenEvent(user: "carol", at: at("2026-03-30T09:00:00Z"), location: "/x"),
            SeenEvent(user: "carol", at: at("2026-03-30T09:12:00Z"), location: "/y"),
            SeenEvent(user: "dave", at: at("2026-04-02T23:59:59Z"), location: nil),
        ]

    /// Every report, the ones that read the log included, as one comparable value.
    struct Answers: Hashable {
        var reports: ReportSet
        var otherGap: SessionsReport
        var otherThreshold: ConcurrencyReport
        var viewers: ViewersReport
        var lastSeenNow: LastSeenReport
        var lastSeenPast: LastSeenReport
        var history: HistoryReport
        var onlinePast: OnlineReport
        var folded: Int
        var waiting: Int
        var onlineCount: Int

        static func read(_ client: PostgresClient, now: Int64) async throws -> Answers {
            let logger = TestDatabase.logger
            var configuration = ReportSet.Configuration(
                from: at("2026-03-28T00:00:00Z"),
                to: at("2026-04-04T00:00:00Z"),
                onlineAt: Timestamp(microsecondsSince1970: now)
            )
            configuration.timeZone = "Europe/Berlin"
            configuration.generatedAt = Timestamp(microsecondsSince1970: now)
            let status = try await ProjectorStatus.read(client: client, logger: logger)
            let count = try await client.query("SELECT users FROM online_count", logger: logger).collect()
            return Answers(
                reports: try await ReportSet.run(configuration: configuration, client: client, logger: logger),
                otherGap: try await SessionsReport.run(
                    from: at("2026-03-28T00:00:00Z"),
                    to: at("2026-04-04T00:00:00Z"),
                    gap: .seconds(600),
                    client: client,
                    logger: logger
                ),
                otherThreshold: try await ConcurrencyReport.run(
                    from: at("2026-03-28T00:00:00Z"),
                    to: at("2026-04-04T00:00:00Z"),
                    bucket: .hour,
                    timeZone: "UTC",
                    threshold: .seconds(600),
                    client: client,
                    logger: logger
                ),
                // Ends inside quarter hours: the log is read at both.
                viewers: try await ViewersReport.run(
                    location: "/a",
                    from: at("2026-03-29T00:10:00Z"),
                    to: at("2026-03-29T00:40:00.000001Z"),
                    client: client,
                    logger: logger
                ),
                lastSeenNow: try await LastSeenReport.run(user: "alice", asOf: Timestamp(microsecondsSince1970: now), client: client, logger: logger),
                lastSeenPast: try await LastSeenReport.run(user: "alice", asOf: at("2026-03-29T01:00:00Z"), client: client, logger: logger),
                history: try await HistoryReport.run(
                    user: "carol",
                    from: Timestamp.earliest,
                    to: Timestamp.latest,
                    client: client,
                    logger: logger
                ),
                onlinePast: try await OnlineReport.run(
                    at: at("2026-03-29T00:45:00Z"),
                    threshold: .seconds(300),
                    client: client,
                    logger: logger
                ),
                folded: status.folded,
                waiting: status.waiting,
                onlineCount: try count.first?.decode(Int.self) ?? -1
            )
        }
    }

    @Test("the reader runs every report, those that read the log too, with the owner's answers")
    func everyReport() async throws {
        try await TestDatabase.withFresh { owner, settings in
            try await TestDatabase.store(Self.events, owner)
            try await TestDatabase.projectAll(owner, count: Set(Self.events).count)
            let now = Timestamp.now.microsecondsSince1970
            let expected = try await Answers.read(owner, now: now)
            #expect(expected.reports.online.users.isEmpty && expected.onlinePast.users.count == 2)
            #expect(expected.lastSeenPast.location == "/b" && expected.history.sessions.count == 1)
            #expect(expected.folded == Set(Self.events).count && expected.waiting == 0)
            // alice at 00:10 and bob at 00:40 (at /a) are both in the range.
            #expect(expected.viewers.viewers.map(\.user) == ["bob", "alice"])
            #expect(expected.otherThreshold.rows.contains { $0.peak == 2 })

            try await TestDatabase.withLogin(as: .reader, settings: settings) { reader, _ in
                #expect(try await Answers.read(reader, now: now) == expected)
                let page = ReportPage(reports: try await Answers.read(reader, now: now).reports, linksToFiles: false)
                #expect(page.html.contains("<svg"))
            }
        }
    }
}
