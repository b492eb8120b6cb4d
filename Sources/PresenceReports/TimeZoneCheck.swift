import Logging
import PostgresNIO
import PresenceStore

/// Checks a time zone name against the ones PostgreSQL knows, so that a typo gets one clear
/// sentence instead of a database error.
public enum TimeZoneCheck {
    /// Fails unless PostgreSQL knows the time zone.
    ///
    /// - Parameters:
    ///   - name: An IANA time zone name, for example `Europe/Berlin`.
    ///   - client: The pool to ask through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` with code ``ReportError/Code/unknownTimeZone``.
    public static func require(_ name: String, client: PostgresClient, logger: Logger) async throws {
        var rows: [PostgresRow] = []
        // PostgreSQL's text holds no NUL: such a name would fail the query, not the check.
        if !name.utf8.contains(0) {
            do {
                rows = try await client.query("SELECT 1 FROM pg_timezone_names WHERE name = \(name)", logger: logger).collect()
            } catch {
                throw StoreError(database: error, while: "checking the time zone")
            }
        }
        guard !rows.isEmpty else {
            throw ReportError(
                .unknownTimeZone,
                "The time zone \(JSONText.string(name)) is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."
            )
        }
    }
}
