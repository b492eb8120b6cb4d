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
    let base = Timestamp.now.microsecondsSince1970 - 60_000_000

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
            let events = (0..<3).map { SeenEvent(user: "u\($0)", at: Timestamp(microsecondsSince1970: base + Int64($0))) }
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
            let events = (0..<3).map { SeenEvent(user: "u\($0)", at: Timestamp(microsecondsSince1970: base + Int64($0))) }
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
                    try await TestDatabase.store([SeenEvent(user: "a", at: Timestamp(microsecondsSince1970: base))], client)
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

    @Test("every value arrives exactly: times from year 1 to 9999 to the microsecond, no location apart from an empty one, any text")
    func valuesArriveExactly() async throws {
        let times: [Int64] = [
            Timestamp.earliest.microsecondsSince1970, Timestamp.latest.microsecondsSince1970 - 1, -1, 0, 1, 946_684_800_000_000 - 1,
            946_684_800_000_000,
            base + 123_457,
        ]
        let texts = ["", "\\N", "NULL", "a\tb\nc\\d\r", "'); DROP TABLE seen_events; --", "ünïcødé 😀", "\u{1}\u{7F}"]
        var events: [SeenEvent] = []
        for (index, at) in times.enumerated() {
            events.append(SeenEvent(user: "time \(index)", at: Timestamp(microsecondsSince1970: at), location: nil))
        }
        for (index, text) in texts.enumerated() {
            events.append(SeenEvent(user: "text \(index) \(text)", at: Timestamp(microsecondsSince1970: base + Int64(index)), location: text))
        }
        try await TestDatabase.withFresh { client, _ in
            var writer = EventLogWriter(client: client, logger: logger)
            let result = try await writer.write(events)
            #expect(result == BatchResult(stored: events.count, duplicates: 0))
            // EXTRACT(EPOCH …) is numeric with every microsecond since PostgreSQL 14.
            let rows = try await client.query(
                "SELECT id, user_id, (EXTRACT(EPOCH FROM at) * 1000000)::int8, location FROM seen_events",
                logger: logger
            ).collect()
            var stored: [UUID: SeenEvent] = [:]
            for row in rows {
                let (id, user, microseconds, location) = try row.decode((UUID, String, Int64, String?).self)
                stored[id] = SeenEvent(id: id, user: user, at: Timestamp(microsecondsSince1970: microseconds), location: location)
            }
            #expect(stored.count == events.count)
            for event in events {
                #expect(stored[event.id] == event)
            }
        }
    }

    @Test("events the log holds and repeats within a batch are duplicates: each event is stored once")
    func duplicates() async throws {
        let a = SeenEvent(user: "a", at: Timestamp(microsecondsSince1970: base))
        let b = SeenEvent(user: "b", at: Timestamp(microsecondsSince1970: base + 1))
        let c = SeenEvent(user: "c", at: Timestamp(microsecondsSince1970: base + 2), location: "/c")
        try await TestDatabase.withFresh { client, _ in
            var writer = EventLogWriter(client: client, logger: logger)
            let first = try await writer.write([b])
            let second = try await writer.write([a, b, a, c, c, b])
            #expect(first == BatchResult(stored: 1, duplicates: 0))
            #expect(second == BatchResult(stored: 2, duplicates: 4))
            #expect(try await TestDatabase.eventCount(client) == 3)
        }
    }
}
