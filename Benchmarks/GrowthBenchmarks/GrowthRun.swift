import BenchmarkSupport
import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceStore
import ServiceLifecycle

/// The growth benchmark's measurements on a copy of one history, in an order that leaves each
/// step what it needs: sizes and reads first, then the idle follower, the new events written
/// and folded, freshness under steady traffic, and a rebuild last.
struct GrowthRun {
    let dataset: GrowthDataset
    let client: PostgresClient
    let logger: Logger

    /// The new events of "today": the same 200,000 for every history, from `users`, ids and
    /// times from a fixed seed.
    static func newEvents(users: [String]) -> [SeenEvent] {
        var random = SplitMix64(seed: 11)
        var events: [SeenEvent] = []
        while events.count < 200_000 {
            let user = users[Int(random.next() % UInt64(users.count))]
            var at = GrowthDataset.end + Int64(random.next() % 72_000) * 1_000_000
            for _ in 0..<(2 + Int(random.next() % 10)) where events.count < 200_000 {
                events.append(
                    SeenEvent(
                        id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                        user: user,
                        at: Timestamp(microsecondsSince1970: at),
                        location: "/page/\(random.next() % 200)"
                    )
                )
                at += Int64(1 + random.next() % 8) * 60_000_000
            }
        }
        return events
    }

    func measure() async throws -> [(GrowthFigure, Int)] {
        var figures: [(GrowthFigure, Int)] = []
        try await prewarm()
        let events = try await value("SELECT events FROM presence_projector", as: Int.self)
        figures.append((.events, events))
        figures += try await sizes(events: events)
        figures += try await reports()
        figures.append((.erase, try await erase()))
        figures.append((.idleWakeUp, try await idleWakeUp()))
        figures += try await writeAndFold()
        figures += try await freshness()
        figures += try await rebuild()
        return figures
    }

    /// Loads the projections and their indexes, and the log's last week, into shared buffers
    /// (`pg_prewarm`), as on a server that has been running: the copy of a history
    /// (`CREATE DATABASE … TEMPLATE`) starts with none of its pages there, and a year has more
    /// of them to fetch on first use than 45 days, which would be measured instead of the work.
    private func prewarm() async throws {
        let weekAgo = Timestamp(microsecondsSince1970: GrowthDataset.end - 7 * GrowthDataset.day).rfc3339
        _ = try await client.query("CREATE EXTENSION IF NOT EXISTS pg_prewarm", logger: logger).collect()
        _ = try await client.query(
            """
            WITH tables AS (
                SELECT name::regclass AS relation
                FROM unnest(
                    ARRAY[
                        'presence_current', 'user_sessions', 'user_activity', 'user_activity_days', 'user_online_spans',
                        'user_online_span_hours', 'location_visits', 'location_visit_days'
                    ]
                ) AS name
                UNION ALL
                -- The day partitions, named seen_events_YYYYMMDD, of the last week.
                SELECT p.relid FROM pg_partition_tree('seen_events') AS p
                WHERE p.isleaf AND p.relid::text BETWEEN 'seen_events_' || to_char(\(weekAgo)::timestamptz, 'YYYYMMDD') AND 'seen_events_9'
            )
            SELECT sum(pg_prewarm(r))::int8
            FROM (SELECT relation FROM tables UNION ALL SELECT i.indexrelid FROM pg_index AS i JOIN tables ON i.indrelid = tables.relation) AS all_relations (r)
            """,
            logger: logger
        ).collect()
    }

