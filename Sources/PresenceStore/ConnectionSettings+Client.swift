import Logging
import PostgresNIO

extension ConnectionSettings {
    /// Runs `body` with a connection pool for these settings, and shuts the pool down after.
    ///
    /// For commands and tests that do one piece of work; a long-running service runs its
    /// `PostgresClient` in its `ServiceGroup` instead.
    ///
    /// - Parameters:
    ///   - logger: The pool's background logger.
    ///   - body: The work; it may run queries concurrently.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withClient<Result: Sendable>(
        logger: Logger,
        _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = makeClient(logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// A connection pool for these settings; run its `run()` (or put it in a `ServiceGroup`)
    /// before using it.
    ///
    /// - Parameters:
    ///   - logger: The pool's background logger. Unless it logs at `info` or below, the pool
    ///     logs only errors: it warns when a lease comes before its `run()` has begun, which
    ///     happens harmlessly in the instant between starting both.
    ///   - statementTimeout: When set, PostgreSQL cancels any statement of the pool's
    ///     connections that runs longer (`statement_timeout`), so a service's requests end.
    public func makeClient(logger: Logger, statementTimeout: Duration? = nil) -> PostgresClient {
        var backgroundLogger = logger
        if backgroundLogger.logLevel > .info { backgroundLogger.logLevel = .error }
        var configuration = clientConfiguration()
        if let statementTimeout {
            let milliseconds = max(1, statementTimeout.wholeMilliseconds)
            configuration.options.additionalStartupParameters.append(("statement_timeout", "\(milliseconds)ms"))
        }
        return PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger)
    }
}

extension PostgresClient {
    /// Creates a database on the server, owned by the current role.
    ///
    /// `CREATE DATABASE` takes no bind parameters, so the name is quoted as an identifier.
    ///
    /// - Parameters:
    ///   - name: The new database's name.
    ///   - ifMissing: When `true`, an existing database of that name is left as it is.
    ///   - logger: Where to log the statement.
    public func createDatabase(named name: String, ifMissing: Bool = false, logger: Logger) async throws {
        do {
            if ifMissing {
                let rows = try await query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
                for try await _ in rows { return }
            }
            try await query("CREATE DATABASE \(unescaped: name.quotedIdentifier)", logger: logger)
        } catch let error as PSQLError where ifMissing && error.serverInfo?[.sqlState] == "42P04" {
            return  // Another session created it between the check and the statement.
        } catch {
            throw StoreError(database: error, while: "creating the database \(name)")
        }
    }

    /// Drops a database from the server, closing the sessions still connected to it.
    ///
    /// - Parameters:
    ///   - name: The database's name.
    ///   - logger: Where to log the statement.
    public func dropDatabase(named name: String, logger: Logger) async throws {
        do {
            try await query("DROP DATABASE IF EXISTS \(unescaped: name.quotedIdentifier) WITH (FORCE)", logger: logger)
        } catch {
            throw StoreError(database: error, while: "dropping the database \(name)")
        }
    }
}

extension String {
    /// The string as a PostgreSQL identifier in double quotes, inner quotes doubled.
    var quotedIdentifier: String {
        "\"" + replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
