import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceSimulation
import PresenceStore

/// A simulated log of 30 days loaded once into a database of its own on the embedded server
/// (kept between runs, like the projector benchmarks' log), projected with `presence_rebuild()`
/// and analyzed.
///
/// Both sizes have the same rhythm per user (sessions mostly in the day and evening, fewer on
/// weekends, a few very active users and many occasional ones); the larger one has ten times
/// the users, not ten times the events per user. The simulation is cut at exactly `events`
/// events, which trims the last hours of the last day.
struct ReportDataset: Sendable, Hashable {
    /// How many events the log holds.
    let events: Int
    /// How many users the simulation draws them from.
    let users: Int
    /// Sessions per day of a user of median activity: set so that the simulation makes just
    /// over `events` events (about 10 per user over the 30 days).
    let sessionsPerDay: Double

    static let million = ReportDataset(events: 1_000_000, users: 100_000, sessionsPerDay: 0.0506)
    static let tenMillion = ReportDataset(events: 10_000_000, users: 1_000_000, sessionsPerDay: 0.0506)
    static let all = [million, tenMillion]

    /// The simulated time ends here (a fixed moment, so that a kept database stays valid).
    static let end = Timestamp(rfc3339: "2026-11-01T00:00:00Z")!
    static let days = 30

    /// The reports' range: the 30 local days of Europe/Berlin from 2 to 31 October 2026, the
    /// 25-hour day of 25 October (summer time ends) among them.
    static let timeZone = "Europe/Berlin"
    static let from = Timestamp(rfc3339: "2026-10-02T00:00:00+02:00")!
    static let to = Timestamp(rfc3339: "2026-11-01T00:00:00+01:00")!

    var database: String { "presence_bench_reports_\(events)" }
    /// What the kept database must say it holds, or it is loaded again.
    var stamp: String {
        "\(events) events of \(users) users, \(Self.days) days to \(Self.end), \(sessionsPerDay) sessions/day, seed 1"
    }

    /// Makes sure the dataset's database exists, holds this dataset and is projected by the
    /// latest migrations (a migration that changes the projections is followed by a rebuild, so
    /// that they are laid out as a fresh projection would be); returns the settings that reach it.
    func prepare(logger: Logger) async throws -> ConnectionSettings {
        let admin = try await EmbeddedServer().start(logger: logger)
        let settings = admin.with(database: database)
        try await admin.withClient(logger: logger) { try await $0.createDatabase(named: database, ifMissing: true, logger: logger) }
        let state = try await settings.withClient(logger: logger) { client in
            try await Migrator(client: client).migrate(logger: logger)
            try await client.query(
                "CREATE TABLE IF NOT EXISTS bench_dataset (stamp text NOT NULL, projected_at_version integer NOT NULL)",
                logger: logger
            )
            let rows = try await client.query(
                """
                SELECT d.projected_at_version = (SELECT max(version) FROM presence_migrations)
                FROM bench_dataset AS d, presence_projector AS p
                WHERE d.stamp = \(stamp) AND p.events = \(events)
                """,
                logger: logger
            ).collect()
            return try rows.first?.decode(Bool.self)
        }
        if state == true { return settings }
        if state == false {
            try await settings.withClient(logger: logger) { client in try await project(client) }
            return settings
        }

        try await admin.withClient(logger: logger) { client in
            try await client.dropDatabase(named: database, logger: logger)
            try await client.createDatabase(named: database, logger: logger)
        }
        let clock = ContinuousClock()
        var started = clock.now
        let file = try writeCopyFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        note("simulated \(events) events", since: started)
        started = clock.now
        _ = try await settings.withClient(logger: logger) { try await Migrator(client: $0).migrate(logger: logger) }
        try load(file, into: settings)
        note("loaded them with psql \\copy", since: started)
        try await settings.withClient(logger: logger) { client in
            try await client.query(
                "CREATE TABLE bench_dataset (stamp text NOT NULL, projected_at_version integer NOT NULL)",
                logger: logger
            )
            try await client.query("INSERT INTO bench_dataset VALUES (\(stamp), 0)", logger: logger)
            try await project(client)
        }
        return settings
    }

    /// Rebuilds the projections from the log, then vacuums and analyzes them.
    private func project(_ client: PostgresClient) async throws {
        let clock = ContinuousClock()
        var started = clock.now
        let folded = try await Projector(client: client, logger: logger).rebuild()
        precondition(folded == events, "the rebuild folded \(folded) events, not \(events)")
        note("projected them with presence_rebuild()", since: started)
        started = clock.now
        try await client.query(
            """
            VACUUM ANALYZE presence_current, user_sessions, user_activity, user_activity_days, user_online_spans,
                user_online_span_hours, location_visits, location_visit_days
            """,
            logger: logger
        )
        note("vacuumed and analyzed the projections", since: started)
        try await client.query(
            "UPDATE bench_dataset SET projected_at_version = (SELECT max(version) FROM presence_migrations)",
            logger: logger
        )
    }

    /// Writes the first `events` simulated events as COPY text, one day at a time.
    private func writeCopyFile() throws -> String {
        var configuration = TrafficSimulator.Configuration(end: Self.end)
        configuration.users = users
        configuration.days = Self.days
        configuration.sessionsPerDay = sessionsPerDay
        configuration.duplicateRate = 0
        let path = FileManager.default.temporaryDirectory.appending(path: "presence-bench-reports-\(events).copy").path
        precondition(FileManager.default.createFile(atPath: path, contents: nil), "cannot create \(path)")
        let handle = try FileHandle(forWritingTo: URL(filePath: path))
        defer { try? handle.close() }
        var count = 0
        var last = Timestamp.earliest
        var chunk = ""
        for event in TrafficSimulator(configuration: configuration).events() {
            guard count < events else { break }
            chunk += "\(event.id.uuidString.lowercased())\t\(event.user)\t\(event.at)\t\(event.location ?? "\\N")\n"
            last = max(last, event.at)
            count += 1
            if chunk.utf8.count > 1 << 22 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        note("took \(count) events, the last at \(last)", since: nil)
        precondition(count == events, "the simulation made only \(count) events; raise sessionsPerDay")
        return path
    }

    private func load(_ file: String, into settings: ConnectionSettings) throws {
        guard case .unixSocket(let directory, let port) = settings.endpoint else { fatalError("the embedded server has a socket") }
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/psql")
        process.arguments = [
            "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--output", "/dev/null", "--host", directory, "--port", String(port),
            "--username", settings.username, "--dbname", settings.database,
            "--command", "SELECT presence_ensure_partitions('2026-10-01', '2026-11-01')",
            "--command", "\\copy seen_events (id, user_id, at, location) FROM '\(file)'",
            "--command", "VACUUM ANALYZE seen_events",
        ]
        try process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "loading the log failed")
    }

    private func note(_ what: String, since start: ContinuousClock.Instant?) {
        let took = start.map { " in \(($0.duration(to: .now) / .milliseconds(1)).rounded() / 1000) s" } ?? ""
        FileHandle.standardError.write(Data("[\(database)] \(what)\(took)\n".utf8))
    }
}
