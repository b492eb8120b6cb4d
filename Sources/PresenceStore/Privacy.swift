import Logging
import PostgresNIO
import PresenceModel

/// Hides a user from the lists that name users to others, shows them again, or erases every
/// trace of them (DESIGN.md, "Hidden user" and "Erased user"; Migration 0025 and
/// `Migrations/Functions/presence_erase.sql`).
///
/// Each is one call of a function that runs as the log's owner: the connected role must be
/// the owner or one granted `presence_privacy`; the reader and ingest roles are refused.
///
/// ```swift
/// try await Privacy.hide("alice", client: client, logger: logger)
/// let erased = try await Privacy.erase("bob", client: client, logger: logger)
/// ```
public enum Privacy {
    /// What an erasure did.
    public struct Erasure: Sendable, Hashable {
        /// How many events of the log it deleted.
        public var events: Int64
        /// When it ran (the database's clock); kept with the number, never with the user.
        public var erasedAt: Timestamp
    }

    /// Hides a user: lists that name users to others leave them out; counts still count them.
    ///
    /// - Returns: `true` when they were not hidden before.
    /// - Throws: ``StoreError`` for a user no event can have, or a role that may not.
    @discardableResult
    public static func hide(_ user: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        try requireUser(user)
        return try await single(
            "SELECT presence_hide(\(user))",
            Bool.self,
            while: "hiding a user",
            client: client,
            logger: logger
        )
    }

    /// Shows a hidden user again.
    ///
    /// - Returns: `true` when they were hidden.
    /// - Throws: ``StoreError`` for a user no event can have, or a role that may not.
    @discardableResult
    public static func unhide(_ user: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        try requireUser(user)
        return try await single(
            "SELECT presence_unhide(\(user))",
            Bool.self,
            while: "showing a user again",
            client: client,
            logger: logger
        )
    }

    /// Whether a user is hidden. Any role that reads the projections may ask.
    public static func isHidden(_ user: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        try await single(
            "SELECT EXISTS (SELECT 1 FROM presence_hidden_users WHERE user_id = \(user))",
            Bool.self,
            while: "reading whether a user is hidden",
            client: client,
            logger: logger
        )
    }

    /// Erases a user: deletes their events from every partition of the log and every trace of
    /// them from the projections, and keeps only the number of events and the time.
    ///
    /// It waits for a projector batch under way and holds the next one until it is done.
    /// Events of the user committed after it began are new: they are stored and folded as
    /// any others.
    ///
    /// - Throws: ``StoreError`` for a user no event can have, or a role that may not.
    public static func erase(_ user: String, client: PostgresClient, logger: Logger) async throws -> Erasure {
        try requireUser(user)
        let (events, erasedAt) = try await single(
            "SELECT e, now() FROM presence_erase(\(user)) AS e",
            (Int64, Timestamp).self,
            while: "erasing a user",
            client: client,
            logger: logger
        )
        logger.info("erased a user", metadata: ["events": "\(events)"])
        return Erasure(events: events, erasedAt: erasedAt)
    }

    /// Fails with a clear sentence when the connected role may not hide, show and erase users,
    /// before a server offers to.
    ///
    /// - Throws: ``StoreError`` with code ``StoreError/Code/permissionDenied`` naming the role,
    ///   or why the database could not be asked.
    public static func requireAllowed(_ client: PostgresClient, logger: Logger) async throws {
        try await EventLog.requirePrivileges(
            client,
            check: """
                SELECT current_user::text,
                       has_function_privilege('presence_hide(text)', 'EXECUTE') AND has_function_privilege('presence_unhide(text)', 'EXECUTE')
                       AND has_function_privilege('presence_erase(text)', 'EXECUTE')
                """,
            needed: "hide, show or erase users (EXECUTE on presence_hide, presence_unhide and presence_erase)",
            member: "presence_privacy",
            logger: logger
        )
    }

    /// Fails for a text that no event's user can be: the log's rule (at most 256 bytes of
    /// UTF-8, no NUL, not empty).
    private static func requireUser(_ user: String) throws {
        guard user.isEmpty || user.utf8.contains(0) || user.utf8.count > SeenEvent.Rules.maximumUserBytes else { return }
        throw StoreError(
            .invalidUser,
            "The user \(String(reflecting: String(user.prefix(64)))) cannot be one: a user has 1 to \(SeenEvent.Rules.maximumUserBytes) bytes of UTF-8 and no NUL."
        )
    }

    /// The one row of a query that answers one.
    private static func single<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery,
        _ type: (repeat each Column).Type,
        while action: String,
        client: PostgresClient,
        logger: Logger
    ) async throws -> (repeat each Column) {
        do {
            for try await value in try await client.query(query, logger: logger).decode(type) { return value }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
            throw StoreError(
                .permissionDenied,
                "The database role may not do this (\(action)): connect as the log's owner or a role granted presence_privacy."
            )
        } catch {
            throw StoreError(database: error, while: action)
        }
        throw StoreError(.databaseFailed, "PostgreSQL gave no answer while \(action).")
    }
}
