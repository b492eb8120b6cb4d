import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// The write path logged in as a member of `presence_ingest` (Migrations/0006), which may
/// append to the log and nothing else.
@Suite("Writing as the ingest role")
struct IngestRoleTests {
    let logger = TestDatabase.logger

    func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
            ?? ((error as? PostgresTransactionError)?.closureError as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func at(_ text: String) -> Int64 { RFC3339.parse(text)! }

    @Test("the writer stores, deduplicates and creates day partitions, moving rows out of the default one")
    func writer() async throws {
        try await TestDatabase.withFresh { owner, settings in
            let now = Timestamp.now.microsecondsSince1970 - 1_000_000
            // An event of a day without a partition, already in the default partition.
            let early = SeenEvent(user: "early", at: Timestamp(microsecondsSince1970: Self.at("2002-03-04T05:06:07Z")))
            try await owner.query(
                "INSERT INTO seen_events (id, user_id, at) VALUES (\(early.id), \(early.user), to_timestamp(\(early.at.microsecondsSince1970)::float8 / 1e6))",
                logger: logger
            )
            let batch = [
                SeenEvent(user: "alice", at: Timestamp(microsecondsSince1970: now), location: "/a"),
                SeenEvent(user: "tab\tuser", at: Timestamp(microsecondsSince1970: now - 7), location: nil),
                SeenEvent(user: "bob", at: Timestamp(microsecondsSince1970: Self.at("2001-02-03T04:05:06Z")), location: "/old"),
                SeenEvent(user: "carol", at: Timestamp(microsecondsSince1970: Self.at("2002-03-04T23:59:59.999999Z")), location: "/c"),
            ]
            try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                var writer = EventLogWriter(client: ingest, logger: logger)
                #expect(try await writer.write(batch) == BatchResult(stored: 4, duplicates: 0))
                // Sent again: the COPY fails on the key and the batch goes through the
                // temporary table, ON CONFLICT DO NOTHING, with no SELECT privilege.
                var again = EventLogWriter(client: ingest, logger: logger)
                #expect(try await again.write(batch) == BatchResult(stored: 0, duplicates: 4))
                let more = SeenEvent(user: "dave", at: Timestamp(microsecondsSince1970: now), location: "/d")
                #expect(try await again.write(batch + [more]) == BatchResult(stored: 1, duplicates: 4))

                // A transaction that wrote erin's event and whose COMMIT answer was lost: asked
                // after, through presence_commit_outcome, without reading the log.
                let erin = SeenEvent(user: "erin", at: Timestamp(microsecondsSince1970: now))
                let transaction = try await ingest.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query(
                        "INSERT INTO seen_events (id, user_id, at) VALUES (\(erin.id), 'erin', \(erin.at))",
                        logger: logger
                    )
                    let rows = try await connection.query("SELECT pg_current_xact_id()::text", logger: logger).collect()
                    try await connection.query("COMMIT", logger: logger)
                    return try rows.first?.decode(String.self) ?? ""
                }
                var lost = EventLogWriter(client: ingest, logger: logger)
                lost.unconfirmed = (transaction, BatchResult(stored: 1, duplicates: 0))
                #expect(try await lost.write([erin]) == BatchResult(stored: 1, duplicates: 0))

                do {
                    _ = try await ingest.query("SELECT count(*) FROM seen_events", logger: logger).collect()
                    Issue.record("the ingest role read the log")
                } catch {
                    #expect(sqlState(error) == "42501")
                }
            }
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events") == 7)
            // The partitions the writer needed exist, owned by the log's owner, and the early
            // event moved out of the default partition into its day.
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events_20010203") == 1)
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events_20020304") == 2)
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events_default") == 0)
            #expect(
                try await TestDatabase.number(
                    owner,
                    "SELECT count(*)::int8 FROM pg_tables WHERE tablename IN ('seen_events_20010203', 'seen_events_20020304') AND tableowner = current_user"
                ) == 2
            )
            #expect(try await TestDatabase.number(owner, "SELECT count(DISTINCT id)::int8 FROM seen_events") == 7)
        }
    }

    @Test("a tracker logged in as the ingest role writes every event and drains on shutdown")
    func tracker() async throws {
        try await TestDatabase.withFresh { owner, settings in
            let statistics = try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                var configuration = PresenceTracker.Configuration()
                configuration.maximumBatchSize = 50
                return try await withTracker(client: ingest, configuration: configuration) { tracker, _ in
                    for index in 0..<500 {
                        tracker.seen(user: "user\(index % 37)", location: "/page/\(index % 5)")
                    }
                    // One event of a past day without a partition: the flusher creates it.
                    tracker.seen(user: "late", at: Date(timeIntervalSince1970: 1_000_000_000), location: "/2001")
                }
            }
            #expect(statistics.accepted == 501)
            #expect(statistics.stored == 501)
            #expect(statistics.droppedTotal == 0)
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events") == 501)
            #expect(try await TestDatabase.number(owner, "SELECT count(*)::int8 FROM seen_events_20010909") == 1)
        }
    }
}
