import PresenceModel

/// Why the embedded server cannot start or stop.
public typealias EmbeddedServerError = DomainError<EmbeddedServerErrorDomain>

/// The domain of ``EmbeddedServerError``.
public enum EmbeddedServerErrorDomain {}

extension ErrorCode where Domain == EmbeddedServerErrorDomain {
    /// `initdb` and `pg_ctl` were not found.
    public static var serverProgramsMissing: Self { Self("server_programs_missing") }
    /// The embedded data folder was made by another PostgreSQL major version.
    public static var clusterVersionMismatch: Self { Self("cluster_version_mismatch") }
    /// Another server already uses the embedded server's socket.
    public static var socketInUse: Self { Self("socket_in_use") }
    /// The process runs as root and no unprivileged account exists to run PostgreSQL.
    public static var noUnprivilegedAccount: Self { Self("no_unprivileged_account") }
    /// A server program failed; the message carries its output.
    public static var serverProgramFailed: Self { Self("server_program_failed") }
    /// The embedded data folder is unusable (not a cluster, not writable, held too long).
    public static var dataFolderUnusable: Self { Self("data_folder_unusable") }
}
