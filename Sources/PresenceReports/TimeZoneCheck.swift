import Logging
import PostgresNIO
import PresenceStore
import Synchronization

/// Checks a time zone name against the ones PostgreSQL knows, so that a typo gets one clear
/// sentence instead of a database error, and gives the name the report queries bind.
///
/// A few zone names are also time zone abbreviations (`CET`, `EET`, `MET`, `WET` in
/// PostgreSQL's default set), and `AT TIME ZONE` reads such a name as the abbreviation: a
/// fixed offset, without the zone's summer time. The reports follow the zone, so for such a
/// name they bind its twin under `posix/` (the same zone file, and never an abbreviation).
///
/// Reading `pg_timezone_names` takes PostgreSQL about 125 ms (it reads every zone file), so the
/// names it confirmed are kept for the life of the process; they are a few hundred at most.
/// A name that was unknown is asked again each time.
public enum TimeZoneCheck {
    private static let known = Mutex<[String: String]>([:])

    /// Fails unless PostgreSQL knows the time zone, and returns the name that makes
    /// `AT TIME ZONE` follow it: the name itself, or its `posix/` twin where the name is also
    /// an abbreviation.
    ///
    /// - Parameters:
    ///   - name: An IANA time zone name, for example `Europe/Berlin`.
    ///   - client: The pool to ask through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` with code ``ReportError/Code/unknownTimeZone``.
    @discardableResult
    public static func resolve(_ name: String, client: PostgresClient, logger: Logger) async throws -> String {
        if let zone = known.withLock({ $0[name] }) { return zone }
        var rows: [PostgresRow] = []
        // PostgreSQL's text holds no NUL: such a name would fail the query, not the check.
        if !name.utf8.contains(0) {
            let twin = "posix/" + name
            do {
                rows = try await client.query(
                    """
                    WITH names AS (SELECT name FROM pg_timezone_names WHERE name IN (\(name), \(twin)))
                    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_timezone_abbrevs WHERE lower(abbrev) = lower(\(name)))
                                 AND EXISTS (SELECT 1 FROM names WHERE name = \(twin))
                                THEN \(twin) ELSE \(name) END
                    FROM names WHERE name = \(name)
                    """,
                    logger: logger
                ).collect()
            } catch {
                throw StoreError(database: error, while: "checking the time zone")
            }
        }
        guard let zone = try rows.first?.decode(String.self) else {
            // Not kept: a zone PostgreSQL learns of later (newer zone data) is then found.
            throw ReportError(
                .unknownTimeZone,
                "The time zone \(JSONText.string(name)) is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."
            )
        }
        known.withLock { $0[name] = zone }
        return zone
    }
}
