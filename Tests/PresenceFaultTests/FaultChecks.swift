import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceTestSupport
import Testing

/// What every fault test checks once the fault is over.
enum FaultChecks {
    static let logger = TestDatabase.logger

    /// How many events the projector's checkpoint says it has folded.
    static func folded(_ client: PostgresClient) async throws -> Int {
        try await TestDatabase.number(client, "SELECT events FROM presence_projector")
    }

    /// How many rows the event log holds.
    static func logged(_ client: PostgresClient) async throws -> Int {
        try await TestDatabase.eventCount(client)
    }

    /// Writes events in batches straight to the log, as an import would.
    static func write(_ events: some Collection<SeenEvent>, _ client: PostgresClient, batchSize: Int = 10_000) async throws {
        var writer = EventLogWriter(client: client, logger: logger)
        var batch: [SeenEvent] = []
        batch.reserveCapacity(batchSize)
        for event in events {
            batch.append(event)
            if batch.count == batchSize {
                _ = try await writer.write(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { _ = try await writer.write(batch) }
    }

    /// The server process of a session now folding a batch (`presence_fold` running), if any.
    static func foldingSession(_ client: PostgresClient) async throws -> Int? {
        let rows = try await client.query(
            """
            SELECT pid FROM pg_stat_activity
            WHERE state = 'active' AND query LIKE 'SELECT folded, held_back FROM presence_fold(%' AND pid <> pg_backend_pid()
            """,
            logger: logger
        ).collect()
        return try rows.first?.decode(Int.self)
    }

    /// Checks that the log holds exactly the events with the `expected` ids, each once.
    static func expectLog(
        holds expected: Set<UUID>,
        _ client: PostgresClient,
        _ seed: FaultSeed,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var rows = 0
        var ids = Set<UUID>()
        for try await id in try await client.query("SELECT id FROM seen_events", logger: logger).decode(UUID.self) {
            rows += 1
            ids.insert(id)
        }
        #expect(rows == ids.count, "the log holds \(rows - ids.count) events twice; \(seed)", sourceLocation: sourceLocation)
        let missing = expected.subtracting(ids).count
        let extra = ids.subtracting(expected).count
        #expect(
            missing == 0 && extra == 0,
            "the log lacks \(missing) of \(expected.count) expected events and holds \(extra) unexpected ones; \(seed)",
            sourceLocation: sourceLocation
        )
    }

    /// Folds what is left, then checks that the checkpoint counts each logged event once and
    /// that the projections equal a rebuild from the log, table by table, row by row.
    static func expectProjectionsMatchRebuild(
        _ client: PostgresClient,
        _ seed: FaultSeed,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var configuration = Projector.Configuration()
        configuration.waitForOtherProjector = true
        let projector = Projector(client: client, configuration: configuration, logger: logger)
        let logged = try await Self.logged(client)
        try await eventually("the projector to fold all \(logged) events") {
            try await projector.catchUp()
            return try await Self.folded(client) >= logged
        }
        let checkpoint = try await Self.folded(client)
        #expect(checkpoint == logged, "the checkpoint counts \(checkpoint) events, the log holds \(logged); \(seed)", sourceLocation: sourceLocation)

        // user_activity through presence_activity: a rebuild packs the old days its fold
        // leaves in quarter rows.
        let tables = [
            "presence_current": "TABLE presence_current", "user_sessions": "TABLE user_sessions",
            "user_activity": "SELECT * FROM presence_activity('-infinity', 'infinity')",
        ]
        try await client.withConnection { connection in
            for (table, rows) in tables {
                try await connection.query("CREATE TEMPORARY TABLE \(unescaped: "folded_" + table) AS \(unescaped: rows)", logger: logger)
            }
            let rebuilt = try await projector.rebuild()
            #expect(rebuilt == logged, "the rebuild read \(rebuilt) events, the log holds \(logged); \(seed)", sourceLocation: sourceLocation)
            for (table, rebuiltRows) in tables {
                let copy = "folded_" + table
                let rows = try await connection.query(
                    """
                    SELECT (SELECT count(*) FROM (TABLE \(unescaped: copy) EXCEPT ALL \(unescaped: rebuiltRows)) AS only_folded)::int8,
                           (SELECT count(*) FROM (\(unescaped: rebuiltRows) EXCEPT ALL TABLE \(unescaped: copy)) AS only_rebuilt)::int8,
                           (SELECT count(*) FROM (\(unescaped: rebuiltRows)) AS rebuilt)::int8
                    """,
                    logger: logger
                ).collect()
                let (onlyFolded, onlyRebuilt, total) = try rows.first!.decode((Int, Int, Int).self)
                #expect(
                    onlyFolded == 0 && onlyRebuilt == 0,
                    "\(table): \(onlyFolded) rows only in the folded projection, \(onlyRebuilt) only in the rebuild (of \(total)); \(seed)",
                    sourceLocation: sourceLocation
                )
                try await connection.query("DROP TABLE \(unescaped: copy)", logger: logger)
            }
        }
    }
}

extension FaultChecks {
    /// Whether a session other than this one is in the middle of a transaction or a statement
    /// on this database: a tracker writing a batch.
    static func writing(_ client: PostgresClient) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                  AND state IN ('active', 'idle in transaction'))
            """,
            logger: logger
        ).collect()
        return try rows.first?.decode(Bool.self) ?? false
    }
}
