import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// A log restored from a dump of another server carries that server's transaction ids
/// (README, "Backup and restore"); `presence_restamp_log()` makes it foldable again.
@Suite("Restoring the log on another server")
struct RestoreTests {
    let logger = TestDatabase.logger

    func write(_ events: [SeenEvent], _ client: PostgresClient) async throws {
        try await TestDatabase.store(events, client)
    }

    @Test("after a restore whose transaction ids lie above this server's, restamping keeps what was folded and folds the rest")
    func restamp() async throws {
        let events = ProjectorTests.events(seed: 7)
        let folded = Array(events.prefix(events.count / 2))
        let unfolded = Array(events.dropFirst(events.count / 2))
        try await TestDatabase.withFresh { client, _ in
            try await write(folded, client)
            try await TestDatabase.projectAll(client, count: folded.count)
            try await write(unfolded, client)

            // What a restore of a dump from a server a billion transactions ahead leaves.
            try await client.query(
                "UPDATE seen_events SET tx = (tx::text::numeric + 1000000000)::text::xid8",
                logger: logger
            )
            try await client.query(
                "UPDATE presence_projector SET position_tx = (position_tx::text::numeric + 1000000000)::text::xid8",
                logger: logger
            )
            // The restored events lie above the read horizon: the projector folds none of them;
            // and events written from now on would sort below the checkpoint, never folded.
            #expect(try await Projector(client: client, logger: logger).catchUp() == 0)
            #expect(
                try await TestDatabase.number(
                    client,
                    "SELECT count(*)::int8 FROM presence_projector WHERE pg_current_xact_id() < position_tx"
                ) == 1
            )

            // Right after the restore, before anything writes.
            let changed = try await TestDatabase.number(client, "SELECT presence_restamp_log()")
            #expect(changed == events.count)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events WHERE tx = '3'") == folded.count)
            #expect(try await TestDatabase.number(client, "SELECT events FROM presence_projector") == folded.count)

            let fresh = SeenEvent(user: "after-restore", at: Timestamp.now - .seconds(1), location: "/new")
            try await write([fresh], client)
            try await TestDatabase.projectAll(client, count: events.count + 1)
            let expected = ProjectionSnapshot.expected(from: Set(events + [fresh]))
            #expect(try await ProjectionSnapshot.read(client) == expected)
            #expect(try await Projector(client: client, logger: logger).rebuild() == events.count + 1)
            #expect(try await ProjectionSnapshot.read(client) == expected)
        }
    }

    @Test("a log restored into a fresh database is folded whole after restamping")
    func restampFresh() async throws {
        let events = ProjectorTests.events(seed: 8)
        try await TestDatabase.withFresh { client, _ in
            try await write(events, client)
            try await client.query(
                "UPDATE seen_events SET tx = (tx::text::numeric + 1000000000)::text::xid8",
                logger: logger
            )
            #expect(try await TestDatabase.number(client, "SELECT presence_restamp_log()") == events.count)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM presence_projector WHERE position_tx = '0'") == 1)
            try await TestDatabase.projectAll(client, count: events.count)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events)))
        }
    }
}
