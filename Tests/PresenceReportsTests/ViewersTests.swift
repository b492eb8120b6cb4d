import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceStore
import PresenceTestSupport
import Testing

/// `presence viewers`: who viewed a location in a range (DESIGN.md, "Presence at a location"),
/// from the projection of visits, against the definition computed in Swift.
@Suite("Viewers of a location")
struct ViewersTests {
    let logger = TestDatabase.logger
    static let minute: Int64 = 60_000_000

    /// The viewers by the definition: the distinct users with an event at the location in
    /// [from, to), each with their count and latest time there, latest first (by name in
    /// byte order among equal times), without the user left out, at most `limit`.
    static func expected(
        _ events: [SeenEvent],
        location: String,
        from: Int64,
        to: Int64,
        limit: Int = 100,
        excluding: String? = nil
    ) -> [String] {
        let times = Dictionary(
            grouping: events.filter {
                $0.location == location && $0.at.microsecondsSince1970 >= from && $0.at.microsecondsSince1970 < to && $0.user != excluding
            },
            by: \.user
        ).mapValues { $0.map(\.at.microsecondsSince1970) }
        let ordered = times.keys.sorted { a, b in
            let (latestA, latestB) = (times[a]!.max()!, times[b]!.max()!)
            return latestA != latestB ? latestA > latestB : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        }
        return ordered.prefix(max(limit, 0)).map { "\($0)|\(times[$0]!.count)|\(times[$0]!.max()!)" }
    }

    func viewers(
        _ client: PostgresClient,
        _ location: String,
        from: Int64,
        to: Int64,
        limit: Int = 100,
        excluding: String? = nil
    ) async throws -> [String] {
        try await ViewersReport.run(
            location: location,
            from: Timestamp(microsecondsSince1970: from),
            to: Timestamp(microsecondsSince1970: to),
            limit: limit,
            excluding: excluding,
            client: client,
            logger: logger
        ).viewers.map { "\($0.user)|\($0.events)|\($0.lastSeen.microsecondsSince1970)" }
    }

    /// A seeded stream of profile views by a few users over three hours, at any microsecond,
    /// some without a location.
    static func events(seed: UInt64) -> [SeenEvent] {
        var random = SplitMix64(seed: seed)
        let start = ReportFixture.at("2026-05-10T22:00:00Z").microsecondsSince1970
        return (0..<300).map { _ in
            let at = start + Int64(random.next() % UInt64(180 * minute))
            let location: String? = ["/profile/ann", "/profile/bob", "/profile/ann", "/home", nil][Int(random.next() % 5)]
            return SeenEvent(
                id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                user: ["ann", "bob", "cat", "dan", "eve", "ünï", "'); --"][Int(random.next() % 7)],
                at: Timestamp(microsecondsSince1970: at),
                location: location
            )
        }
    }

