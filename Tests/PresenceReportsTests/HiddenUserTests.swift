import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceStore
import PresenceTestSupport
import Testing

/// DESIGN.md, "Hidden user": the lists that name users to others leave a hidden user out;
/// counts and aggregates still count them; the operator's reports answer and say so.
@Suite("Hidden users")
struct HiddenUserTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { QueryReportTests.at(text) }

    @Test("hiding alice takes her out of online, presence at a location and viewers, not out of counts; showing her brings her back")
    func listsAndCounts() async throws {
        try await QueryReportTests().withExample { client in
            let moment = Self.at("2026-03-29T00:45:00Z")
            func lists() async throws -> [String] {
                let online = try await OnlineReport.run(at: moment, threshold: .seconds(300), client: client, logger: logger)
                let atB = try await OnlineReport.run(at: moment, threshold: .seconds(300), location: .exact("/b"), client: client, logger: logger)
                let viewers = try await ViewersReport.run(
                    location: "/a",
                    from: Self.at("2026-03-29T00:00:00Z"),
                    to: Self.at("2026-03-29T02:00:00Z"),
                    client: client,
                    logger: logger
                )
                return [
                    online.users.map(\.user).joined(separator: ","), atB.users.map(\.user).joined(separator: ","),
                    viewers.viewers.map(\.user).joined(separator: ","),
                ]
            }
            func counts() async throws -> [String] {
                let online = try await OnlineReport.run(at: moment, threshold: .seconds(300), client: client, logger: logger)
                let atB = try await OnlineReport.run(at: moment, threshold: .seconds(300), location: .exact("/b"), client: client, logger: logger)
                let locations = try await LocationsReport.run(at: moment, threshold: .seconds(300), limit: 10, client: client, logger: logger)
                let activity = try await ActivityReport.run(
                    from: Self.at("2026-03-29T00:00:00Z"),
                    to: Self.at("2026-03-29T02:00:00Z"),
                    bucket: .hour,
                    timeZone: "UTC",
                    client: client,
                    logger: logger
                )
                return ["online \(online.users.count + online.hiddenUsers)", "at /b \(atB.users.count + atB.hiddenUsers)"]
                    + locations.locations.map { "\($0.location) \($0.users)" } + activity.rows.map { "\($0.events) \($0.users)" }
            }
            let shownLists = try await lists()
            let shownCounts = try await counts()
            #expect(shownLists == ["alice,bob", "alice", "bob,alice"])
            #expect(shownCounts.prefix(2) == ["online 2", "at /b 1"])

            #expect(try await Privacy.hide("alice", client: client, logger: logger))
            #expect(try await lists() == ["bob", "", "bob"])
            #expect(try await counts() == shownCounts)
            // The page counts her among those online, and does not name her.
            let reports = try await ReportSet.run(
                configuration: .init(from: Self.at("2026-03-29T00:00:00Z"), to: Self.at("2026-03-30T00:00:00Z"), onlineAt: moment),
                client: client,
                logger: logger
            )
            let page = ReportPage(reports: reports, linksToFiles: false).html
            #expect(page.contains("Online: 2 users") && page.contains("1 of them asked not to be shown and is not listed."))
            #expect(page.contains(">bob<") && !page.contains("alice"))
            // The operator's answers, and what others are told.
            let lastSeen = try await LastSeenReport.run(user: "alice", asOf: Self.at("2026-03-29T01:00:00Z"), client: client, logger: logger)
            #expect(lastSeen.hidden && lastSeen.lastSeen == Self.at("2026-03-29T00:40:00Z"))
            #expect(lastSeen.json.hasSuffix(#""location":"/b","hidden":true}"#))
            #expect(lastSeen.shownToOthers.lastSeen == nil && lastSeen.shownToOthers.location == nil && !lastSeen.shownToOthers.hidden)
            let history = try await HistoryReport.run(
                user: "alice",
                from: Self.at("2026-03-29T00:00:00Z"),
                to: Self.at("2026-03-30T00:00:00Z"),
                client: client,
                logger: logger
            )
            #expect(history.hidden && history.sessions.count == 2)
            let error = #expect(throws: ReportError.self) { try history.requireShownToOthers() }
            #expect(error?.code == .unknownUser)

            #expect(try await Privacy.unhide("alice", client: client, logger: logger))
            #expect(try await lists() == shownLists)
        }
    }
}
