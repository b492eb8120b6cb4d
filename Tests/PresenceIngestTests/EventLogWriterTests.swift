import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

@Suite("Event log writer")
struct EventLogWriterTests {
    let logger = TestDatabase.logger
    let base = SeenEvent.microsecondsNow() - 60_000_000

    /// Runs a transaction that inserts `events` and ends with `ending` (COMMIT or ROLLBACK);
    /// returns its transaction id, as a writer that lost the COMMIT's answer would hold it.
    func transaction(inserting events: [SeenEvent], ending: PostgresQuery, client: PostgresClient) async throws -> String {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            for event in events {
                try await connection.query(
                    "INSERT INTO seen_events (id, user_id, at) VALUES (\(event.id), \(event.user), now())",
                    logger: logger
                )
            }
            let rows = try await connection.query("SELECT pg_current_xact_id()::text", logger: logger).collect()
            try await connection.query(ending, logger: logger)
            return try rows.first?.decode(String.self) ?? ""
        }
    }

    @Test("after a COMMIT whose answer was lost, a batch that did commit is not written again")
    func lostAnswerCommitted() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = (0..<3).map { SeenEvent(user: "u\($0)", microseconds: base + Int64($0)) }
            let xid = try await transaction(inserting: events, ending: "COMMIT", client: client)
            var writer = EventLogWriter(client: client, logger: logger)
            writer.unconfirmed = (xid, BatchResult(stored: 3, duplicates: 0))
            let result = try await writer.write(events)
            #expect(result == BatchResult(stored: 3, duplicates: 0))
            #expect(writer.unconfirmed == nil)
            #expect(try await TestDatabase.eventCount(client) == 3)
        }
    }

    @Test("after a COMMIT whose answer was lost, a batch that did not commit is written")
    func lostAnswerAborted() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = (0..<3).map { SeenEvent(user: "u\($0)", microseconds: base + Int64($0)) }
            let xid = try await transaction(inserting: events, ending: "ROLLBACK", client: client)
            var writer = EventLogWriter(client: client, logger: logger)
            writer.unconfirmed = (xid, BatchResult(stored: 3, duplicates: 0))
            let result = try await writer.write(events)
            #expect(result == BatchResult(stored: 3, duplicates: 0))
            #expect(try await TestDatabase.eventCount(client) == 3)
        }
    }

    @Test("each committed batch notifies the event log's channel")
    func notifies() async throws {
        try await TestDatabase.withFresh { client, _ in
            try await client.withConnection { connection in
                try await connection.listen(on: EventLog.notificationChannel) { notifications in
                    try await TestDatabase.store([SeenEvent(user: "a", microseconds: base)], client)
                    let received = try await withThrowingTaskGroup(of: Bool.self) { group in
                        group.addTask {
                            for try await _ in notifications { return true }
                            return false
                        }
                        group.addTask {
                            try await Task.sleep(for: .seconds(10))
                            return false
                        }
                        defer { group.cancelAll() }
                        return try await group.next() ?? false
                    }
                    #expect(received)
                }
            }
        }
    }
}
