import Foundation
import Logging
import PostgresNIO

/// Brings a database's schema up to date with the migrations this build carries.
///
/// Safe to run again and from several processes at once: a session-level advisory lock lets
/// one migrator work at a time, and the others then find the work done. Before applying
/// anything it checks every recorded migration against its file: one whose text changed, or
/// one this build does not know, stops the run with nothing applied. Each file runs in its own
/// transaction together with its row in `presence_migrations`, so a file is applied whole or
/// not at all. The function files of `Migrations/Functions/` (``FunctionFile``) whose text
/// changed since they were last applied run in the transaction of the last migration applied,
/// or in one of their own, and are recorded in `presence_functions`.
public struct Migrator: Sendable {
    /// What one run did.
    public struct Report: Sendable, Hashable {
        /// The migrations this run applied, in order.
        public var applied: [Migration]
        /// The function files this run applied, because they were new or changed.
        public var functions: [FunctionFile] = []
        /// The highest version the database now has, `nil` when there are no migrations.
        public var version: Int?
        /// The roles of least privilege (`presence_ingest`, `presence_projector`,
        /// `presence_reader`) that do not exist and that the migrating role may not create:
        /// a DBA creates them (`CREATE ROLE … NOLOGIN`), and the next run grants them.
        public var missingRoles: [String] = []
    }

    /// The pool to migrate through.
    public let client: PostgresClient
    /// The migrations to apply, in order.
    public let migrations: [Migration]
    /// The function files to keep applied, by name.
    public let functions: [FunctionFile]
    /// How many days ahead of today the event log gets its partitions at every run. Default 30,
    /// as ``PartitionMaintenance/Configuration/daysAhead``.
    public var partitionDaysAhead = PartitionMaintenance.Configuration().daysAhead

    /// Creates a migrator.
    ///
    /// - Parameters:
    ///   - client: The pool to migrate through; its `run()` must be running.
    ///   - migrations: The migrations to apply; by default those in `Migrations/`.
    ///   - functions: The function files to keep applied; by default those in
    ///     `Migrations/Functions/`, or none when `migrations` are given.
    /// - Throws: ``StoreError`` when the migrations are misnamed or share a number.
    public init(client: PostgresClient, migrations: [Migration]? = nil, functions: [FunctionFile]? = nil) throws {
        self.client = client
        self.migrations = try Migration.ordered(migrations ?? Migration.bundled())
        self.functions = (functions ?? (migrations == nil ? FunctionFile.bundled() : [])).sorted { $0.name < $1.name }
    }

    /// Applies the missing migrations, creates the event log's partitions for the coming days,
    /// and grants the roles of least privilege what they need (creating them when allowed).
    ///
    /// - Parameter logger: Where to log each migration applied.
    /// - Returns: What was applied and the version the database is at now.
    /// - Throws: ``StoreError``: a changed or unknown migration (nothing applied), a migration
    ///   whose SQL failed (the ones before it stay applied), or an unreachable database.
    @discardableResult
    public func migrate(logger: Logger) async throws -> Report {
        do {
            return try await client.withConnection { connection in
                // A SELECT's error can arrive with its rows, so every SELECT here is drained.
                _ = try await connection.query(
                    "SELECT pg_advisory_lock(hashtextextended('presence_migrate', 0))",
                    logger: logger
                ).collect()
                do {
                    let report = try await migrate(on: connection, logger: logger)
                    try await unlock(connection, logger: logger)
                    return report
                } catch {
                    try? await unlock(connection, logger: logger)
                    throw error
                }
            }
        } catch {
            throw StoreError(database: error, while: "migrating the database")
        }
    }

    private func unlock(_ connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query(
            "SELECT pg_advisory_unlock(hashtextextended('presence_migrate', 0))",
            logger: logger
        ).collect()
    }

