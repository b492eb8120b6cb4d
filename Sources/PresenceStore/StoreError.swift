/// An error of the database layer: a stable ``code`` to match on and one sentence that tells
/// a person what went wrong and what to do.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; do not switch over them exhaustively.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable name for the kind, for example `invalid_database_url`.
        public let description: String

        init(_ description: String) { self.description = description }

        /// A database URL could not be read; the message names the bad part.
        public static let invalidDatabaseURL = Code("invalid_database_url")
        /// `initdb` and `pg_ctl` were not found.
        public static let serverProgramsMissing = Code("server_programs_missing")
        /// The embedded data folder was made by another PostgreSQL major version.
        public static let clusterVersionMismatch = Code("cluster_version_mismatch")
        /// Another server already uses the embedded server's socket.
        public static let socketInUse = Code("socket_in_use")
        /// The process runs as root and no unprivileged account exists to run PostgreSQL.
        public static let noUnprivilegedAccount = Code("no_unprivileged_account")
        /// A server program failed; the message carries its output.
        public static let serverProgramFailed = Code("server_program_failed")
        /// The embedded data folder is unusable (not a cluster, not writable, held too long).
        public static let dataFolderUnusable = Code("data_folder_unusable")
        /// An applied migration's file has changed since it was applied.
        public static let migrationChanged = Code("migration_changed")
        /// The database has a migration this version of Presence does not know.
        public static let migrationUnknown = Code("migration_unknown")
        /// The database has not been migrated: it has no event log.
        public static let notMigrated = Code("not_migrated")
        /// A migration's SQL failed; nothing of that file was applied.
        public static let migrationFailed = Code("migration_failed")
        /// Another projector already works on the database.
        public static let projectorBusy = Code("projector_busy")
        /// A retention period shorter than the one day of raw events that is always kept.
        public static let retentionTooShort = Code("retention_too_short")
        /// The connected role lacks a privilege the work needs; the message names the role.
        public static let permissionDenied = Code("permission_denied")
        /// The database is a hot standby (read-only, in recovery), and the work writes: only
        /// reads may go to a standby.
        public static let readOnlyStandby = Code("read_only_standby")
        /// This build of Presence lacks the SQL of a report (Reports/): its EmbedSQL plugin did
        /// not run.
        public static let reportMissing = Code("report_missing")
        /// The server could not be reached: refused, timed out, its host name unknown, or TLS
        /// failed.
        public static let databaseUnreachable = Code("database_unreachable")
        /// The server refused the login: the password, the role, the database or its
        /// `pg_hba.conf`.
        public static let loginRejected = Code("login_rejected")
        /// The database could not be reached or refused a statement.
        public static let databaseFailed = Code("database_failed")
    }

    /// The kind of failure.
    public let code: Code
    /// One sentence for a person: what went wrong and what to do about it.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong and what to do, in one sentence.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
