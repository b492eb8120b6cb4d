import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceModel
import PresenceProjector
import PresenceStore

/// A history of seen-events, made in SQL and kept between runs in a database of its own on the
/// embedded server, projected in the log's order and analyzed.
///
/// Every history has the same shape: each day, `sessionsPerDay` sessions of users drawn from
/// the same population, starting between 06:00 and 22:00 UTC, of 2 to 11 events 1 to 8
/// minutes apart, on one of 200 pages. Day k before ``end`` is the same in every history (the
/// ids, users and times are hashes of the day, the session and the event), so the short
/// history is the last days of the long one, and the new events and the reports' ranges
/// are the same for both.
struct GrowthDataset: Sendable, Hashable {
    /// A label: `short` or `long`.
    let name: String
    /// How many days of history, ending at ``end``.
    let days: Int
    /// Sessions per day (about 6.5 events each).
    let sessionsPerDay: Int
    /// The population the users are drawn from.
    let users: Int

    /// The first moment after the history: "today" begins here, and the new events fall in it.
    static let end = Timestamp(rfc3339: "2026-11-01T00:00:00Z")!.microsecondsSince1970
    static let day: Int64 = 86_400_000_000

    /// A year of 1,000,000 users: about 10.2 million events; `PRESENCE_GROWTH_SCALE=10` makes
    /// it ten times the sessions and the users (about 102 million events).
    static let long: GrowthDataset = {
        let scale = Int(ProcessInfo.processInfo.environment["PRESENCE_GROWTH_SCALE"] ?? "") ?? 1
        return GrowthDataset(name: "long", days: 365, sessionsPerDay: 4_300 * scale, users: 1_000_000 * scale)
    }()
    /// The last 45 days of the long history: every range the benchmark asks for with its
    /// look-back (a week and the 30 days before it, for monthly active users) lies in it.
    static var short: GrowthDataset {
        GrowthDataset(name: "short", days: 45, sessionsPerDay: long.sessionsPerDay, users: long.users)
    }

    /// The shared buffers of the benchmarks' server: a server sized for its data, so that the
    /// projections a year of history makes fit, as they would in production; with
    /// PostgreSQL's default of 128 MB the long history's reports read most pages from the
    /// operating system's cache instead.
    static let sharedBuffers = "4GB"

    var database: String { "presence_bench_growth_\(name)" }
    var stamp: String { "\(days) days to \(Timestamp(microsecondsSince1970: Self.end).rfc3339), \(sessionsPerDay) sessions/day, \(users) users, v2" }

    /// The SQL that writes day `k` before the end (k = 0 is the last day), with `sessions`
    /// sessions, ids made from `salt`. Hashes are masked to 31 bits: `abs` fails on the
    /// smallest integer.
    static func insertDay(_ k: Int, sessions: Int, users: Int, salt: String) -> PostgresQuery {
        let dayStart = Timestamp(microsecondsSince1970: end - Int64(k + 1) * day).rfc3339
        return """
            INSERT INTO seen_events (id, user_id, at, location)
            SELECT md5(\(salt) || ':' || \(k) || ':' || s || ':' || e)::uuid,
                   'user-' || ((hashint8(\(k)::int8 * 1000003 + s) & 2147483647) % \(users)),
                   \(dayStart)::timestamptz
                       + (21600 + (hashint8(\(k)::int8 * 7919 + s) & 2147483647) % 57600) * interval '1 second'
                       + e * (1 + (hashint8(s::int8 * 31 + \(k)) & 2147483647) % 8) * interval '1 minute',
                   '/page/' || ((hashint8(\(k)::int8 + s * 13 + e) & 2147483647) % 200)
            FROM generate_series(0, \(sessions - 1)) AS s
            CROSS JOIN LATERAL generate_series(0, 1 + (hashint8(s::int8 * 17 + \(k)) & 2147483647) % 10) AS e
            """
    }