    private func migrate(on connection: PostgresConnection, logger: Logger) async throws -> Report {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS presence_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS presence_functions (
                name       text        PRIMARY KEY,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var recorded: [Int: (name: String, checksum: String)] = [:]
        let rows = try await connection.query("SELECT version, name, checksum FROM presence_migrations", logger: logger)
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            recorded[version] = (name, checksum)
        }
        try check(recorded)
        var recordedFunctions: [String: String] = [:]
        let functionRows = try await connection.query("SELECT name, checksum FROM presence_functions", logger: logger)
        for try await (name, checksum) in functionRows.decode((String, String).self) {
            recordedFunctions[name] = checksum
        }
        let changedFunctions = functions.filter { recordedFunctions[$0.name] != $0.checksum }

        // PostgresNIO sends every statement through the extended protocol, which takes one
        // statement at a time; PL/pgSQL's EXECUTE runs a whole file, parsed by the server itself.
        try await connection.query(
            """
            CREATE OR REPLACE FUNCTION pg_temp.presence_run_migration(script text) RETURNS void
            LANGUAGE plpgsql AS $$ BEGIN EXECUTE script; END $$
            """,
            logger: logger
        )
        let pending = migrations.filter { recorded[$0.version] == nil }
        var applied: [Migration] = []
        for migration in pending {
            // The changed functions go with the last migration: a table and the function that
            // reads it change in one transaction.
            let withFunctions = migration == pending.last ? changedFunctions : []
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    _ = try await transaction.query(
                        "SELECT pg_temp.presence_run_migration(\(migration.sql))",
                        logger: logger
                    ).collect()
                    try await transaction.query(
                        """
                        INSERT INTO presence_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """,
                        logger: logger
                    )
                    try await Self.apply(withFunctions, on: transaction, logger: logger)
                }
            } catch {
                let what = withFunctions.isEmpty ? "" : " with the function files \(withFunctions.map(\.name).joined(separator: ", "))"
                throw StoreError(
                    database: error,
                    while: "applying migration \(migration.name)\(what), which was rolled back",
                    code: .migrationFailed
                )
            }
            logger.info("migration applied", metadata: ["migration": "\(migration.name)"])
            applied.append(migration)
        }
        if pending.isEmpty, !changedFunctions.isEmpty {
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    try await Self.apply(changedFunctions, on: transaction, logger: logger)
                }
            } catch {
                throw StoreError(
                    database: error,
                    while: "applying the function files \(changedFunctions.map(\.name).joined(separator: ", ")), which were rolled back",
                    code: .migrationFailed
                )
            }
        }
        for function in changedFunctions {
            logger.info("function file applied", metadata: ["function": "\(function.name)"])
        }

        // Only when the event log exists: a migrator given other migrations (tests) has none.
        let hasEventLog =
            try await connection.query(
                "SELECT to_regprocedure('presence_maintain_partitions(integer)') IS NOT NULL",
                logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        if hasEventLog {
            try await makePartitionsAhead(on: connection, logger: logger)
        }

        // Every run, so that roles a DBA created since the last run get their grants.
        var missingRoles: [String] = []
        let hasRoles =
            try await connection.query(
                "SELECT to_regprocedure('presence_grant_roles()') IS NOT NULL",
                logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        if hasRoles {
            let rows = try await connection.query(
                "SELECT role_name FROM presence_grant_roles() WHERE status = 'missing'",
                logger: logger
            )
            for try await role in rows.decode(String.self) { missingRoles.append(role) }
            if !missingRoles.isEmpty {
                // A notice: `presence migrate` says it in a sentence of its own.
                logger.notice(
                    "roles of least privilege are missing and the migrating role may not create them: a DBA creates them (CREATE ROLE … NOLOGIN), the next migration grants them",
                    metadata: ["roles": "\(missingRoles.joined(separator: ", "))"]
                )
            }
        }
        return Report(applied: applied, functions: changedFunctions, version: migrations.last?.version, missingRoles: missingRoles)
    }

    /// Runs function files and records their checksums, inside the caller's transaction.
    private static func apply(_ functions: [FunctionFile], on connection: PostgresConnection, logger: Logger) async throws {
        for function in functions {
            _ = try await connection.query("SELECT pg_temp.presence_run_migration(\(function.sql))", logger: logger).collect()
            try await connection.query(
                """
                INSERT INTO presence_functions (name, checksum) VALUES (\(function.name), \(function.checksum))
                ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """,
                logger: logger
            )
        }
    }

    /// Creates the log's partitions ahead of time, trying again for about 10 seconds while a
    /// long query on the log holds the lock that attaching one needs; after that, the follower
    /// and `presence serve` create them later, and the migration stands.
    private func makePartitionsAhead(on connection: PostgresConnection, logger: Logger) async throws {
        var pause = Duration.milliseconds(100)
        for attempt in 1...8 {
            do {
                try await PartitionMaintenance.maintain(daysAhead: partitionDaysAhead, on: connection, logger: logger)
                return
            } catch  where PartitionMaintenance.isLockTimeout(error) && attempt < 8 {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(3))
            } catch  where PartitionMaintenance.isLockTimeout(error) {
                logger.warning(
                    "the event log's partitions ahead were not created: a long query on the log held the lock; the follower and presence serve create them later"
                )
            }
        }
    }

    /// Refuses a database whose recorded migrations differ from this build's files.
    private func check(_ recorded: [Int: (name: String, checksum: String)]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw StoreError(
                    .migrationUnknown,
                    "The database has migration \(record.name), which this version of Presence does not have: use a newer Presence with this database."
                )
            }
            guard migration.checksum == record.checksum else {
                throw StoreError(
                    .migrationChanged,
                    "Migration \(migration.name) was changed after it was applied to this database; nothing was applied: restore the file's applied text and put the change in a new migration."
                )
            }
        }
    }
}
