import Benchmark
import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceIngest
import PresenceModel
import PresenceStore
import ServiceLifecycle

/// Writing a million events into the embedded server: through the tracker (seen() until the
/// last batch is committed), through `psql \copy` of the same rows from a file (the limit of
/// what one client can load), and one INSERT per event (the naive way). Beside them, the
/// writer alone against COPY through PostgresNIO, in the same batches: what binding each batch
/// as arrays costs against the COPY it replaced.
enum EndToEnd {
    static let logger: Logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }()

    /// The same rows for every contender: ids, users, times over the last ten days, locations.
    static let events: [SeenEvent] = {
        var random = SplitMix64(seed: 42)
        let now = Timestamp(Date()).microsecondsSince1970
        return (0..<endToEndEvents).map { index in
            let at = now - Int64(random.next() % (10 * 86_400_000_000))
            return SeenEvent(
                id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                user: users[Int(random.next() % UInt64(users.count))],
                at: Timestamp(microsecondsSince1970: at),
                location: locations[index % locations.count]
            )
        }
    }()

    static func register() {
        let slow = Benchmark.Configuration(
            metrics: [.wallClock, .peakMemoryResident],
            timeUnits: .milliseconds,
            maxDuration: .seconds(60),
            maxIterations: 3
        )
        Benchmark("end-to-end x\(endToEndEvents), tracker", configuration: slow) { benchmark in
            let settings = try await freshDatabase()
            try await settings.withClient(logger: logger) { client in
                var configuration = PresenceTracker.Configuration()
                configuration.overflowPolicy = .wait(deadline: .seconds(120))
                let tracker = PresenceTracker(client: client, configuration: configuration, logger: logger)
                let group = ServiceGroup(services: [tracker], logger: logger)
                benchmark.startMeasurement()
                async let flushing: Void = group.run()
                // The producer is a plain thread, as a request handler's would be.
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    Thread.detachNewThread {
                        for event in events {
                            tracker.seen(user: event.user, at: event.at.date, location: event.location, id: event.id)
                        }
                        done.resume()
                    }
                }
                await group.triggerGracefulShutdown()
                try await flushing
                benchmark.stopMeasurement()
                precondition(tracker.statistics.stored == endToEndEvents, "\(tracker.statistics)")
            }
        }

        Benchmark("end-to-end x\(endToEndEvents), psql copy", configuration: slow) { benchmark in
            let settings = try await freshDatabase()
            let file = try copyFile()
            benchmark.startMeasurement()
            try psql(settings, "\\copy seen_events (id, user_id, at, location) FROM '\(file)'")
            benchmark.stopMeasurement()
        }

        Benchmark("end-to-end x\(endToEndEvents), writer batches", configuration: slow) { benchmark in
            let settings = try await freshDatabase()
            try await settings.withClient(logger: logger) { client in
                var writer = EventLogWriter(client: client, logger: logger)
                benchmark.startMeasurement()
                for batch in batches {
                    _ = try await writer.write(batch)
                }
                benchmark.stopMeasurement()
            }
        }

        Benchmark("end-to-end x\(endToEndEvents), PostgresNIO copy batches", configuration: slow) { benchmark in
            let settings = try await freshDatabase()
            try await settings.withClient(logger: logger) { client in
                let texts = batches.map(copyText)
                benchmark.startMeasurement()
                for text in texts {
                    try await client.withConnection { connection in
                        try await connection.query("BEGIN", logger: logger)
                        try await connection.copyFrom(table: "seen_events", columns: ["id", "user_id", "at", "location"], logger: logger) {
                            try await $0.write(ByteBuffer(string: text))
                        }
                        try await connection.query("COMMIT", logger: logger)
                    }
                }
                benchmark.stopMeasurement()
            }
        }

        Benchmark("end-to-end x\(naiveEvents), one INSERT per event", configuration: slow) { benchmark in
            let settings = try await freshDatabase()
            try await settings.withClient(logger: logger) { client in
                benchmark.startMeasurement()
                for event in events.prefix(naiveEvents) {
                    try await client.query(
                        """
                        INSERT INTO seen_events (id, user_id, at, location)
                        VALUES (\(event.id), \(event.user), \(event.at), \(event.location))
                        """,
                        logger: logger
                    )
                }
                benchmark.stopMeasurement()
            }
        }
    }

    /// A new, migrated database on the embedded server in Benchmarks/.presence, with the
    /// partitions of the events' days made beforehand so no contender pays for them.
    static func freshDatabase() async throws -> ConnectionSettings {
        let admin = try await EmbeddedServer().start(logger: logger)
        let name = "presence_bench"
        let settings = admin.with(database: name)
        try await admin.withClient(logger: logger) { client in
            try await client.dropDatabase(named: name, logger: logger)
            try await client.createDatabase(named: name, logger: logger)
        }
        try await settings.withClient(logger: logger) { client in
            try await Migrator(client: client).migrate(logger: logger)
            try await client.withConnection { connection in
                let today = EventLog.day(of: .now)
                try await EventLog.ensurePartitions(days: (today - 11)...(today + 1), on: connection, logger: logger)
            }
        }
        return settings
    }

    /// The events in the tracker's largest batches.
    static let batches: [[SeenEvent]] = {
        let size = PresenceTracker.Configuration().maximumBatchSize
        return stride(from: 0, to: events.count, by: size).map { Array(events[$0..<min($0 + size, events.count)]) }
    }()

    /// The events as a COPY text file, written once.
    static func copyFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appending(path: "presence-bench-events.copy").path
        if FileManager.default.fileExists(atPath: path) { return path }
        try Data(copyText(events).utf8).write(to: URL(filePath: path))
        return path
    }

    /// Events as COPY text rows; the benchmark's users and locations need no escaping.
    static func copyText(_ events: [SeenEvent]) -> String {
        var text = ""
        text.reserveCapacity(events.count * 90)
        for event in events {
            text += "\(event.id.uuidString.lowercased())\t\(event.user)\t\(event.at.rfc3339)\t\(event.location ?? "\\N")\n"
        }
        return text
    }

    static func psql(_ settings: ConnectionSettings, _ command: String) throws {
        guard case .unixSocket(let directory, let port) = settings.endpoint else { fatalError("the embedded server has a socket") }
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/psql")
        process.arguments = [
            "--quiet", "--no-psqlrc", "--set", "ON_ERROR_STOP=1", "--host", directory, "--port", String(port),
            "--username", settings.username, "--dbname", settings.database, "--command", command,
        ]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw EmbeddedServerError(.serverProgramFailed, "psql failed: \(command)") }
    }
}
