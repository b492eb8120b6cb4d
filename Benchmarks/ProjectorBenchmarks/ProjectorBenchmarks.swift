import Benchmark
import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceSimulation
import PresenceStore
import ServiceLifecycle
import Synchronization

// The projector's costs beside their limits, from one run: catching up on a log of a million
// events in batches against recomputing everything in one set-based pass (and that pass
// against one plain statement computing only presence_current), and how soon a user seen at
// a steady 10,000 events per second shows in online_users.

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

let logEvents = 1_000_000
let resetProjections: PostgresQuery = """
    TRUNCATE presence_current, user_sessions, user_activity, user_activity_days, user_online_spans, user_online_span_hours,
        location_visits, location_visit_days;
    """
let resetCheckpoint: PostgresQuery = """
    UPDATE presence_projector SET position_tx = '0', position_at = '-infinity',
        position_id = '00000000-0000-0000-0000-000000000000', events = 0
    """

let benchmarks: @Sendable () -> Void = {
    let slow = Benchmark.Configuration(
        metrics: [.wallClock],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        maxDuration: .seconds(120),
        maxIterations: 3
    )

    Benchmark("catch-up x\(logEvents), batches of \(Projector.Configuration().batchSize)", configuration: slow) { benchmark in
        try await Log.withLoadedDatabase { client in
            try await reset(client)
            benchmark.startMeasurement()
            let folded = try await Projector(client: client, logger: logger).catchUp()
            benchmark.stopMeasurement()
            precondition(folded == logEvents, "folded \(folded)")
        }
    }

    Benchmark("rebuild x\(logEvents)", configuration: slow) { benchmark in
        try await Log.withLoadedDatabase { client in
            try await reset(client)
            benchmark.startMeasurement()
            let folded = try await Projector(client: client, logger: logger).rebuild()
            benchmark.stopMeasurement()
            precondition(folded == logEvents, "rebuilt from \(folded)")
        }
    }

    Benchmark("plain SQL presence_current x\(logEvents)", configuration: slow) { benchmark in
        try await Log.withLoadedDatabase { client in
            try await client.query("DROP TABLE IF EXISTS plain_current", logger: logger)
            benchmark.startMeasurement()
            try await client.query(
                """
                CREATE TABLE plain_current AS
                SELECT DISTINCT ON (user_id) user_id, min(at) OVER (PARTITION BY user_id) AS first_seen,
                       at AS last_seen, location AS last_location, count(*) OVER (PARTITION BY user_id) AS event_count
                FROM seen_events ORDER BY user_id, at DESC, id DESC
                """,
                logger: logger
            )
            benchmark.stopMeasurement()
        }
    }

    Freshness.register()
}

func reset(_ client: PostgresClient) async throws {
    try await client.query(resetProjections, logger: logger)
    try await client.query(resetCheckpoint, logger: logger)
    try await client.query(
        """
        VACUUM ANALYZE presence_current, user_sessions, user_activity, user_activity_days, user_online_spans,
            user_online_span_hours, location_visits, location_visit_days
        """,
        logger: logger
    )
}

/// The log of the catch-up benchmarks: a million simulated events of 100,000 users over 30
/// days, loaded once into its own database with psql's \copy.
enum Log {
    static let database = "presence_bench_log"

    static func withLoadedDatabase(_ body: (PostgresClient) async throws -> Void) async throws {
        let admin = try await EmbeddedServer().start(logger: logger)
        let settings = admin.with(database: database)
        let exists = try await admin.withClient(logger: logger) { client in
            let rows = try await client.query("SELECT 1 FROM pg_database WHERE datname = \(database)", logger: logger).collect()
            return !rows.isEmpty
        }
        if !exists {
            try await admin.withClient(logger: logger) { try await $0.createDatabase(named: database, logger: logger) }
            try await settings.withClient(logger: logger) { client in
                try await Migrator(client: client).migrate(logger: logger)
            }
            try load(settings)
        }
        try await settings.withClient(logger: logger) { client in
            try await Migrator(client: client).migrate(logger: logger)
            try await body(client)
        }
    }

    static func load(_ settings: ConnectionSettings) throws {
        var configuration = TrafficSimulator.Configuration(end: .now - .seconds(3_600))
        configuration.users = 100_000
        configuration.days = 30
        configuration.sessionsPerDay = 0.06
        configuration.duplicateRate = 0
        let path = FileManager.default.temporaryDirectory.appending(path: "presence-bench-log.copy").path
        var text = ""
        var count = 0
        for event in TrafficSimulator(configuration: configuration).events() where count < logEvents {
            text += "\(event.id.uuidString.lowercased())\t\(event.user)\t\(event.at)\t\(event.location ?? "\\N")\n"
            count += 1
        }
        precondition(count == logEvents, "the simulation made only \(count) events")
        try Data(text.utf8).write(to: URL(filePath: path))
        guard case .unixSocket(let directory, let port) = settings.endpoint else { fatalError("the embedded server has a socket") }
        let first = "(now() - interval '32 days')::date"
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/psql")
        process.arguments = [
            "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--host", directory, "--port", String(port),
            "--username", settings.username, "--dbname", settings.database,
            "--command", "SELECT presence_ensure_partitions(\(first), (now() + interval '1 day')::date)",
            "--command", "\\copy seen_events (id, user_id, at, location) FROM '\(path)'",
            "--command", "VACUUM ANALYZE seen_events",
        ]
        try process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "loading the log failed")
    }
}
