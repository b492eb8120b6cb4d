import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceReports
import PresenceStore

/// The options every command that touches the database shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "The PostgreSQL server, as postgres://user:password@host:port/database?sslmode=…",
            discussion:
                "Default: the variable of the command's role (PRESENCE_INGEST_DATABASE_URL, PRESENCE_PROJECTOR_DATABASE_URL, PRESENCE_READ_DATABASE_URL or PRESENCE_PRIVACY_DATABASE_URL), else DATABASE_URL, else the embedded server.",
            valueName: "url"
        )
    )
    var databaseURL: String?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "The embedded server's data folder (default: $PRESENCE_DATA_DIR, else .presence).",
            valueName: "folder"
        )
    )
    var dataFolder: String?

    @Flag(name: .shortAndLong, help: "Log what Presence does to standard error.")
    var verbose = false

    /// A logger for the command, writing to standard error.
    func makeLogger() -> Logger {
        var logger = Logger(label: "presence") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }

    /// The embedded server these options name.
    var embeddedServer: EmbeddedServer {
        EmbeddedServer(configuration: EmbeddedServer.Configuration(dataFolder: dataFolder))
    }

    /// Runs a report with the read role's migrated database, prints it in the chosen format
    /// and returns it.
    @discardableResult
    func print<R: Report>(_ output: OutputOptions, _ report: (PostgresClient, Logger) async throws -> R) async throws -> R {
        let answer = try await withMigratedClient(as: .read, report)
        output.print(answer)
        return answer
    }

    /// Runs `body` with a pool on the database these options name for `role`, which must be
    /// migrated.
    func withMigratedClient<Result: Sendable>(
        as role: DatabaseRole,
        _ body: (PostgresClient, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = makeLogger()
        let settings = try await connectionSettings(for: role, logger: logger)
        return try await settings.withClient(logger: logger) { client in
            try await EventLog.requireMigrated(client, logger: logger)
            return try await body(client, logger)
        }
    }

    /// The database to use for `role`: the first URL of `role`'s ``DatabaseRole/url(flag:sharedFlag:environment:)``
    /// (`--database-url`, the role's variable, `DATABASE_URL`), else the embedded server,
    /// which is started when it does not run yet.
    ///
    /// - Parameters:
    ///   - role: What the command does with the database.
    ///   - flag: The role's own `--…-database-url` option, for commands that have one (`serve`).
    func connectionSettings(for role: DatabaseRole, flag: String? = nil, logger: Logger) async throws -> ConnectionSettings {
        if let url = role.url(flag: flag, sharedFlag: databaseURL, environment: ProcessInfo.processInfo.environment) {
            // Fail within the connect timeout, naming the cause, rather than after the pool's
            // minute of retries.
            let settings = try ConnectionSettings(url: url)
            try await settings.checkReachable(logger: logger)
            return settings
        }
        return try await embeddedServer.start(logger: logger)
    }
}

extension Logger {
    /// This logger for a `ServiceGroup` run by a command: it keeps the group's start and stop
    /// messages out of quiet and verbose output alike.
    var forServiceGroup: Logger {
        var logger = self
        logger.logLevel = max(logLevel, .notice)
        return logger
    }
}
