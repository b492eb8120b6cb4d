/// What a command does with the database, which decides the URL it connects with.
///
/// Each process can log in as a role that may do only its part (Migrations/0006): the ingest
/// role appends to the log, the projector role folds it, the read role reads. The URL of a
/// role is, in this order: the role's own option (`presence serve --ingest-database-url`),
/// `--database-url`, the role's environment variable (`PRESENCE_INGEST_DATABASE_URL`), and
/// `DATABASE_URL`; options before the environment, a role's own before the shared one.
/// With none of them, the embedded server.
enum DatabaseRole: Sendable, CaseIterable {
    /// Migrations and retention: the log's owner.
    case owner
    /// Appending events: `ingest`, `simulate`, and the writes of `serve`.
    case ingest
    /// Folding the log: `project`, and `serve --with-projector`.
    case projector
    /// Reading: `online`, `last-seen`, `history`, `report`, and the reads of `serve`.
    case read
    /// Hiding and erasing users: `hide`, `unhide`, `erase` (the role `presence_privacy`, or
    /// the owner).
    case privacy

    /// The environment variable of the role's URL; `nil` for the owner, who uses
    /// `DATABASE_URL`.
    var environmentVariable: String? {
        switch self {
        case .owner: nil
        case .ingest: "PRESENCE_INGEST_DATABASE_URL"
        case .projector: "PRESENCE_PROJECTOR_DATABASE_URL"
        case .read: "PRESENCE_READ_DATABASE_URL"
        case .privacy: "PRESENCE_PRIVACY_DATABASE_URL"
        }
    }

    /// The URL to use for this role, or `nil` for the embedded server.
    ///
    /// - Parameters:
    ///   - flag: The role's own option, where the command has one.
    ///   - sharedFlag: `--database-url`.
    ///   - environment: The process's environment.
    func url(flag: String?, sharedFlag: String?, environment: [String: String]) -> String? {
        let candidates = [flag, sharedFlag, environmentVariable.flatMap { environment[$0] }, environment["DATABASE_URL"]]
        return candidates.lazy.compactMap { $0 }.first { !$0.isEmpty }
    }
}
