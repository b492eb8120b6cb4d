import Foundation
import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// Presence at a location (DESIGN.md): a user is at L at t when online at t and their latest
/// event at or before t is at L. The expected answers are computed here from the events.
@Suite("Presence at a location")
struct LocationPresenceTests {
    let logger = TestDatabase.logger
    static let threshold: Duration = .seconds(300)
    static let start = Timestamp(rfc3339: "2026-06-01T12:00:00Z")!

    /// Users who move between pages, one with no location, one with SQL's pattern characters
    /// in hers, and one exactly one threshold before the moments asked about.
    static let events: [SeenEvent] = {
        var events: [SeenEvent] = []
        let pages = ["/forum/1", "/forum/2", "/forum/2/posts", "/forums", "/", "/a_b%/x", "/aXbY/x"]
        var random = SplitMix64(seed: 15)
        for user in 0..<40 {
            var at = start + .seconds(Int(random.next() % 600))
            for _ in 0..<(1 + Int(random.next() % 6)) {
                let page = random.next() % 9 == 0 ? nil : pages[Int(random.next() % UInt64(pages.count))]
                events.append(SeenEvent(user: "user\(user)", at: at, location: page))
                at = at + .seconds(Int(random.next() % 240))
            }
        }
        // Exactly one threshold before 12:20: online at 12:20, not a microsecond later.
        events.append(SeenEvent(user: "edge", at: start + .seconds(15 * 60), location: "/forum/1"))
        // A location with LIKE's pattern characters, and one that LIKE '/a_b%' would match.
        events.append(SeenEvent(user: "pattern", at: start + .seconds(17 * 60), location: "/a_b%/x"))
        events.append(SeenEvent(user: "lookalike", at: start + .seconds(17 * 60), location: "/aXbY/x"))
        // Moves away from /forum/1: at /forum/1 only until 12:18.
        events.append(SeenEvent(user: "mover", at: start + .seconds(17 * 60), location: "/forum/1"))
        events.append(SeenEvent(user: "mover", at: start + .seconds(18 * 60), location: "/settings"))
        return events
    }()

    static let moments = [start + .seconds(5 * 60), start + .seconds(10 * 60), start + .seconds(17 * 60 + 30), start + .seconds(20 * 60)]
    static let matches: [LocationMatch?] = [
        nil, .exact("/forum/1"), .exact("/forum/2"), .prefix("/forum/"), .prefix("/forum"), .exact("/a_b%/x"), .prefix("/a_b%"), .exact("/nowhere"),
    ]

    /// Each user's latest event at or before `at`, if they are online then.
    static func online(at: Timestamp) -> [SeenEvent] {
        var latest: [String: SeenEvent] = [:]
        for event in events where event.at <= at {
            if let known = latest[event.user], known.at >= event.at { continue }
            latest[event.user] = event
        }
        return latest.values.filter { at - $0.at <= threshold }
    }

    /// Whether a location is the one asked about, by plain string comparison.
    static func isAt(_ location: String?, _ match: LocationMatch?) -> Bool {
        switch match {
        case nil: true
        case .exact(let text)?: location == text
        case .prefix(let text)?: location?.hasPrefix(text) ?? false
        }
    }

