import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// `presence retention`: old day partitions of the log go once their events are folded in;
/// never one that holds an unfolded event, never the default one.
@Suite("Retention")
struct RetentionTests {
    let logger = TestDatabase.logger
    static let day: Int64 = 86_400_000_000
    static let hour: Int64 = 3_600_000_000
    static let keep = Retention(keep: .seconds(90 * 86_400))
    static let dryRun = Retention(keep: .seconds(90 * 86_400), dryRun: true)

    /// The start of the UTC day `days` days before today, in microseconds since 1970.
    static func dayStart(_ days: Int64) -> Int64 {
        (EventLog.day(of: .now) - days) * day
    }

    /// The partition of the UTC day `days` days before today.
    static func partition(_ days: Int64) -> String {
        partition(ofMicroseconds: dayStart(days))
    }

    /// The partition of the UTC day that holds a time.
    static func partition(ofMicroseconds microseconds: Int64) -> String {
        "seen_events_" + RFC3339.format(microseconds).prefix(10).replacingOccurrences(of: "-", with: "")
    }

    /// Events of alice and bob on each of `days` (days before today).
    static func events(onDays days: [Int64]) -> [SeenEvent] {
        days.flatMap { days in
            let start = dayStart(days)
            return [
                SeenEvent(user: "alice", at: Timestamp(microsecondsSince1970: start + 10 * hour), location: "/a"),
                SeenEvent(user: "alice", at: Timestamp(microsecondsSince1970: start + 10 * hour + 20 * 60_000_000), location: "/b"),
                SeenEvent(user: "bob", at: Timestamp(microsecondsSince1970: start + 12 * hour), location: "/c"),
            ]
        }
    }

    func write(_ events: [SeenEvent], _ client: PostgresClient) async throws {
        try await TestDatabase.store(events, client)
    }

    func strings(_ client: PostgresClient, _ query: PostgresQuery) async throws -> [String] {
        var result: [String] = []
        for try await value in try await client.query(query, logger: logger).decode(String.self) { result.append(value) }
        return result
    }

    /// The projections as text rows, in order.
    func projections(_ client: PostgresClient) async throws -> [String] {
        try await strings(
            client,
            "SELECT concat_ws('|', user_id, first_seen, last_seen, last_event_id, last_location, event_count) FROM presence_current ORDER BY 1"
        )
            + strings(client, "SELECT concat_ws('|', user_id, session_start, session_end, events) FROM user_sessions ORDER BY 1")
            + strings(client, "SELECT concat_ws('|', user_id, quarter, events) FROM presence_activity('-infinity', 'infinity') ORDER BY 1")
            + strings(
                client,
                "SELECT concat_ws('|', user_id, first_at, last_at, events, last_location) FROM presence_online_spans('[-infinity, infinity]') ORDER BY 1"
            )
    }

    /// The reports that answer from the projections, over the last 101 days.
    func reports(_ client: PostgresClient, now: Int64) async throws -> [String] {
        let from = Timestamp(microsecondsSince1970: Self.dayStart(101))
        let to = Timestamp(microsecondsSince1970: Self.dayStart(0))
        let now = Timestamp(microsecondsSince1970: now)
        return [
            try await ActivityReport.run(from: from, to: to, bucket: .day, timeZone: "Europe/Berlin", client: client, logger: logger).json,
            try await HourByWeekdayReport.run(from: from, to: to, timeZone: "UTC", client: client, logger: logger).json,
            try await ActiveUsersReport.run(from: from, to: to, timeZone: "UTC", client: client, logger: logger).json,
            try await SessionsReport.run(
                from: from,
                to: to,
                gap: .seconds(1_800),
                client: client,
                logger: logger
            ).json,
            try await ConcurrencyReport.run(from: from, to: to, bucket: .day, timeZone: "Europe/Berlin", client: client, logger: logger).json,
            // Online just after a span's last event: the same from the log and from the spans.
            try await OnlineReport.run(
                at: Timestamp(microsecondsSince1970: Self.dayStart(99) + 10 * Self.hour + 22 * 60_000_000),
                threshold: .seconds(300),
                client: client,
                logger: logger
            ).json,
            try await ViewersReport.run(location: "/a", from: from, to: to, client: client, logger: logger).json,
            try await LastSeenReport.run(user: "alice", asOf: now, client: client, logger: logger).json,
            try await LastSeenReport.run(user: "bob", asOf: now, client: client, logger: logger).json,
            try await LastSeenReport.run(user: "olga", asOf: now, client: client, logger: logger).json,
            try await HistoryReport.run(
                user: "alice",
                from: from,
                to: to,
                client: client,
                logger: logger
            ).json,
        ]
    }

