import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import PresenceStore
import PresenceTestSupport
import Testing

extension FaultTests {
    @Suite("Ingest under faults")
    struct IngestFaultTests {
        static let logger = TestDatabase.logger

        /// A pool on the fault server's database, for the tracker alone.
        static func trackerClient(
            _ fault: FaultServer,
            maximumConnections: Int = 20,
            applicationName: String = "presence-fault-tracker"
        ) -> PostgresClient {
            var configuration = fault.settings.clientConfiguration()
            configuration.options.maximumConnections = maximumConnections
            configuration.options.additionalStartupParameters.append(("application_name", applicationName))
            var logger = logger
            logger.logLevel = .critical  // the pool's own complaints while the server is away
            return PostgresClient(configuration: configuration, backgroundLogger: logger)
        }

        /// Runs `body` while `client` runs.
        static func running<Result: Sendable>(
            _ client: PostgresClient,
            _ body: () async throws -> Result
        ) async throws -> Result {
            try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                return try await body()
            }
        }

        @Test("immediate stops of PostgreSQL while the tracker writes: its retries carry every accepted event into the log once")
        func immediateStopMidIngest() async {
            let seed = FaultSeed(default: 1)
            await seed.replaying {
                try await FaultServer.with { fault, client in
                    let run = TrackerRun(client: client, events: seed.traffic(users: 4_000, days: 1))
                    var random = seed.generator(1)
                    let pauses = (0..<3).map { _ in Duration.milliseconds(100 + Int(random.next() % 500)) }
                    let statistics = try await run.run(over: .seconds(8)) {
                        for (index, pause) in pauses.enumerated() {
                            try await run.reach(Double(index + 1) / 4)
                            // Strike while a batch is being written (there is one within a
                            // moment, nearly always).
                            try? await eventually("a batch in flight", timeout: .seconds(2), poll: .milliseconds(2)) {
                                try await FaultChecks.writing(client)
                            }
                            try await fault.crash()
                            try await Task.sleep(for: pause)
                            try await fault.restart()
                        }
                    }
                    try await run.expectAccounting(statistics, client, seed)
                    try await FaultChecks.expectProjectionsMatchRebuild(client, seed)
                }
            }
        }

        @Test("a connection pool held busy while the tracker must flush: the flusher waits its turn and loses nothing")
        func exhaustedPool() async {
            let seed = FaultSeed(default: 4)
            await seed.replaying {
                try await FaultServer.with { fault, admin in
                    let client = Self.trackerClient(fault, maximumConnections: 2)
                    let run = TrackerRun(client: client, events: seed.traffic(users: 2_000, days: 1), capacity: 2_048)
                    let statistics = try await Self.running(client) {
                        try await run.run(over: .seconds(5)) {
                            for share in [0.2, 0.6] {
                                try await run.reach(share)
                                // Both of the pool's connections sleep for 1.5 s.
                                try await withThrowingTaskGroup(of: Void.self) { hogs in
                                    for _ in 0..<2 {
                                        hogs.addTask { _ = try await client.query("SELECT pg_sleep(1.5)", logger: Self.logger).collect() }
                                    }
                                    try await hogs.waitForAll()
                                }
                            }
                        }
                    }
                    try await run.expectAccounting(statistics, admin, seed)
                    try await FaultChecks.expectProjectionsMatchRebuild(admin, seed)
                }
            }
        }