    /// Bytes per event of the whole database, of the log and of each projection.
    private func sizes(events: Int) async throws -> [(GrowthFigure, Int)] {
        func perEvent(_ bytes: Int) -> Int { events > 0 ? bytes / events : 0 }
        let database = try await value("SELECT pg_database_size(current_database())", as: Int.self)
        let log = try await value(
            """
            SELECT sum(pg_total_relation_size(inhrelid))::int8 FROM pg_inherits WHERE inhparent = 'seen_events'::regclass
            """,
            as: Int.self
        )
        return [
            (.bytesPerEvent, perEvent(database)), (.logBytesPerEvent, perEvent(log)),
            (
                .activityBytesPerEvent,
                perEvent(
                    try await value(
                        "SELECT (pg_total_relation_size('user_activity') + pg_total_relation_size('user_activity_days'))::int8",
                        as: Int.self
                    )
                )
            ),
            (.sessionsBytesPerEvent, perEvent(try await value("SELECT pg_total_relation_size('user_sessions')", as: Int.self))),
            (.currentBytesPerEvent, perEvent(try await value("SELECT pg_total_relation_size('presence_current')", as: Int.self))),
            (
                .onlineSpansBytesPerEvent,
                perEvent(
                    try await value(
                        "SELECT (pg_total_relation_size('user_online_spans') + pg_total_relation_size('user_online_span_hours'))::int8",
                        as: Int.self
                    )
                )
            ),
            (
                .locationVisitsBytesPerEvent,
                perEvent(
                    try await value(
                        "SELECT (pg_total_relation_size('location_visits') + pg_total_relation_size('location_visit_days'))::int8",
                        as: Int.self
                    )
                )
            ),
        ]
    }

    /// Each report over the same fixed range, the median of nine runs after one unmeasured,
    /// through the library and a few through HTTP.
    private func reports() async throws -> [(GrowthFigure, Int)] {
        let end = Timestamp(microsecondsSince1970: GrowthDataset.end)
        let day = Duration.seconds(86_400)
        let (dayAgo, weekAgo, quarterDayAgo) = (end - day, end - day * 7, end - day / 4)
        // The first user, by name, seen on the last day: the same in every history.
        let user = try await value(
            "SELECT min(user_id) FROM presence_current WHERE last_seen >= \(dayAgo.rfc3339)::timestamptz",
            as: String.self
        )
        let lastSeen = try await value(
            "SELECT (extract(epoch FROM last_seen) * 1e6)::int8 FROM presence_current WHERE user_id = \(user)",
            as: Int.self
        )
        let (client, logger) = (client, logger)
        let cases: [(GrowthFigure, () async throws -> Void)] = [
            (
                .activityHour,
                { _ = try await ActivityReport.run(from: dayAgo, to: end, bucket: .hour, timeZone: "UTC", client: client, logger: logger) }
            ),
            (
                .activityDay,
                {
                    _ = try await ActivityReport.run(
                        from: weekAgo,
                        to: end,
                        bucket: .day,
                        timeZone: "Europe/Berlin",
                        client: client,
                        logger: logger
                    )
                }
            ),
            (.sessions, { _ = try await SessionsReport.run(from: weekAgo, to: end, gap: .seconds(1_800), client: client, logger: logger) }),
            (.sessionsOtherGap, { _ = try await SessionsReport.run(from: dayAgo, to: end, gap: .seconds(600), client: client, logger: logger) }),
            (.activeUsers, { _ = try await ActiveUsersReport.run(from: weekAgo, to: end, timeZone: "UTC", client: client, logger: logger) }),
            (
                .hourByWeekday,
                { _ = try await HourByWeekdayReport.run(from: weekAgo, to: end, timeZone: "UTC", client: client, logger: logger) }
            ),
            (.online, { _ = try await OnlineReport.run(at: quarterDayAgo, threshold: .seconds(300), client: client, logger: logger) }),
            (
                .concurrencyHour,
                {
                    _ = try await ConcurrencyReport.run(from: dayAgo, to: end, bucket: .hour, timeZone: "UTC", client: client, logger: logger)
                }
            ),
            // Another threshold than the projector's: cut from the log's events of the range.
            (
                .concurrencyOtherThreshold,
                {
                    _ = try await ConcurrencyReport.run(
                        from: dayAgo,
                        to: end,
                        bucket: .hour,
                        timeZone: "UTC",
                        threshold: .seconds(600),
                        client: client,
                        logger: logger
                    )
                }
            ),
            // One of 200 pages, for a week between moments inside quarter hours: both ends
            // read a partial quarter from the log.
            (
                .viewers,
                {
                    _ = try await ViewersReport.run(
                        location: "/page/1",
                        from: weekAgo + .seconds(431),
                        to: end - .seconds(431),
                        client: client,
                        logger: logger
                    )
                }
            ),
            // The same two over days the projector has packed (those that ended 35 days before
            // the last event), which both histories have.
            (
                .concurrencyPacked,
                {
                    _ = try await ConcurrencyReport.run(
                        from: end - day * 40,
                        to: end - day * 39,
                        bucket: .hour,
                        timeZone: "UTC",
                        client: client,
                        logger: logger
                    )
                }
            ),
            (
                .viewersPacked,
                {
                    _ = try await ViewersReport.run(
                        location: "/page/1",
                        from: end - day * 43 + .seconds(431),
                        to: end - day * 36 - .seconds(431),
                        client: client,
                        logger: logger
                    )
                }
            ),
            (
                .lifecycle,
                {
                    _ = try await LifecycleReport.run(
                        from: end - day * 28,
                        to: end,
                        period: .week,
                        timeZone: "UTC",
                        client: client,
                        logger: logger
                    )
                }
            ),
            (
                .retention,
                {
                    _ = try await RetentionReport.run(
                        from: end - day * 28,
                        to: end,
                        period: .week,
                        timeZone: "UTC",
                        asOf: end,
                        client: client,
                        logger: logger
                    )
                }
            ),
            // Just before the user's last event: answered from the log, not presence_current.
            (
                .lastSeenAsOf,
                {
                    _ = try await LastSeenReport.run(
                        user: user,
                        asOf: Timestamp(microsecondsSince1970: Int64(lastSeen) - 1),
                        client: client,
                        logger: logger
                    )
                }
            ),
            (.history, { _ = try await HistoryReport.run(user: user, from: weekAgo, to: end, client: client, logger: logger) }),
            (.projectorStatus, { _ = try await ProjectorStatus.read(client: client, logger: logger) }),
        ]
        var figures: [(GrowthFigure, Int)] = []
        for (figure, run) in cases {
            figures.append((figure, try await Self.median(run)))
        }
        // The same answers through `presence serve`'s HTTP API, on its own server and pool.
        let escapedUser = user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? user
        figures += try await GrowthHTTP.measure(
            [
                (.httpOnline, "/v1/online?at=\(quarterDayAgo.rfc3339)"),
                (.httpLastSeen, "/v1/users/\(escapedUser)/last-seen?as_of=\(Timestamp(microsecondsSince1970: Int64(lastSeen) - 1).rfc3339)"),
                (.httpActiveUsers, "/v1/reports/active-users?from=\(weekAgo.rfc3339)&to=\(end.rfc3339)&tz=UTC"),
            ],
            client: client,
            logger: logger
        )
        return figures
    }

