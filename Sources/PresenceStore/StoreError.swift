import PresenceModel

/// An error of the database layer: what went wrong and what to do.
public typealias StoreError = DomainError<StoreErrorDomain>

/// The domain of ``StoreError``.
public enum StoreErrorDomain {}

extension ErrorCode where Domain == StoreErrorDomain {
    /// A database URL could not be read; the message names the bad part.
    public static var invalidDatabaseURL: Self { Self("invalid_database_url") }
    /// An applied migration's file has changed since it was applied.
    public static var migrationChanged: Self { Self("migration_changed") }
    /// The database has a migration this version of Presence does not know.
    public static var migrationUnknown: Self { Self("migration_unknown") }
    /// The database has not been migrated: it has no event log.
    public static var notMigrated: Self { Self("not_migrated") }
    /// A migration's SQL failed; nothing of that file was applied.
    public static var migrationFailed: Self { Self("migration_failed") }
    /// The connected role lacks a privilege the work needs; the message names the role.
    public static var permissionDenied: Self { Self("permission_denied") }
    /// The database is a hot standby (read-only, in recovery), and the work writes: only
    /// reads may go to a standby.
    public static var readOnlyStandby: Self { Self("read_only_standby") }
    /// This build of Presence lacks the SQL of a report (Reports/): its EmbedSQL plugin did
    /// not run.
    public static var reportMissing: Self { Self("report_missing") }
    /// The server could not be reached: refused, timed out, its host name unknown, or TLS
    /// failed.
    public static var databaseUnreachable: Self { Self("database_unreachable") }
    /// The server refused the login: the password, the role, the database or its
    /// `pg_hba.conf`.
    public static var loginRejected: Self { Self("login_rejected") }
    /// The user named is no user an event can have (empty, a NUL, more than 256 bytes).
    public static var invalidUser: Self { Self("invalid_user") }
    /// The database could not be reached or refused a statement.
    public static var databaseFailed: Self { Self("database_failed") }
}
