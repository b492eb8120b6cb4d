import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceStore

/// A database of its own for one test, on the server the tests use.
///
/// The server is `DATABASE_URL` when set, else the embedded server in the package's
/// `.presence/` (started once per test process and left running for the next run). Every
/// database is created empty, migrated when asked, and dropped when the test ends, so tests
/// run in parallel without touching each other.
public enum TestDatabase {
    /// A logger for tests: warnings and errors only, to standard error.
    public static let logger: Logger = {
        var logger = Logger(label: "presence.tests") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }()

    /// The server the tests use, started at most once per process.
    private static let server = Task<ConnectionSettings, any Error> {
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            return try ConnectionSettings(url: url)
        }
        return try await EmbeddedServer().start(logger: logger)
    }

    /// The settings of the server the tests use (any database on it).
    public static func serverSettings() async throws -> ConnectionSettings {
        try await server.value
    }

    /// At most this many tests hold a database of their own at once. Every database made since
    /// the last checkpoint is synced to disk by the next one, and DROP DATABASE forces one and
    /// holds the server's read horizon until it ends: with a hundred tests' databases at once a
    /// checkpoint took over 40 s, and every projector on the server waited for it.
    static let slots = DatabaseSlots(6)

    /// Runs `body` against a new, empty database, and drops it afterwards; waits while
    /// ``slots`` other tests hold theirs.
    ///
    /// - Parameters:
    ///   - migrated: Whether to apply Presence's migrations first.
    ///   - body: The test; it gets the pool and the database's settings.
    @discardableResult
    public static func withFresh<Result: Sendable>(
        migrated: Bool = true,
        _ body: (PostgresClient, ConnectionSettings) async throws -> Result
    ) async throws -> Result {
        try await slots.run { try await withNew(migrated: migrated, body) }
    }

    private static func withNew<Result: Sendable>(
        migrated: Bool,
        _ body: (PostgresClient, ConnectionSettings) async throws -> Result
    ) async throws -> Result {
        let admin = try await serverSettings()
        let name = "presence_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin.withClient(logger: logger) { try await $0.createDatabase(named: name, logger: logger) }
        let settings = admin.with(database: name)
        do {
            let result = try await settings.withClient(logger: logger) { client in
                if migrated {
                    try await Migrator(client: client).migrate(logger: logger)
                }
                return try await body(client, settings)
            }
            try await admin.withClient(logger: logger) { try await $0.dropDatabase(named: name, logger: logger) }
            return result
        } catch {
            try? await admin.withClient(logger: logger) { try await $0.dropDatabase(named: name, logger: logger) }
            throw error
        }
    }
}
