import Foundation
import PostgresNIO
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// Partitions off the write path (Migrations/0010): made ahead of time, and never a reason for
/// a writer to wait behind a long query on the log.
@Suite("Event log partitions ahead of time")
struct PartitionsAheadTests {
    let logger = TestDatabase.logger

    func partitionOf(_ user: String, client: PostgresClient) async throws -> [String] {
        let rows = try await client.query(
            "SELECT DISTINCT tableoid::regclass::text FROM seen_events WHERE user_id = \(user)",
            logger: logger
        ).collect()
        return try rows.map { try $0.decode(String.self) }
    }

    @Test("a writer that needs a new day while a long query reads the log waits no more than the lock timeout; maintenance moves its events later")
    func newDayBesideALongReader() async throws {
        try await TestDatabase.withFresh { client, _ in
            let day = RFC3339.parse("2020-02-29T12:00:00Z")!
            try await client.withConnection { reader in
                // A long query on the log: it holds its lock on every partition until COMMIT.
                _ = try await reader.query("BEGIN", logger: logger).collect()
                _ = try await reader.query("SELECT count(*) FROM seen_events", logger: logger).collect()

                var writer = EventLogWriter(client: client, logger: logger)
                let started = ContinuousClock.now
                let result = try await writer.write((0..<3).map { SeenEvent(user: "leap", at: Timestamp(microsecondsSince1970: day + Int64($0))) })
                let waited = ContinuousClock.now - started
                #expect(result.stored == 3)
                // The lock timeout is 200 ms; the rest is the write itself on a busy machine.
                #expect(waited < .seconds(3), "the writer waited \(waited)")
                #expect(try await partitionOf("leap", client: client) == ["seen_events_default"])
                _ = try await reader.query("COMMIT", logger: logger).collect()
            }
            let created = try await client.withConnection { connection in
                try await PartitionMaintenance.maintain(daysAhead: 30, on: connection, logger: logger)
            }
            #expect(created == 1)
            #expect(try await partitionOf("leap", client: client) == ["seen_events_20200229"])
        }
    }

    @Test("the maintenance service keeps the days ahead and stops on graceful shutdown")
    func service() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = PartitionMaintenance.Configuration()
            configuration.daysAhead = 40
            let maintenance = PartitionMaintenance(client: client, configuration: configuration, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await maintenance.run() }
                let deadline = ContinuousClock.now + .seconds(30)
                var made = false
                while !made, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    let rows = try await client.query(
                        """
                        SELECT count(*) FROM presence_log_partitions()
                        WHERE partition_day = (now() AT TIME ZONE 'UTC')::date + 40
                        """,
                        logger: logger
                    ).collect()
                    made = try rows.first?.decode(Int.self) == 1
                }
                #expect(made)
                group.cancelAll()
            }
        }
    }
}