    @Test("online at a location, exactly or by prefix, equals the definition at several moments")
    func onlineAtLocation() async throws {
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.store(Self.events, client)
            for at in Self.moments {
                for match in Self.matches {
                    let report = try await OnlineReport.run(at: at, threshold: Self.threshold, location: match, client: client, logger: logger)
                    let expected = Self.online(at: at).filter { Self.isAt($0.location, match) }
                        .sorted { $0.at != $1.at ? $0.at > $1.at : $0.user < $1.user }
                    #expect(report.users.map(\.user) == expected.map(\.user), "at \(at) \(String(describing: match))")
                    #expect(report.users.allSatisfy { Self.isAt($0.location, match) })
                }
            }
            let pattern = try await OnlineReport.run(
                at: Self.moments[2],
                threshold: Self.threshold,
                location: .prefix("/a_b%"),
                client: client,
                logger: logger
            )
            #expect(pattern.users.contains { $0.user == "pattern" } && !pattern.users.contains { $0.user == "lookalike" })
            let forum = Self.online(at: Self.moments[1])
            #expect(
                forum.filter { Self.isAt($0.location, .prefix("/forum/")) }.count > forum.filter { Self.isAt($0.location, .exact("/forum/1")) }.count
            )
            let atEdge = try await OnlineReport.run(
                at: Self.start + .seconds(20 * 60),
                threshold: Self.threshold,
                location: .exact("/forum/1"),
                client: client,
                logger: logger
            )
            #expect(atEdge.users.contains { $0.user == "edge" })
            #expect(!atEdge.users.contains { $0.user == "mover" })
            let justAfter = try await OnlineReport.run(
                at: Self.start + .seconds(20 * 60) + .microseconds(1),
                threshold: Self.threshold,
                location: .exact("/forum/1"),
                client: client,
                logger: logger
            )
            #expect(!justAfter.users.contains { $0.user == "edge" })
        }
    }

    @Test("the busiest locations count the online users at each, busiest first, within the limit")
    func busiestLocations() async throws {
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.store(Self.events, client)
            for at in Self.moments {
                var counts: [String: Int] = [:]
                for event in Self.online(at: at) { if let location = event.location { counts[location, default: 0] += 1 } }
                let expected = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                for limit in [1, 3, 100] {
                    let report = try await LocationsReport.run(at: at, threshold: Self.threshold, limit: limit, client: client, logger: logger)
                    #expect(report.locations.map(\.location) == expected.prefix(limit).map(\.key), "at \(at), limit \(limit)")
                    #expect(report.locations.map(\.users) == expected.prefix(limit).map(\.value), "at \(at), limit \(limit)")
                }
            }
            let report = try await LocationsReport.run(
                at: Self.start + .seconds(18 * 60),
                threshold: Self.threshold,
                limit: 2,
                client: client,
                logger: logger
            )
            #expect(report.json.hasPrefix(#"{"at":"2026-06-01T12:18:00Z","threshold_seconds":300,"locations":[{"location":"#))
        }
    }

    @Test("online at a location and the busiest locations read only the window's partition, through its index")
    func boundedPlans() async throws {
        let moment = Timestamp(rfc3339: "2026-11-29T12:20:00Z")!
        var events = (0..<200).map { SeenEvent(user: "user\($0)", at: moment - .seconds(3_600 + $0), location: "/forum/\($0 % 3)") }
        events += (0..<20).map { SeenEvent(user: "now\($0)", at: moment - .seconds($0 * 10), location: "/forum/\($0 % 3)") }
        // Days the reports must not read: a month before and a month after.
        events += [SeenEvent(user: "other", at: moment - .seconds(30 * 86_400)), SeenEvent(user: "other", at: moment + .seconds(30 * 86_400))]
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(events, client)
            let since = (moment - Self.threshold).rfc3339
            let sql = """
                PREPARE online AS \(try ReportQuery.online.sql.trimmingCharacters(in: .whitespacesAndNewlines).dropLast());
                EXECUTE online('\(moment.rfc3339)', '\(since)', '/forum/', true, '300 seconds', false);
                PREPARE locations AS \(try ReportQuery.locations.sql.trimmingCharacters(in: .whitespacesAndNewlines).dropLast());
                EXECUTE locations('\(moment.rfc3339)', '\(since)', 20);
                """
            let plans = try TestDatabase.plans(running: sql, on: settings)
            #expect(plans.count == 2)
            for plan in plans {
                let scans = plan.root.allNodes.filter { $0.relationName?.hasPrefix("seen_events") == true }
                #expect(!scans.isEmpty)
                #expect(
                    scans.allSatisfy { $0.relationName == "seen_events_20261129" && $0.readsThroughIndex },
                    "\(scans.map { ($0.relationName, $0.nodeType) })"
                )
                // The 20 events of the window, not the 200 an hour earlier on the same day.
                #expect(scans.map(\.rowsRead).reduce(0, +) <= 20, "\(scans.map(\.rowsRead))")
            }
        }
    }
}
