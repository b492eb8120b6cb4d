import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@Suite("Event log schema")
struct EventLogSchemaTests {
    let logger = TestDatabase.logger

    func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    @Test("the same event (same id, same time) cannot be stored twice")
    func duplicateRefused() async throws {
        try await TestDatabase.withFresh { client, _ in
            let id = UUID()
            try await client.query(
                "INSERT INTO seen_events (id, user_id, at, location) VALUES (\(id), 'alice', now(), '/a')",
                logger: logger
            )
            do {
                try await client.query(
                    "INSERT INTO seen_events (id, user_id, at, location) SELECT id, user_id, at, location FROM seen_events",
                    logger: logger
                )
                Issue.record("a duplicate event was stored")
            } catch {
                #expect(sqlState(of: error) == "23505")  // unique_violation
            }
            // An id reused at another time is the producer's error, not a duplicate: it is kept.
            try await client.query(
                "INSERT INTO seen_events (id, user_id, at) VALUES (\(id), 'alice', now() - interval '1 hour')",
                logger: logger
            )
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events") == 2)
        }
    }

    @Test("a duplicate in the default partition is refused too")
    func duplicateInDefaultPartition() async throws {
        try await TestDatabase.withFresh { client, _ in
            let at = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01, outside any day partition
            let id = UUID()
            try await client.query("INSERT INTO seen_events (id, user_id, at) VALUES (\(id), 'bob', \(at))", logger: logger)
            await #expect(throws: PSQLError.self) {
                try await client.query("INSERT INTO seen_events (id, user_id, at) VALUES (\(id), 'bob', \(at))", logger: logger)
            }
        }
    }

    @Test(
        "the schema enforces the user and location limits",
        arguments: [
            ("", "/a"),
            (String(repeating: "u", count: 257), "/a"),
            ("alice", String(repeating: "l", count: 2049)),
        ]
    )
    func limits(user: String, location: String) async throws {
        try await TestDatabase.withFresh { client, _ in
            do {
                try await client.query(
                    "INSERT INTO seen_events (id, user_id, at, location) VALUES (\(UUID()), \(user), now(), \(location))",
                    logger: logger
                )
                Issue.record("an event outside the limits was stored")
            } catch {
                #expect(sqlState(of: error) == "23514")  // check_violation
            }
        }
    }

    @Test("a row whose transaction is still open keeps later commits above the read horizon")
    func readHorizon() async throws {
        try await TestDatabase.withFresh { client, _ in
            let belowHorizon: PostgresQuery =
                "SELECT count(*)::int8 FROM seen_events WHERE tx < pg_snapshot_xmin(pg_current_snapshot())"
            try await client.withConnection { early in
                try await early.query("BEGIN", logger: logger)
                try await early.query(
                    "INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'early', now())",
                    logger: logger
                )
                try await client.query(
                    "INSERT INTO seen_events (id, user_id, at) VALUES (\(UUID()), 'late', now())",
                    logger: logger
                )
                // 'late' has committed, but a reader that takes only rows below the horizon
                // must not see it yet: 'early' may still commit with a smaller transaction id.
                #expect(try await TestDatabase.number(client, belowHorizon) == 0)
                try await early.query("COMMIT", logger: logger)
            }
            // Transactions of tests running beside this one (creating or dropping their
            // databases) can hold the horizon, for seconds on a busy machine.
            let deadline = ContinuousClock.now + .seconds(90)
            while try await TestDatabase.number(client, belowHorizon) < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await TestDatabase.number(client, belowHorizon) == 2)
        }
    }

    @Test("migrate creates the partitions of yesterday, today and the next 30 days, so a writer creates none")
    func partitionsAhead() async throws {
        try await TestDatabase.withFresh { client, _ in
            let today = try await TestDatabase.number(
                client,
                """
                SELECT count(*)::int8 FROM pg_inherits
                WHERE inhparent = 'seen_events'::regclass
                  AND inhrelid = to_regclass('seen_events_' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD'))
                """
            )
            #expect(today == 1)
            let partitions = try await TestDatabase.number(
                client,
                "SELECT count(*)::int8 FROM pg_inherits WHERE inhparent = 'seen_events'::regclass"
            )
            #expect(partitions == 1 + 1 + 1 + 30)  // default, yesterday, today, 30 days ahead
            // So a writer of today's events creates none.
            let now = EventLog.day(of: .now)
            let created = try await client.withConnection { connection in
                try await EventLog.ensurePartitions(days: now...(now + 30), on: connection, logger: TestDatabase.logger)
            }
            #expect(created == 0)
        }
    }

    @Test("creating a day's partition moves that day's events out of the default partition, unchanged")
    func partitionMovesEvents() async throws {
        try await TestDatabase.withFresh { client, _ in
            let day = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z
            let events = [(UUID(), day), (UUID(), day.addingTimeInterval(86_399.999_999)), (UUID(), day.addingTimeInterval(86_400))]
            for (id, at) in events {
                try await client.query(
                    "INSERT INTO seen_events (id, user_id, at, location) VALUES (\(id), 'tab\there', \(at), 'new\nline')",
                    logger: logger
                )
            }
            let before = try await TestDatabase.number(client, "SELECT sum(tx::text::int8)::int8 FROM seen_events")
            let created = try await TestDatabase.number(client, "SELECT presence_ensure_partitions('2000-01-01', '2000-01-01')::int8")
            #expect(created == 1)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events_20000101") == 2)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events_default") == 1)
            #expect(try await TestDatabase.number(client, "SELECT sum(tx::text::int8)::int8 FROM seen_events") == before)
            #expect(try await TestDatabase.number(client, "SELECT presence_ensure_partitions('2000-01-01', '2000-01-01')::int8") == 0)
            #expect(
                try await TestDatabase.number(
                    client,
                    "SELECT count(*)::int8 FROM seen_events WHERE user_id = E'tab\\there' AND location = E'new\\nline'"
                )
                    == 3
            )
        }
    }

    @Test("concurrent partition creation creates each day once")
    func concurrentPartitions() async throws {
        try await TestDatabase.withFresh { client, _ in
            let created = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // A creator that waits longer than the 200 ms lock timeout for another
                        // one (Migration 0010) gives up with nothing created, and tries again,
                        // as the writer and the maintenance do.
                        while true {
                            do {
                                return try await TestDatabase.number(client, "SELECT presence_ensure_partitions('2001-01-01', '2001-01-10')::int8")
                            } catch  where PartitionMaintenance.isLockTimeout(error) {
                                try await Task.sleep(for: .milliseconds(50))
                            } catch {
                                Issue.record("creating partitions failed: \(String(reflecting: error))")
                                throw error
                            }
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(created == 10)
        }
    }

    @Test("an absurd partition range is refused with a hint")
    func partitionRangeLimit() async throws {
        try await TestDatabase.withFresh { client, _ in
            do {
                _ = try await client.query("SELECT presence_ensure_partitions('2000-01-01', '2010-01-01')", logger: logger)
                    .collect()
                Issue.record("ten years of partitions were created at once")
            } catch {
                let message = StoreError(database: error, while: "creating partitions").message
                #expect(message.contains("at most 1001 days"))
            }
        }
    }
}