    /// Makes sure the database holds this history, projected by the latest migrations, and
    /// returns the settings that reach it.
    func prepare(logger: Logger) async throws -> ConnectionSettings {
        let server = EmbeddedServer()
        var admin = try await server.start(logger: logger)
        let buffers = try await admin.withClient(logger: logger) { client in
            try await client.query("SHOW shared_buffers", logger: logger).collect().first?.decode(String.self)
        }
        if buffers != Self.sharedBuffers {
            _ = try await admin.withClient(logger: logger) { client in
                try await client.query("ALTER SYSTEM SET shared_buffers = \(unescaped: "'" + Self.sharedBuffers + "'")", logger: logger)
            }
            _ = try await server.stop(logger: logger)
            admin = try await server.start(logger: logger)
        }
        let settings = admin.with(database: database)
        try await admin.withClient(logger: logger) { try await $0.createDatabase(named: database, ifMissing: true, logger: logger) }
        // true: ready; false: the history is there but a newer migration may have changed the
        // projections, so they are projected again; nil: the history is written anew.
        let current = try await settings.withClient(logger: logger) { client in
            try await Migrator(client: client).migrate(logger: logger)
            try await client.query(
                "CREATE TABLE IF NOT EXISTS bench_dataset (stamp text NOT NULL, version integer NOT NULL)",
                logger: logger
            )
            let rows = try await client.query(
                """
                SELECT d.version = (SELECT max(version) FROM presence_migrations)
                FROM bench_dataset AS d WHERE d.stamp = \(stamp)
                """,
                logger: logger
            ).collect()
            return try rows.first?.decode(Bool.self)
        }
        if current == true { return settings }
        if current == nil {
            try await admin.withClient(logger: logger) { client in
                try await client.dropDatabase(named: database, logger: logger)
                try await client.createDatabase(named: database, logger: logger)
            }
        }
        try await settings.withClient(logger: logger) { client in
            var started = ContinuousClock.now
            if current == nil {
                try await Migrator(client: client).migrate(logger: logger)
                let first = Timestamp(microsecondsSince1970: Self.end - Int64(days) * Self.day).rfc3339.prefix(10)
                let last = Timestamp(microsecondsSince1970: Self.end + 31 * Self.day).rfc3339.prefix(10)
                try await client.query("SELECT presence_ensure_partitions(\(String(first))::date, \(String(last))::date)", logger: logger)
                for k in (0..<days).reversed() {
                    try await client.query(Self.insertDay(k, sessions: sessionsPerDay, users: users, salt: "history"), logger: logger)
                }
                note("wrote \(days) days of history", since: started)
                started = ContinuousClock.now
                try await client.query("VACUUM ANALYZE seen_events", logger: logger)
                try await client.query(
                    "CREATE TABLE IF NOT EXISTS bench_dataset (stamp text NOT NULL, version integer NOT NULL)",
                    logger: logger
                )
            }
            // Rebuilt batch by batch in the log's order, packing the old days of activity as it
            // passes them, as a follower leaves the projections in live operation (the
            // one-pass presence_rebuild() writes them in user order, which scatters the rows of
            // a range of time over the whole table).
            try await Projector(client: client, logger: logger).rebuild()
            try await client.query(
                """
                VACUUM ANALYZE presence_current, user_sessions, user_activity, user_activity_days, user_online_spans,
                    user_online_span_hours, location_visits, location_visit_days
                """,
                logger: logger
            )
            note("projected it with a rebuild and analyzed it", since: started)
            try await client.query("DELETE FROM bench_dataset", logger: logger)
            try await client.query(
                "INSERT INTO bench_dataset SELECT \(stamp), max(version) FROM presence_migrations",
                logger: logger
            )
        }
        return settings
    }

    /// A copy of the history to change (`CREATE DATABASE … TEMPLATE`), dropped after `body`.
    func withCopy<Result: Sendable>(
        logger: Logger,
        _ body: (PostgresClient, ConnectionSettings) async throws -> Result
    ) async throws -> Result {
        let admin = try await EmbeddedServer().start(logger: logger)
        let copy = database + "_run"
        let started = ContinuousClock.now
        try await admin.withClient(logger: logger) { client in
            try await client.dropDatabase(named: copy, logger: logger)
            try await client.query(
                "CREATE DATABASE \(unescaped: copy) TEMPLATE \(unescaped: database) STRATEGY FILE_COPY",
                logger: logger
            )
        }
        note("copied it for the write path", since: started)
        let settings = admin.with(database: copy)
        let result = try await settings.withClient(logger: logger) { try await body($0, settings) }
        try await admin.withClient(logger: logger) { try await $0.dropDatabase(named: copy, logger: logger) }
        return result
    }

    func note(_ what: String, since start: ContinuousClock.Instant) {
        let seconds = (start.duration(to: .now) / .milliseconds(1)).rounded() / 1000
        FileHandle.standardError.write(Data("[growth \(name)] \(what) in \(seconds) s\n".utf8))
    }
}