    @Test(
        "any range equals the definition: ends inside quarter hours, on them, within one; late and duplicate events; packed days",
        arguments: 1...4
    )
    func matchesDefinition(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed &* 15_485_863)
        var arrivals = Self.events(seed: seed).shuffled(using: &random)
        arrivals += arrivals.shuffled(using: &random).prefix(40)
        // A sixth of the events on 2026-05-10 arrive after that day is packed, and before them
        // one two days later, the last the projector folds, so that packing with a day kept
        // packs 2026-05-10 only.
        let packedDayEnd = ReportFixture.at("2026-05-11T00:00:00Z").microsecondsSince1970
        let late = arrivals.filter { $0.at.microsecondsSince1970 < packedDayEnd && random.next() % 6 == 0 }
        let zed = SeenEvent(user: "zed", at: ReportFixture.at("2026-05-12T00:30:00Z"), location: "/home")
        let ordered = arrivals.filter { !late.contains($0) } + [zed] + late
        let all = Array(Set(ordered))
        let onTime = Array(Set(ordered.dropLast(late.count)))
        let start = ReportFixture.at("2026-05-10T22:00:00Z").microsecondsSince1970
        let quarter = 15 * Self.minute
        var packing = Projector.Configuration()
        packing.quarterRowsKept = .seconds(86_400)
        try await TestDatabase.withFresh { client, _ in
            func fold(_ part: Range<Int>) async throws {
                try await TestDatabase.storeAndProject(ordered, part, chunk: 60, batch: 50, random: &random, client)
            }
            try await fold(0..<(ordered.count - late.count))
            // Rounds: folded; 2026-05-10 packed; late events on it; rebuilt.
            for round in 0..<4 {
                let events = round < 2 ? onTime : all
                if round == 1 {
                    #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() == 1)
                    #expect(try await TestDatabase.number(client, "SELECT count(*) FROM location_visit_days") > 0)
                } else if round == 2 {
                    try await fold((ordered.count - late.count)..<ordered.count)
                }
                var ranges: [(Int64, Int64)] = [
                    (start, start + 180 * Self.minute),  // on quarter hours
                    (start + 7 * Self.minute + 1, start + 8 * Self.minute),  // within one quarter hour
                    (start + 14 * Self.minute, start + 16 * Self.minute),  // across one edge
                    (start + 15 * Self.minute, start + 29 * Self.minute + 1),  // from an edge to within
                    (start - 1, start + 180 * Self.minute + 1),
                ]
                for _ in 0..<12 {
                    let from = start - quarter + Int64(random.next() % UInt64(200 * Self.minute))
                    ranges.append((from, from + 1 + Int64(random.next() % UInt64(90 * Self.minute))))
                }
                for (from, to) in ranges {
                    for location in ["/profile/ann", "/home", "/nowhere"] {
                        let got = try await viewers(client, location, from: from, to: to)
                        #expect(got == Self.expected(events, location: location, from: from, to: to), "\(location) [\(from), \(to)) round \(round)")
                    }
                    let limited = try await viewers(client, "/profile/ann", from: from, to: to, limit: 2, excluding: "ann")
                    #expect(limited == Self.expected(events, location: "/profile/ann", from: from, to: to, limit: 2, excluding: "ann"))
                }
                if round == 2 {
                    try await Projector(client: client, logger: logger).rebuild()
                }
            }
        }
    }

    @Test("the worked shapes: JSON, table, limit 0, and what cannot be asked is one sentence")
    func shapes() async throws {
        let events = [
            ReportFixture.event("bob", "2026-06-01T10:00:00Z", "/profile/alice"),
            ReportFixture.event("bob", "2026-06-01T10:20:00Z", "/profile/alice"),
            ReportFixture.event("carol", "2026-06-01T10:10:00Z", "/profile/alice"),
            ReportFixture.event("alice", "2026-06-01T10:30:00Z", "/profile/alice"),
            ReportFixture.event("carol", "2026-06-01T10:40:00Z", "/profile/bob"),
        ]
        try await ReportFixture.withProjected(events) { client in
            let report = try await ViewersReport.run(
                location: "/profile/alice",
                from: ReportFixture.at("2026-06-01T00:00:00Z"),
                to: ReportFixture.at("2026-06-02T00:00:00Z"),
                excluding: "alice",
                client: client,
                logger: logger
            )
            #expect(
                report.json == """
                    {"location":"/profile/alice","from":"2026-06-01T00:00:00Z","to":"2026-06-02T00:00:00Z","viewers":[\
                    {"user":"bob","events":2,"last_seen":"2026-06-01T10:20:00Z"},\
                    {"user":"carol","events":1,"last_seen":"2026-06-01T10:10:00Z"}]}
                    """
            )
            #expect(report.table.render(.csv) == "user,events,last_seen\r\nbob,2,2026-06-01T10:20:00Z\r\ncarol,1,2026-06-01T10:10:00Z\r\n")
            let none = try await ViewersReport.run(
                location: "/profile/alice",
                from: ReportFixture.at("2026-06-01T00:00:00Z"),
                to: ReportFixture.at("2026-06-02T00:00:00Z"),
                limit: 0,
                client: client,
                logger: logger
            )
            #expect(none.viewers.isEmpty)
            let range = (ReportFixture.at("2026-06-01T00:00:00Z"), ReportFixture.at("2026-06-02T00:00:00Z"))
            for (location, excluding, code) in [
                ("/a\u{0}b", nil, ReportError.Code.invalidLocation), (String(repeating: "x", count: 2_049), nil, .invalidLocation),
                ("/a", "bo\u{0}b", .invalidUser), ("/a", String(repeating: "u", count: 257), .invalidUser),
            ] as [(String, String?, ReportError.Code)] {
                let error = await #expect(throws: ReportError.self) {
                    try await ViewersReport.run(location: location, from: range.0, to: range.1, excluding: excluding, client: client, logger: logger)
                }
                #expect(error?.code == code)
            }
            let empty = await #expect(throws: ReportError.self) {
                try await ViewersReport.run(location: "/a", from: range.1, to: range.0, client: client, logger: logger)
            }
            #expect(empty?.code == .emptyRange)
        }
    }

    @Test("viewers read the location's quarter hours through the key, and the log only for the partial quarters' users")
    func boundedPlans() async throws {
        let day = ReportFixture.at("2026-11-29T00:00:00Z").microsecondsSince1970
        // The profile's views on the day asked about, many views of other pages that day, and
        // views of it a month before and after.
        var events = (0..<40).map {
            SeenEvent(user: "fan\($0)", at: Timestamp(microsecondsSince1970: day + Int64($0) * 30 * Self.minute), location: "/profile/p")
        }
        events += (0..<400).map {
            SeenEvent(user: "other\($0)", at: Timestamp(microsecondsSince1970: day + Int64($0) * 3 * Self.minute), location: "/home")
        }
        events += [-30, 30].map {
            SeenEvent(user: "fan0", at: Timestamp(microsecondsSince1970: day + Int64($0) * 1_440 * Self.minute), location: "/profile/p")
        }
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)
            // The day a month before is packed (Migration 0022).
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .seconds(40 * 86_400)
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() == 1)
            try await client.query("ANALYZE location_visits, location_visit_days", logger: logger)
            let sql = try ReportQuery.viewers.sql.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()
            // From 00:07 (inside a quarter hour) to 20:00 (on one).
            let nodes = try TestDatabase.plans(
                running: """
                    SET enable_seqscan = off;
                    PREPARE viewers AS \(sql);
                    EXECUTE viewers('/profile/p', '2026-11-29T00:07:00Z', '2026-11-29T20:00:00Z', 100, NULL);
                    """,
                on: settings
            ).flatMap(\.root.allNodes)
            let visits = nodes.filter { $0.relationName == "location_visits" }
            #expect(!visits.isEmpty && visits.allSatisfy(\.readsThroughIndex), "\(visits.map(\.nodeType))")
            // The profile's 40 quarter hours of the range and the edge's, not the 400 of /home.
            #expect(visits.map(\.rowsRead).reduce(0, +) <= 45, "\(visits.map(\.rowsRead))")
            let packed = nodes.filter { $0.relationName == "location_visit_days" }
            #expect(!packed.isEmpty && packed.allSatisfy(\.readsThroughIndex), "\(packed.map(\.nodeType))")
            #expect(packed.map(\.rowsRead).reduce(0, +) == 0, "\(packed.map(\.rowsRead))")
            let log = nodes.filter { $0.relationName?.hasPrefix("seen_events") == true }
            #expect(
                log.allSatisfy { $0.relationName == "seen_events_20261129" && $0.readsThroughIndex },
                "\(log.map { ($0.relationName, $0.nodeType) })"
            )
            #expect(log.map(\.rowsRead).reduce(0, +) <= 2, "\(log.map(\.rowsRead))")
        }
    }
}