    /// The median time of nine runs after one unmeasured, in microseconds.
    static func median(_ run: () async throws -> Void) async throws -> Int {
        try await run()
        var times: [Duration] = []
        for _ in 0..<9 {
            let started = ContinuousClock.now
            try await run()
            times.append(ContinuousClock.now - started)
        }
        return microseconds(times.sorted()[4])
    }

    /// What erasing a user costs: ten users never seen before, each with 20 events at pages
    /// of their own over the last day, written and folded first, so that what each leaves is
    /// the same in every history; the first unmeasured, the median of the others.
    private func erase() async throws -> Int {
        var random = SplitMix64(seed: 17)
        var events: [SeenEvent] = []
        for user in 0..<10 {
            for _ in 0..<20 {
                let at = Timestamp(microsecondsSince1970: GrowthDataset.end - GrowthDataset.day + Int64(random.next() % 86_400) * 1_000_000)
                events.append(SeenEvent(user: "erased-\(user)", at: at, location: "/page/\(random.next() % 200)"))
            }
        }
        var writer = EventLogWriter(client: client, logger: logger)
        _ = try await writer.write(events)
        let folded = try await Projector(client: client, logger: logger).catchUp()
        precondition(folded == events.count, "folded \(folded) of \(events.count) events to erase")
        var times: [Duration] = []
        for user in 0..<10 {
            let started = ContinuousClock.now
            let erasure = try await Privacy.erase("erased-\(user)", client: client, logger: logger)
            times.append(ContinuousClock.now - started)
            precondition(erasure.events == 20, "erased \(erasure.events) of 20 events")
        }
        return Self.microseconds(times.dropFirst().sorted()[4])
    }

