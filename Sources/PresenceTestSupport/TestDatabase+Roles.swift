import Foundation
import PostgresNIO
import PresenceStore

extension TestDatabase {
    /// The group roles of least privilege that Migrations/0006 creates and grants.
    public enum Role: String, Sendable, CaseIterable {
        /// Appends events to the log.
        case ingest = "presence_ingest"
        /// Folds the log into the projections.
        case projector = "presence_projector"
        /// Reads the projections, the views and the log.
        case reader = "presence_reader"
        /// Hides, shows and erases users (Migrations/0025).
        case privacy = "presence_privacy"
    }

    /// Runs `body` with a pool that logs in to the test database as a new login role that is a
    /// member of `role` and has no privilege of its own, as a deployment's process would; the
    /// login role is dropped afterwards.
    ///
    /// - Parameters:
    ///   - role: The group role the login role joins.
    ///   - settings: The test database's settings (as an administrator).
    ///   - body: The work; it gets the pool and its settings.
    @discardableResult
    public static func withLogin<Result: Sendable>(
        as role: Role,
        settings: ConnectionSettings,
        _ body: (PostgresClient, ConnectionSettings) async throws -> Result
    ) async throws -> Result {
        // Roles belong to the whole server: a name of its own, never spliced from input.
        let login = "presence_login_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        // A password too, for a DATABASE_URL server that asks for one: hexadecimal, our own.
        let password = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await changeRoles(settings: settings, "creating the test login") { client in
            try await client.query(
                "CREATE ROLE \(unescaped: login) LOGIN PASSWORD '\(unescaped: password)' IN ROLE \(unescaped: role.rawValue)",
                logger: logger
            )
        }
        var loginSettings = settings
        loginSettings.username = login
        loginSettings.password = password
        do {
            let result = try await loginSettings.withClient(logger: logger) { client in try await body(client, loginSettings) }
            try await dropLogin(login, settings: settings)
            return result
        } catch {
            try? await dropLogin(login, settings: settings)
            throw error
        }
    }

    /// Drops the login once its sessions have ended: a session's temporary tables (the
    /// projector's batch table lives as long as its session) belong to the login until the
    /// server process has exited, which comes a moment after the pool closed.
    private static func dropLogin(_ login: String, settings: ConnectionSettings) async throws {
        try await settings.withClient(logger: logger) { client in
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let rows = try await client.query(
                    "SELECT count(*)::int8 FROM pg_stat_activity WHERE usename = \(login)",
                    logger: logger
                ).collect()
                if try rows.first?.decode(Int.self) == 0 { return }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await changeRoles(settings: settings, "dropping the test login") { client in
            try await client.query("DROP ROLE IF EXISTS \(unescaped: login)", logger: logger)
        }
    }

    /// Runs a statement that changes the server's roles, again when a concurrent change of
    /// the shared catalogs by a test beside this one makes it fail ("tuple concurrently
    /// updated", a serialization failure or a deadlock), and says what failed otherwise.
    private static func changeRoles(
        settings: ConnectionSettings,
        _ action: String,
        _ statement: @escaping @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        try await settings.withClient(logger: logger) { client in
            var attempt = 0
            while true {
                do {
                    return try await statement(client)
                } catch let error as PSQLError where ["XX000", "40001", "40P01"].contains(error.serverInfo?[.sqlState] ?? "") && attempt < 5 {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(50 * attempt))
                } catch {
                    throw StoreError(database: error, while: action)
                }
            }
        }
    }
}
