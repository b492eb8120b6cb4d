import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// The projector reads only the days written since its checkpoint (Migrations/0013), so every
/// way of writing the log must note its days, or its events would never be folded.
@Suite("Days written to the log")
struct WrittenDaysTests {
    let logger = TestDatabase.logger

    @Test("COPY, INSERT … ON CONFLICT and writes as a logical replica note their days, and every event is folded; folded days are forgotten")
    func everyWriteNotesItsDays() async throws {
        try await TestDatabase.withFresh { client, _ in
            let day: Int64 = 86_400_000_000
            let base = RFC3339.parse("2026-03-01T12:00:00Z")!
            var writer = EventLogWriter(client: client, logger: logger)
            // COPY, on two days a month apart.
            _ = try await writer.write([
                SeenEvent(user: "copy", at: Timestamp(microsecondsSince1970: base)),
                SeenEvent(user: "copy", at: Timestamp(microsecondsSince1970: base + 30 * day)),
            ])
            // The writer's other path, INSERT … ON CONFLICT DO NOTHING, when a batch repeats an event.
            let repeated = SeenEvent(user: "again", at: Timestamp(microsecondsSince1970: base + 3 * day))
            _ = try await writer.write([repeated])
            _ = try await writer.write([repeated, SeenEvent(user: "again", at: Timestamp(microsecondsSince1970: base + 4 * day))])
            // A logical replica's apply worker writes with session_replication_role = replica,
            // under which ordinary triggers do not fire.
            try await client.withConnection { connection in
                _ = try await connection.query("SET session_replication_role = replica", logger: logger).collect()
                _ = try await connection.query(
                    "INSERT INTO seen_events (id, user_id, at) VALUES (gen_random_uuid(), 'replica', '2026-03-20T08:00:00Z')",
                    logger: logger
                ).collect()
                _ = try await connection.query("SET session_replication_role = origin", logger: logger).collect()
            }
            // Five events on five days: 03-01 and 03-31 by COPY, 03-04 (once) and 03-05 through
            // the repeat, 03-20 as a replica.
            #expect(try await TestDatabase.number(client, "SELECT count(DISTINCT day)::int8 FROM presence_written_days") == 5)

            try await TestDatabase.projectAll(client, count: 5)
            #expect(try await TestDatabase.number(client, "SELECT sum(event_count)::int8 FROM presence_current") == 5)
            // Only the days of the last transaction folded are kept.
            #expect(
                try await TestDatabase.number(
                    client,
                    "SELECT count(*)::int8 FROM presence_written_days AS w, presence_projector AS p WHERE w.tx < p.position_tx"
                ) == 0
            )
        }
    }

    @Test("the waiting events are counted from the days written since the checkpoint, also across a partial fold")
    func waitingEvents() async throws {
        try await TestDatabase.withFresh { client, _ in
            let base = RFC3339.parse("2026-03-01T12:00:00Z")!
            // Ten events over ten days, one transaction.
            let events = (0..<10).map { SeenEvent(user: "u\($0)", at: Timestamp(microsecondsSince1970: base + Int64($0) * 86_400_000_000)) }
            try await TestDatabase.store(events, client)
            #expect(try await TestDatabase.number(client, "SELECT waiting FROM presence_waiting_events(1000000)") == 10)
            #expect(try await TestDatabase.number(client, "SELECT waiting FROM presence_waiting_events(4)") == 4)
            #expect(
                try await TestDatabase.number(client, "SELECT (extract(epoch FROM oldest) * 1e6)::int8 FROM presence_waiting_events(1000000)")
                    == Int(base)
            )
            // One batch of 3 (in (tx, at, id) order: the first three days) leaves 7, once the
            // read horizon has passed the write (tests beside this one hold it for moments).
            let deadline = ContinuousClock.now + .seconds(120)
            while try await TestDatabase.number(client, "SELECT presence_project(3)") == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await TestDatabase.number(client, "SELECT events FROM presence_projector") == 3)
            #expect(try await TestDatabase.number(client, "SELECT waiting FROM presence_waiting_events(1000000)") == 7)
            #expect(
                try await TestDatabase.number(client, "SELECT (extract(epoch FROM oldest) * 1e6)::int8 FROM presence_waiting_events(1000000)")
                    == Int(base + 3 * 86_400_000_000)
            )
            try await TestDatabase.projectAll(client, count: 10)
            #expect(try await TestDatabase.number(client, "SELECT waiting FROM presence_waiting_events(1000000)") == 0)
        }
    }

    @Test("last seen as of a moment agrees with the log while the projector lags, and reads the session around the moment")
    func lastSeenWhileLagging() async throws {
        try await TestDatabase.withFresh { client, settings in
            let minute: Int64 = 60_000_000
            let base = RFC3339.parse("2026-03-01T12:00:00Z")!
            var writer = EventLogWriter(client: client, logger: logger)
            // Folded: a session 12:00–12:20 on 03-01 and one at 12:00 on 03-10.
            _ = try await writer.write([
                SeenEvent(user: "ann", at: Timestamp(microsecondsSince1970: base), location: "/a"),
                SeenEvent(user: "ann", at: Timestamp(microsecondsSince1970: base + 20 * minute), location: "/b"),
                SeenEvent(user: "ann", at: Timestamp(microsecondsSince1970: base + 9 * 1_440 * minute), location: "/c"),
            ])
            try await TestDatabase.projectAll(client, count: 3)
            // Not folded: 12:30 on 03-01, after the first session, before the moment asked.
            _ = try await writer.write([SeenEvent(user: "ann", at: Timestamp(microsecondsSince1970: base + 30 * minute), location: "/late")])

            func lastSeen(_ asOf: Int64) async throws -> String {
                let rows = try await client.query(
                    "SELECT concat_ws(' ', (extract(epoch FROM last_seen) * 1e6)::int8, location) FROM presence_last_seen('ann', \(RFC3339.format(asOf))::timestamptz)",
                    logger: logger
                ).collect()
                return try rows.first?.decode(String.self) ?? "none"
            }
            // Inside the first session: its latest event by then.
            #expect(try await lastSeen(base + 10 * minute) == "\(base) /a")
            // After it: the unfolded 12:30 event, not the session's end at 12:20.
            #expect(try await lastSeen(base + 40 * minute) == "\(base + 30 * minute) /late")
            // After the second session: presence_current.
            #expect(try await lastSeen(base + 10 * 1_440 * minute) == "\(base + 9 * 1_440 * minute) /c")
            // Before everything: none.
            #expect(try await lastSeen(base - minute) == "none")

            // The log is read only on the session's day, of the log's 3 days and 32 ahead.
            let plans = try TestDatabase.plans(
                running: "SELECT * FROM presence_last_seen('ann', '2026-03-01T12:10:00Z');",
                on: settings
            )
            let partitions = Set(plans.flatMap(\.root.allNodes).compactMap(\.relationName).filter { $0.hasPrefix("seen_events") })
            #expect(partitions == ["seen_events_20260301"], "read \(partitions.sorted())")
        }
    }
}
