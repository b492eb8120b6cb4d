import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceStore
import PresenceTestSupport

/// A PostgreSQL server of one fault test's own, in a new data folder under `/tmp`.
///
/// Stopping it abruptly never disturbs the server the other suites share. As root, the
/// embedded server runs as the `postgres` account, which reaches `/tmp` wherever the checkout
/// lies (see `.ci/run`).
struct FaultServer: Sendable {
    /// The embedded server.
    let server: EmbeddedServer
    /// The settings that reach its `presence` database.
    let settings: ConnectionSettings

    static let logger = TestDatabase.logger

    /// The data folder.
    var folder: String { server.configuration.dataFolder }
    /// The server's log, where PostgreSQL writes the errors it sends (a statement timeout, say).
    var serverLog: String { folder + "/postgres.log" }
    /// The `--database-url` of the database, for a `presence` child process.
    var url: String { settings.description }

    /// Starts a new server, migrates its database, runs `body` with a pool on it, then stops
    /// the server and removes its folder, whatever `body` did.
    static func with<Result: Sendable>(
        _ body: (FaultServer, PostgresClient) async throws -> Result
    ) async throws -> Result {
        let folder = "/tmp/presence-fault-" + UUID().uuidString.prefix(8).lowercased()
        return try await withPrivateServer(in: folder) { server, settings in
            try await settings.withClient(logger: logger) { client in
                try await Migrator(client: client).migrate(logger: logger)
                return try await body(FaultServer(server: server, settings: settings), client)
            }
        }
    }

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`): every session ends at
    /// once, nothing is checkpointed.
    func crash() async throws {
        try await server.stopImmediately(logger: Self.logger)
    }

    /// Starts the server again; it recovers from its write-ahead log first.
    func restart() async throws {
        try await server.start(logger: Self.logger)
    }

    /// How many lines of the server's log contain `text`.
    func serverLogLines(containing text: String) -> Int {
        let log = (try? String(contentsOfFile: serverLog, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains(text) }.count
    }
}
