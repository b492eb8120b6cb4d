import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceStore

/// Runs `body` with a fresh, migrated database of the embedded server (in Benchmarks/.presence)
/// named `name`, dropped first if a run before left it.
public func withFreshDatabase(
    _ name: String,
    logger: Logger,
    _ body: (ConnectionSettings, PostgresClient) async throws -> Void
) async throws {
    let admin = try await EmbeddedServer().start(logger: logger)
    try await admin.withClient(logger: logger) { client in
        try await client.dropDatabase(named: name, logger: logger)
        try await client.createDatabase(named: name, logger: logger)
    }
    let settings = admin.with(database: name)
    try await settings.withClient(logger: logger) { client in
        _ = try await Migrator(client: client).migrate(logger: logger)
        try await body(settings, client)
    }
}