    @Test("old folded partitions are dropped, a dry run first drops nothing, and the projections and reports outlive them")
    func dropsFolded() async throws {
        // olga was seen on an old day only: her last seen outlives the raw event.
        let olga = SeenEvent(user: "olga", at: Timestamp(microsecondsSince1970: Self.dayStart(99) + 7 * Self.hour), location: "/o")
        let old = Self.events(onDays: [100, 99, 98]) + [olga]
        let recent = Self.events(onDays: [2])
        let now = Timestamp.now.microsecondsSince1970
        try await TestDatabase.withFresh { client, _ in
            try await write(old + recent, client)
            try await TestDatabase.projectAll(client, count: old.count + recent.count)
            let projectionsBefore = try await projections(client)
            let reportsBefore = try await reports(client, now: now)
            #expect(reportsBefore[4].contains(#""peak":1,"peak_at":""#))
            #expect(reportsBefore[5].contains(#""users":[{"user":"alice","#))
            #expect(reportsBefore[6].contains(#""viewers":[{"user":"alice","events":4,"#))
            #expect(reportsBefore[9].contains(#""last_seen":"\#(olga.at.rfc3339)","location":"/o""#))
            #expect(reportsBefore[10].contains(#""sessions":[{"#))

            let names = [100, 99, 98].map { Self.partition($0) }
            let dry = try await Self.dryRun.run(client: client, logger: logger)
            #expect(dry.map(\.name) == names)
            #expect(dry.allSatisfy { $0.outcome == .wouldDrop && $0.bytes > 0 })
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events") == old.count + recent.count)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM presence_dropped_partitions") == 0)

            let dropped = try await Self.keep.run(client: client, logger: logger)
            #expect(dropped.map(\.name) == names)
            #expect(dropped.map(\.day) == [100, 99, 98].map { String(RFC3339.format(Self.dayStart($0)).prefix(10)) })
            #expect(dropped.allSatisfy { $0.outcome == .dropped })
            for name in names {
                #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM pg_class WHERE relname = \(name)") == 0)
            }
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events") == recent.count)
            #expect(try await strings(client, "SELECT name FROM presence_dropped_partitions ORDER BY day") == names)
            #expect(try await projections(client) == projectionsBefore)
            for (after, before) in zip(try await reports(client, now: now), reportsBefore) {
                #expect(after == before)
            }
            #expect(try await Self.keep.run(client: client, logger: logger).isEmpty)

