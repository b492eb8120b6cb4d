import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import PresenceVapor
import Testing
import Vapor
import VaporTesting

/// `req.presence` answers from the projections what DESIGN.md's definitions say, computed here
/// from the events themselves.
@Suite("PresenceVapor queries")
struct RequestPresenceTests {
    /// A day of visits two days ago: six users, each with two runs of events, and locations.
    static let events: [SeenEvent] = {
        let start = Timestamp(microsecondsSince1970: (Timestamp.now - .seconds(2 * 86_400)).microsecondsSince1970 / 1_000_000 * 1_000_000)
        var events: [SeenEvent] = []
        for user in 0..<6 {
            for visit in 0..<2 {
                // A run every 7 minutes, then a second run 3 hours later: two sessions.
                for step in 0..<(3 + user) {
                    let at = start + .seconds(user * 61 + visit * 3 * 3_600 + step * 7 * 60)
                    events.append(SeenEvent(user: "user\(user)", at: at, location: step % 2 == 0 ? "/forum/:id" : nil))
                }
            }
        }
        return events
    }()

    static let threshold: Duration = .seconds(10 * 60)

    /// The routes the tests ask through: each writes the report as lines.
    static func routes(_ app: Application) {
        app.get("online") { request in
            let at = try Timestamp(rfc3339: request.query.get(String.self, at: "at")).orThrow()
            return try await request.presence.online(at: at).users.map { "\($0.user) \($0.lastSeen?.rfc3339 ?? "-") \($0.location ?? "-")" }.joined(
                separator: "\n"
            )
        }
        app.get("online", "forum") { request in
            let at = try Timestamp(rfc3339: request.query.get(String.self, at: "at")).orThrow()
            return try await request.presence.online(at: at, location: .exact("/forum/:id")).users.map(\.user).joined(separator: " ")
        }
        app.get("locations") { request in
            let at = try Timestamp(rfc3339: request.query.get(String.self, at: "at")).orThrow()
            return try await request.presence.locations(at: at).locations.map { "\($0.location) \($0.users)" }.joined(separator: "\n")
        }
        app.get("viewers") { request in
            let from = try Timestamp(rfc3339: request.query.get(String.self, at: "from")).orThrow()
            let report = try await request.presence.viewers(of: "/forum/:id", from: from, excluding: request.query[String.self, at: "exclude"])
            return report.viewers.map { "\($0.user) \($0.events) \($0.lastSeen.rfc3339)" }.joined(separator: "\n")
        }
        app.get("last-seen", ":user") { request in
            let asOf = try Timestamp(rfc3339: request.query.get(String.self, at: "as_of")).orThrow()
            let report = try await request.presence.lastSeen(try request.parameters.require("user"), asOf: asOf)
            return "\(report.user) \(report.lastSeen?.rfc3339 ?? "never") \(report.location ?? "-")"
        }
        app.get("history", ":user") { request in
            let from = try Timestamp(rfc3339: request.query.get(String.self, at: "from")).orThrow()
            let to = try Timestamp(rfc3339: request.query.get(String.self, at: "to")).orThrow()
            let report = try await request.presence.history(try request.parameters.require("user"), from: from, to: to)
            return report.sessions.map { "\($0.start.rfc3339) \($0.end.rfc3339) \($0.events)" }.joined(separator: "\n")
        }
    }

    /// Online at `at`: the users whose last seen as of `at` is at most the threshold before it,
    /// most recent first, with that event's location.
    static func expectedOnline(at: Timestamp) -> String {
        latest(asOf: at).values.filter { at - $0.at <= threshold }
            .sorted { $0.at > $1.at }
            .map { "\($0.user) \($0.at.rfc3339) \($0.location ?? "-")" }.joined(separator: "\n")
    }

    /// Each user's latest event at or before `asOf`.
    static func latest(asOf: Timestamp) -> [String: SeenEvent] {
        var latest: [String: SeenEvent] = [:]
        for event in events where event.at <= asOf {
            if let known = latest[event.user], known.at >= event.at { continue }
            latest[event.user] = event
        }
        return latest
    }

    /// A user's sessions (gaps of at most 30 minutes) that start in [from, to).
    static func expectedHistory(_ user: String, from: Timestamp, to: Timestamp) -> String {
        var sessions: [(start: Timestamp, end: Timestamp, events: Int)] = []
        for event in events.filter({ $0.user == user }).sorted(by: { $0.at < $1.at }) {
            if let last = sessions.last, event.at - last.end <= PresenceDefaults.sessionGap {
                sessions[sessions.count - 1].end = event.at
                sessions[sessions.count - 1].events += 1
            } else {
                sessions.append((event.at, event.at, 1))
            }
        }
        return sessions.filter { $0.start >= from && $0.start < to }.map { "\($0.start.rfc3339) \($0.end.rfc3339) \($0.events)" }
            .joined(separator: "\n")
    }

