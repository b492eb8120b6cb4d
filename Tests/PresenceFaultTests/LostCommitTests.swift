import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceTestSupport
import Testing

@testable import PresenceIngest

extension FaultTests {
    /// A writer that sent COMMIT and lost the connection asks `pg_xact_status` what became of
    /// its transaction. When the server crashed before the commit was durable, that id left no
    /// trace: PostgreSQL first calls it "in the future", then hands it out again to the next
    /// transaction, which may commit. These tests make both happen on purpose.
    @Suite("A COMMIT lost with the server")
    struct LostCommitTests {
        static let logger = TestDatabase.logger

        /// Starts a transaction, takes its id and stops the server immediately: a transaction
        /// whose writes and COMMIT never reached the disk leaves nothing else behind. Returns the
        /// id, as the writer that sent the COMMIT holds it.
        static func crashBeforeCommit(_ fault: FaultServer, _ client: PostgresClient) async throws -> String {
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                let rows = try await connection.query("SELECT pg_current_xact_id()::text", logger: logger).collect()
                try await fault.crash()
                return try rows.first!.decode(String.self)
            }
        }

        /// Fifty events a minute old, for a batch.
        static func batch(_ name: String, _ random: inout SplitMix64) -> [SeenEvent] {
            let start = Timestamp.now.microsecondsSince1970 - 60_000_000
            return (0..<50).map { index in
                let at = start + Int64(random.next() % 50_000_000)
                return SeenEvent(
                    id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                    user: "\(name)-\(index % 5)",
                    at: Timestamp(microsecondsSince1970: at),
                    location: "/\(index)"
                )
            }
        }

        @Test("a batch whose COMMIT was lost with the server is written again: its transaction id lies in the future after the restart")
        func idInTheFuture() async {
            let seed = FaultSeed(default: 7)
            await seed.replaying {
                try await FaultServer.with { fault, client in
                    var random = seed.generator(7)
                    let events = Self.batch("lost", &random)
                    let transaction = try await Self.crashBeforeCommit(fault, client)
                    try await fault.restart()
                    var writer = EventLogWriter(client: client, logger: Self.logger)
                    writer.unconfirmed = (transaction, BatchResult(stored: 50, duplicates: 0))
                    #expect(try await writer.write(events) == BatchResult(stored: 50, duplicates: 0), "\(seed)")
                    try await FaultChecks.expectLog(holds: Set(events.map(\.id)), client, seed)
                }
            }
        }

        @Test("a batch whose COMMIT was lost with the server is written again, though another transaction committed under its id since")
        func idHandedOutAgain() async {
            let seed = FaultSeed(default: 8)
            await seed.replaying {
                try await FaultServer.with { fault, client in
                    var random = seed.generator(8)
                    let events = Self.batch("lost", &random)
                    let transaction = try await Self.crashBeforeCommit(fault, client)
                    try await fault.restart()
                    // Transactions that each take an id and commit, up to and past the lost one:
                    // PostgreSQL 15 hands the lost id out again to one of them. (Should a later
                    // version not, the writer finds the transaction aborted, and this holds too.)
                    let lost = Int(transaction)!
                    while try await TestDatabase.number(client, "SELECT pg_current_xact_id()::text::int8") < lost {}
                    var writer = EventLogWriter(client: client, logger: Self.logger)
                    writer.unconfirmed = (transaction, BatchResult(stored: 50, duplicates: 0))
                    #expect(try await writer.write(events) == BatchResult(stored: 50, duplicates: 0), "\(seed)")
                    try await FaultChecks.expectLog(holds: Set(events.map(\.id)), client, seed)
                }
            }
        }
    }
}
