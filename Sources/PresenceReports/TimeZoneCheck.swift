import Logging
import PostgresNIO
import PresenceStore
import Synchronization

/// Checks a time zone name against the ones PostgreSQL knows, so that a typo gets one clear
/// sentence instead of a database error.
///
/// Reading `pg_timezone_names` takes PostgreSQL about 125 ms (it reads every zone file), so the
/// names it confirmed are kept for the life of the process; they are a few hundred at most.
/// A name that was unknown is asked again each time.
public enum TimeZoneCheck {
    private static let known = Mutex<Set<String>>([])

    /// Fails unless PostgreSQL knows the time zone.
    ///
    /// - Parameters:
    ///   - name: An IANA time zone name, for example `Europe/Berlin`.
    ///   - client: The pool to ask through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` with code ``ReportError/Code/unknownTimeZone``.
    public static func require(_ name: String, client: PostgresClient, logger: Logger) async throws {
        if known.withLock({ $0.contains(name) }) { return }
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
            // Not kept: a zone PostgreSQL learns of later (newer zone data) is then found.
            throw ReportError(
                .unknownTimeZone,
                "The time zone \(JSONText.string(name)) is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."
            )
        }
        known.withLock { _ = $0.insert(name) }
    }
}
