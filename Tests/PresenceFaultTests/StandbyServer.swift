import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceStore
import PresenceTestSupport

/// A streaming hot standby of a fault test's server: PostgreSQL's own replication, copied
/// with `pg_basebackup -R` into a folder beside the primary's and started read-only.
struct StandbyServer: Sendable {
    /// The embedded server of the standby's data folder.
    let server: EmbeddedServer
    /// The settings that reach the standby's copy of the `presence` database.
    let settings: ConnectionSettings

    static let logger = TestDatabase.logger

    /// The database URL of the standby, for a `presence` child process.
    var url: String { settings.description }

    /// Copies the running `primary` into a new folder beside its own, starts the copy as a
    /// standby, runs `body` with a pool on it, then stops the standby and removes its folder,
    /// whatever `body` did.
    static func with<Result: Sendable>(
        primary: FaultServer,
        _ body: (StandbyServer, PostgresClient) async throws -> Result
    ) async throws -> Result {
        try await withPrivateServer(in: primary.folder + "-standby") { server in
            try await server.createStandby(of: primary.server, logger: logger)
        } _: { server, settings in
            try await settings.withClient(logger: logger) { client in
                try await body(StandbyServer(server: server, settings: settings), client)
            }
        }
    }

    /// How far a standby has come along the primary's write-ahead log.
    enum Progress: String {
        /// Received and written to its disk (`pg_last_wal_receive_lsn()`).
        case received = "pg_last_wal_receive_lsn()"
        /// Replayed, and so visible to its queries (`pg_last_wal_replay_lsn()`).
        case replayed = "pg_last_wal_replay_lsn()"
    }

    /// Waits until the standby has received or replayed everything the primary had written
    /// when it was called: its position reaches the primary's `pg_current_wal_lsn()`.
    static func waitUntil(_ progress: Progress, primary: PostgresClient, standby: PostgresClient) async throws {
        let rows = try await primary.query("SELECT pg_current_wal_lsn()::text", logger: logger).collect()
        let target = try rows.first?.decode(String.self) ?? "0/0"
        try await eventually("the standby to have \(progress) the primary's log up to \(target)", timeout: .seconds(60)) {
            let reached = try await standby.query(
                "SELECT \(unescaped: progress.rawValue) >= \(target)::pg_lsn",
                logger: logger
            ).collect()
            return try reached.first?.decode(Bool?.self) == true
        }
    }
}
