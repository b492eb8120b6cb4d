import Logging
import PostgresNIO
import PresenceStore
import Synchronization

/// Checks a time zone name against the ones PostgreSQL knows, so that a typo gets one clear
/// sentence instead of a database error, and gives the name the report queries bind.
///
/// A few zone names are also time zone abbreviations (`CET`, `EET`, `MET`, `WET` in
/// PostgreSQL's default set, and any a DBA adds with `timezone_abbreviations`), and
/// `AT TIME ZONE` reads such a name as the abbreviation: a fixed offset, without the zone's
/// summer time. Only a name without a slash can be one, so for such a name the reports bind
/// its twin under `posix/`: the same zone file, under a name that is never an abbreviation.
///
/// Reading `pg_timezone_names` takes PostgreSQL about 125 ms (it reads every zone file), so
/// the check reads every name at once and keeps them for the life of the process: about 1,200
/// short names. A name not among them reads them again, in case PostgreSQL has learnt of it
/// since (newer zone data).
public enum TimeZoneCheck {
    /// The zones PostgreSQL knows, each with the name to bind for it; `nil` until first read.
    private static let zones = Mutex<[String: String]?>(nil)

    /// Fails unless PostgreSQL knows the time zone, and returns the name that makes
    /// `AT TIME ZONE` follow it: the name itself, or its `posix/` twin for a name without a
    /// slash.
    ///
    /// - Parameters:
    ///   - name: An IANA time zone name, for example `Europe/Berlin`.
    ///   - client: The pool to ask through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` with code ``ReportError/Code/unknownTimeZone``.
    @discardableResult
    public static func resolve(_ name: String, client: PostgresClient, logger: Logger) async throws -> String {
        if let zone = zones.withLock({ $0?[name] }) { return zone }
        let known = try await readZones(client: client, logger: logger)
        zones.withLock { $0 = known }
        guard let zone = known[name] else {
            throw ReportError(
                .unknownTimeZone,
                "The time zone \(JSONText.string(name)) is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."
            )
        }
        return zone
    }

    /// Every zone name PostgreSQL knows, with the name to bind for it.
    private static func readZones(client: PostgresClient, logger: Logger) async throws -> [String: String] {
        do {
            let rows = try await client.query(
                """
                WITH names AS MATERIALIZED (SELECT name FROM pg_timezone_names)
                SELECT n.name, coalesce(t.name, n.name)
                FROM names AS n
                LEFT JOIN names AS t ON strpos(n.name, '/') = 0 AND t.name = 'posix/' || n.name
                """,
                logger: logger
            ).collect()
            var zones: [String: String] = [:]
            for row in rows {
                let (name, zone) = try row.decode((String, String).self)
                zones[name] = zone
            }
            return zones
        } catch {
            throw StoreError(database: error, while: "checking the time zone")
        }
    }
}