    @Test("online, viewers, last seen and history from a request equal DESIGN.md's definitions")
    func answers() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(Self.events, client)
            try await TestDatabase.projectAll(client, count: Self.events.count)
            var configuration = Application.Presence.Configuration()
            configuration.onlineThreshold = Self.threshold
            try await withPresenceApp(settings, configuration: configuration, routes: Self.routes) { app in
                let tester = try app.testing()
                let first = Self.events.map(\.at).min()!
                let moments = [
                    first - .seconds(1), first, first + .seconds(12 * 60), first + .seconds(35 * 60), first + .seconds(3 * 3_600 + 5 * 60), .now,
                ]
                var sawForum = false
                for moment in moments {
                    try await tester.test(.GET, "/online?at=\(moment.rfc3339)") { response in
                        #expect(response.status == .ok)
                        #expect(response.body.string == Self.expectedOnline(at: moment), "online at \(moment)")
                    }
                    let atForum = Self.latest(asOf: moment).values.filter { moment - $0.at <= Self.threshold && $0.location == "/forum/:id" }
                    sawForum = sawForum || !atForum.isEmpty
                    try await tester.test(.GET, "/online/forum?at=\(moment.rfc3339)") { response in
                        #expect(
                            response.body.string
                                == atForum.sorted { $0.at != $1.at ? $0.at > $1.at : $0.user < $1.user }.map(\.user).joined(separator: " ")
                        )
                    }
                    try await tester.test(.GET, "/locations?at=\(moment.rfc3339)") { response in
                        #expect(response.body.string == (atForum.isEmpty ? "" : "/forum/:id \(atForum.count)"), "locations at \(moment)")
                    }
                    for user in ["user0", "user5", "nobody"] {
                        let expected = Self.latest(asOf: moment)[user].map { "\(user) \($0.at.rfc3339) \($0.location ?? "-")" } ?? "\(user) never -"
                        try await tester.test(.GET, "/last-seen/\(user)?as_of=\(moment.rfc3339)") { response in
                            #expect(response.body.string == expected, "\(user) as of \(moment)")
                        }
                    }
                }
                #expect(sawForum, "some moment has users at /forum/:id")
                for (from, to) in [(first, Timestamp.now), (first + .seconds(3_600), Timestamp.now), (first, first + .seconds(60))] {
                    for user in ["user0", "user3"] {
                        try await tester.test(.GET, "/history/\(user)?from=\(from.rfc3339)&to=\(to.rfc3339)") { response in
                            #expect(response.status == .ok)
                            #expect(response.body.string == Self.expectedHistory(user, from: from, to: to), "\(user) from \(from) to \(to)")
                        }
                    }
                }
                #expect(Self.expectedHistory("user3", from: first, to: .now).split(separator: "\n").count == 2)
                // Who viewed /forum/:id from a moment on, latest first, without user5.
                for from in [first, first + .seconds(3 * 3_600 + 90)] {
                    let seen = Dictionary(
                        grouping: Self.events.filter { $0.location == "/forum/:id" && $0.at >= from && $0.user != "user5" },
                        by: \.user
                    )
                    let latest: [String: Timestamp] = seen.mapValues { $0.map(\.at).max()! }
                    let order: [String] = latest.keys.sorted { a, b in latest[a]! != latest[b]! ? latest[a]! > latest[b]! : a < b }
                    let expected = order.map { user in "\(user) \(seen[user]!.count) \(latest[user]!.rfc3339)" }.joined(separator: "\n")
                    try await tester.test(.GET, "/viewers?from=\(from.rfc3339)&exclude=user5") { response in
                        #expect(response.status == .ok)
                        #expect(response.body.string == expected, "viewers from \(from)")
                    }
                }
                try await tester.test(.GET, "/viewers?from=\(Timestamp.now.rfc3339)&exclude=user%005") { response in
                    #expect(response.status == .badRequest)
                }
            }
        }
    }

    @Test("a report's refusal is Vapor's 404 or 400 with the report's words")
    func refusals() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await withPresenceApp(settings, routes: Self.routes) { app in
                let tester = try app.testing()
                let now = Timestamp.now
                try await tester.test(.GET, "/history/nobody?from=\((now - .seconds(60)).rfc3339)&to=\(now.rfc3339)") { response in
                    #expect(response.status == .notFound)
                    #expect(response.body.string.contains("No events of the user \\\"nobody\\\""))
                }
                try await tester.test(.GET, "/history/nobody?from=\(now.rfc3339)&to=\(now.rfc3339)") { response in
                    #expect(response.status == .badRequest)
                    #expect(response.body.string.contains("The range is empty"))
                }
            }
        }
    }
}

extension Optional {
    /// The value, or a 400 for a missing or malformed query value.
    fileprivate func orThrow() throws -> Wrapped {
        guard let self else { throw Abort(.badRequest, reason: "a time is not RFC 3339") }
        return self
    }
}