            // Packed (Migrations 0016 and 0022), the dropped days answer the same.
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .seconds(10 * 86_400)
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() == 3)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM user_online_span_hours") > 0)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM location_visit_days") > 0)
            #expect(try await projections(client) == projectionsBefore)
            for (after, before) in zip(try await reports(client, now: now), reportsBefore) {
                #expect(after == before)
            }

            // A rebuild would lose the dropped days: refused, the projections untouched ...
            let error = await #expect(throws: StoreError.self) { try await Projector(client: client, logger: logger).rebuild() }
            #expect(error?.message.contains("were dropped by retention") == true)
            #expect(try await projections(client) == projectionsBefore)
            // ... unless asked for: then the projections hold the days still in the log.
            let rebuilt = try await Projector(client: client, logger: logger).rebuild(forgettingDroppedDays: true)
            #expect(rebuilt == recent.count)
            #expect(try await TestDatabase.number(client, "SELECT sum(event_count)::int8 FROM presence_current") == recent.count)
        }
    }

    @Test("an old partition that holds one event the projector has not folded is kept, and dropped once it is folded")
    func keepsUnfolded() async throws {
        let old = Self.events(onDays: [100, 99])
        try await TestDatabase.withFresh { client, _ in
            try await write(old, client)
            try await TestDatabase.projectAll(client, count: old.count)
            // An event of an old day, written late (an import, a writer that was down).
            let late = SeenEvent(user: "carol", at: Timestamp(microsecondsSince1970: Self.dayStart(100) + 23 * Self.hour), location: "/late")
            try await write([late], client)

            let first = try await Self.keep.run(client: client, logger: logger)
            #expect(first.map(\.name) == [Self.partition(100), Self.partition(99)])
            #expect(first.map(\.outcome) == [.unprojected, .dropped])
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM \(unescaped: Self.partition(100))") == 4)

            try await TestDatabase.projectAll(client, count: old.count + 1)
            let second = try await Self.keep.run(client: client, logger: logger)
            #expect(second.map(\.outcome) == [.dropped])
            let carol = try await LastSeenReport.run(user: "carol", asOf: Timestamp.now, client: client, logger: logger)
            #expect(carol.lastSeen == late.at && carol.location == "/late")
        }
    }

    @Test("whatever the projector has folded so far, retention drops no event it has not", arguments: 1...4)
    func neverDropsUnfolded(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        // Six old days of traffic, written mostly in time order, with a few events that
        // arrive late (a writer that was down, an import), then folded part of the way.
        var events = (0..<150).map { _ in
            SeenEvent(
                user: "u\(random.next() % 7)",
                at: Timestamp(microsecondsSince1970: Self.dayStart(Int64(93 + random.next() % 6)) + Int64(random.next() % UInt64(Self.day))),
                location: nil
            )
        }.sorted { $0.at < $1.at }
        for _ in 0..<(random.next() % 4) {
            events.append(events.remove(at: Int(random.next() % UInt64(events.count - 20))))
        }
        try await TestDatabase.withFresh { client, _ in
            var index = 0
            while index < events.count {
                let end = min(index + 1 + Int(random.next() % 30), events.count)
                try await write(Array(events[index..<end]), client)
                index = end
            }
            _ = try await client.query("SELECT presence_project(\(Int(random.next() % 150))::integer)", logger: logger).collect()
            let unfolded = Set(
                try await strings(
                    client,
                    """
                    SELECT e.id::text FROM seen_events AS e, presence_projector AS p
                    WHERE (e.tx, e.at, e.id) > (p.position_tx, p.position_at, p.position_id)
                    """
                )
            )
            let partitions = try await Self.keep.run(client: client, logger: logger)
            let remaining = Set(try await strings(client, "SELECT id::text FROM seen_events"))
            #expect(unfolded.isSubset(of: remaining))
            // Every day of the events ended more than 90 days ago: each is decided, oldest first.
            #expect(partitions.map(\.name) == (93...98).reversed().map { Self.partition(Int64($0)) })
            for partition in partitions {
                let holdsUnfolded = events.contains { event in
                    unfolded.contains(event.id.uuidString.lowercased())
                        && Self.partition(ofMicroseconds: event.at.microsecondsSince1970) == partition.name
                }
                #expect(partition.outcome == (holdsUnfolded ? .unprojected : .dropped), "\(partition.name)")
            }
            // Folding the rest counts every event once, those of dropped days included.
            try await TestDatabase.projectAll(client, count: events.count)
            #expect(try await TestDatabase.number(client, "SELECT sum(event_count)::int8 FROM presence_current") == events.count)
        }
    }

    @Test(
        "a writer that commits an old event while retention waits for the log keeps that day, whatever isolation the database defaults to",
        arguments: ["read committed", "repeatable read", "serializable"]
    )
    func lateCommit(isolation: String) async throws {
        let old = Self.events(onDays: [100])
        try await TestDatabase.withFresh { client, settings in
            try await write(old, client)
            try await TestDatabase.projectAll(client, count: old.count)
            // A DBA's setting for every transaction of the database; new sessions take it.
            try await client.query(
                """
                DO $$ BEGIN
                    EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation = %L', current_database(), \(unescaped: "'" + isolation + "'"));
                END $$
                """,
                logger: logger
            )
            try await settings.withClient(logger: logger) { leveled in
                let rows = try await leveled.query("SHOW default_transaction_isolation", logger: logger).collect()
                #expect(try rows.first?.decode(String.self) == isolation)
                if isolation != "read committed" {
                    // Called alone, at that level, the SQL function refuses rather than risk it.
                    let error = await #expect(throws: PSQLError.self) {
                        try await leveled.query("SELECT * FROM presence_drop_old_partitions('90 days')", logger: logger).collect()
                    }
                    #expect(error?.serverInfo?[.message]?.contains("READ COMMITTED") == true)
                }
                let outcomes = try await client.withConnection { writer in
                    try await writer.query("BEGIN", logger: logger)
                    try await writer.query(
                        """
                        INSERT INTO seen_events (id, user_id, at)
                        VALUES (\(UUID()), 'dave', to_timestamp(\(Self.dayStart(100) + Self.hour)::float8 / 1e6))
                        """,
                        logger: logger
                    )
                    // Retention starts while the row is not committed, and must wait for it.
                    async let retention = Self.keep.run(client: leveled, logger: logger)
                    let deadline = ContinuousClock.now + .seconds(8)
                    while try await TestDatabase.number(
                        client,
                        "SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    ) == 0 {
                        guard ContinuousClock.now < deadline else {
                            Issue.record("retention never waited for the writer's lock")
                            break
                        }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try await writer.query("COMMIT", logger: logger)
                    return try await retention.map(\.outcome)
                }
                #expect(outcomes == [.unprojected])
            }
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM \(unescaped: Self.partition(100))") == 4)
        }
    }

    @Test("the default partition is never dropped, and less than a day is refused")
    func defaultPartitionAndMinimum() async throws {
        try await TestDatabase.withFresh { client, _ in
            let ancient = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01, no partition of its own
            try await client.query("INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'old', \(ancient))", logger: logger)
            try await TestDatabase.projectAll(client, count: 1)
            #expect(try await Self.keep.run(client: client, logger: logger).isEmpty)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events_default") == 1)

            let error = await #expect(throws: RetentionError.self) {
                try await Retention(keep: .seconds(86_399)).run(client: client, logger: logger)
            }
            #expect(error?.code == .periodTooShort)
            await #expect(throws: PSQLError.self) {
                try await client.query("SELECT * FROM presence_drop_old_partitions('23 hours')", logger: logger).collect()
            }
        }
    }
}