    /// What a wake-up of the follower with nothing to fold costs: the median of 31.
    private func idleWakeUp() async throws -> Int {
        try await client.withConnection { connection in
            var times: [Duration] = []
            for _ in 0..<31 {
                let started = ContinuousClock.now
                _ = try await connection.query("SELECT * FROM presence_fold(20000)", logger: logger).collect()
                times.append(ContinuousClock.now - started)
            }
            return Self.microseconds(times.sorted()[15])
        }
    }

    /// The new events written through the writer in batches of 5,000, then folded.
    private func writeAndFold() async throws -> [(GrowthFigure, Int)] {
        // Today's users are those seen in the last 45 days, which both histories hold alike:
        // drawn from the whole population, 81% of a batch's users have a past in the year and
        // 23% in 45 days, and the year would fold more merges per event, not the same ones.
        let recent = try await client.query(
            "SELECT user_id FROM presence_current WHERE last_seen >= \(Timestamp(microsecondsSince1970: GrowthDataset.end - 45 * GrowthDataset.day).rfc3339)::timestamptz ORDER BY user_id",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
        let events = Self.newEvents(users: recent)
        var writer = EventLogWriter(client: client, logger: logger)
        var started = ContinuousClock.now
        var index = 0
        while index < events.count {
            _ = try await writer.write(Array(events[index..<min(index + 5_000, events.count)]))
            index += 5_000
        }
        let ingest = Self.rate(events.count, ContinuousClock.now - started)
        started = ContinuousClock.now
        let folded = try await Projector(client: client, logger: logger).catchUp()
        precondition(folded == events.count, "folded \(folded) of \(events.count) new events")
        return [(.ingest, ingest), (.catchUp, Self.rate(folded, ContinuousClock.now - started))]
    }

    /// How long after seen() a new user shows in online_users, with the tracker and a
    /// following projector under a steady 5,000 events per second for 12 seconds.
    private func freshness() async throws -> [(GrowthFigure, Int)] {
        _ = try await client.query("SELECT presence_maintain_partitions(30)", logger: logger).collect()
        let tracker = PresenceTracker(client: client, logger: logger)
        let projector = Projector(client: client, logger: logger)
        let group = ServiceGroup(services: [tracker, projector], logger: logger)
        let users = dataset.users
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { tasks in
            tasks.addTask {
                try await group.run()
                return []
            }
            let latencies = try await FreshnessProbe.measure(
                tracker: tracker,
                client: client,
                eventsPerSecond: 5_000,
                duration: .seconds(12),
                logger: logger
            ) { "user-\($0 * 7_919 % users)" }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return latencies
        }
        return [
            (.freshnessP50, FreshnessProbe.milliseconds(latencies, quantile: 0.5)),
            (.freshnessP99, FreshnessProbe.milliseconds(latencies, quantile: 0.99)),
        ]
    }

    /// A rebuild of every projection beside the live ones.
    private func rebuild() async throws -> [(GrowthFigure, Int)] {
        let started = ContinuousClock.now
        let folded = try await Projector(client: client, logger: logger).rebuild()
        let took = ContinuousClock.now - started
        return [(.rebuildMilliseconds, Self.microseconds(took) / 1_000), (.rebuildRate, Self.rate(folded, took))]
    }

    private func value<Value: PostgresDecodable>(_ query: PostgresQuery, as type: Value.Type) async throws -> Value {
        let rows = try await client.query(query, logger: logger).collect()
        return try rows.first!.decode(Value.self)
    }

    static func microseconds(_ duration: Duration) -> Int { Int(duration / .microseconds(1)) }

    static func rate(_ count: Int, _ duration: Duration) -> Int { Int(Double(count) / (duration / .seconds(1))) }
}