        @Test("PostgreSQL out of connection slots when the tracker must connect: it retries until one is free")
        func serverOutOfConnections() async {
            let seed = FaultSeed(default: 6)
            let slots = 8
            await seed.replaying {
                try await FaultServer.with { fault, admin in
                    try await admin.query("ALTER SYSTEM SET max_connections = \(unescaped: String(slots))", logger: Self.logger)
                    try await fault.server.stop(logger: Self.logger)
                    try await fault.restart()

                    // Another pool takes every connection slot for 2 s, before the tracker's
                    // pool (which has none yet) first connects.
                    let hog = Self.trackerClient(fault, maximumConnections: slots, applicationName: "presence-fault-hog")
                    let (connected, connection) = AsyncStream<Void>.makeStream()
                    let hogging = Task {
                        try await Self.running(hog) {
                            try await withThrowingTaskGroup(of: Void.self) { hogs in
                                for _ in 0..<slots {
                                    hogs.addTask {
                                        try await hog.withConnection { hold in
                                            _ = try await hold.query("SELECT 1", logger: Self.logger).collect()
                                            connection.yield()
                                            _ = try await hold.query("SELECT pg_sleep(2)", logger: Self.logger).collect()
                                        }
                                    }
                                }
                                try await hogs.waitForAll()
                            }
                        }
                    }
                    var count = 0
                    for await _ in connected {
                        count += 1
                        if count == slots { break }
                    }

                    let client = Self.trackerClient(fault)
                    let run = TrackerRun(client: client, events: seed.traffic(users: 1_000, days: 1))
                    let statistics = try await Self.running(client) {
                        try await run.run(over: .seconds(3)) { try await hogging.value }
                    }
                    #expect(
                        fault.serverLogLines(containing: "too many clients") > 0,
                        "the tracker never met a full server; \(seed)"
                    )
                    try await run.expectAccounting(statistics, admin, seed)
                    try await FaultChecks.expectProjectionsMatchRebuild(admin, seed)
                }
            }
        }

        @Test("statement timeouts during flushes (a lock held on the log, then a 1 ms limit): the flusher retries and stores each event once")
        func statementTimeoutDuringFlush() async {
            let seed = FaultSeed(default: 5)
            await seed.replaying {
                try await FaultServer.with { fault, admin in
                    let database = fault.settings.database
                    // Every new session of the database gets a 250 ms limit, the tracker's too.
                    try await admin.query("ALTER DATABASE \(unescaped: database) SET statement_timeout = '250ms'", logger: Self.logger)
                    let client = Self.trackerClient(fault)
                    let run = TrackerRun(client: client, events: seed.traffic(users: 2_000, days: 1))
                    let cutOffTracker: PostgresQuery =
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'presence-fault-tracker'"
                    let statistics = try await Self.running(client) {
                        try await run.run(over: .seconds(5)) {
                            try await run.reach(0.2)
                            // 1. Another session holds a lock on the log for 1.5 s: each COPY
                            // waits for it and is cancelled after 250 ms.
                            try await admin.withConnection { connection in
                                try await connection.query("SET statement_timeout = 0", logger: Self.logger)
                                try await connection.query("BEGIN", logger: Self.logger)
                                try await connection.query("LOCK TABLE seen_events IN SHARE MODE", logger: Self.logger)
                                try await Task.sleep(for: .milliseconds(1_500))
                                try await connection.query("COMMIT", logger: Self.logger)
                            }
                            try await run.reach(0.6)
                            // 2. A 1 ms limit, which the tracker's sessions get when they are cut
                            // off and reconnect; 1.5 s later the limit is lifted and they are
                            // cut off again.
                            try await admin.withConnection { connection in
                                try await connection.query("SET statement_timeout = 0", logger: Self.logger)
                                try await connection.query("ALTER DATABASE \(unescaped: database) SET statement_timeout = '1ms'", logger: Self.logger)
                                try await connection.query(cutOffTracker, logger: Self.logger)
                                try await Task.sleep(for: .milliseconds(1_500))
                                try await connection.query("ALTER DATABASE \(unescaped: database) RESET statement_timeout", logger: Self.logger)
                                try await connection.query(cutOffTracker, logger: Self.logger)
                            }
                        }
                    }
                    #expect(
                        fault.serverLogLines(containing: "canceling statement due to statement timeout") > 0,
                        "no flush met a statement timeout; \(seed)"
                    )
                    // A new pool, whose sessions have no limit, checks the outcome.
                    try await fault.settings.withClient(logger: Self.logger) { checker in
                        try await run.expectAccounting(statistics, checker, seed)
                        try await FaultChecks.expectProjectionsMatchRebuild(checker, seed)
                    }
                }
            }
        }
    }
}
