import Logging
import PostgresNIO
import PresenceModel

/// The busiest locations at a moment: how many online users are at each, busiest first
/// (`presence locations`; DESIGN.md, "Presence at a location").
public struct LocationsReport: Sendable, Hashable {
    /// One location and its users.
    public struct Location: Sendable, Hashable {
        /// Where.
        public var location: String
        /// How many online users' latest event is there.
        public var users: Int
    }

    /// The moment.
    public var at: Timestamp
    /// The threshold: online means last seen at most this long before ``at``.
    public var threshold: Duration
    /// The busiest locations, busiest first, then by name.
    public var locations: [Location]

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - at: The moment.
    ///   - threshold: How recent a last seen counts as online.
    ///   - limit: The most locations listed; none for 0 or less.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    public static func run(at: Timestamp, threshold: Duration, limit: Int, client: PostgresClient, logger: Logger) async throws -> LocationsReport {
        let since = OnlineReport.windowStart(at: at, threshold: threshold)
        let rows = try await ReportQuery.locations.rows([at.rfc3339, since.rfc3339, String(max(0, limit))], client: client, logger: logger)
        let locations = try rows.map { row in
            let (location, users) = try row.decode((String, Int).self)
            return Location(location: location, users: users)
        }
        return LocationsReport(at: at, threshold: threshold, locations: locations)
    }

    /// One row per location.
    public var table: ReportTable {
        ReportTable(columns: ["location", "users"], rows: locations.map { [$0.location, String($0.users)] })
    }

    /// The report as JSON: `{"at":…,"threshold_seconds":…,"locations":[{"location":…,"users":…}, …]}`.
    public var json: String {
        JSONText.object([
            ("at", JSONText.time(at)), ("threshold_seconds", "\(threshold.wholeSeconds)"),
            (
                "locations",
                JSONText.array(
                    locations.map { JSONText.object([("location", JSONText.string($0.location)), ("users", String($0.users))]) }
                )
            ),
        ])
    }
}

extension LocationsReport: ReportDefinition {
    public static let name = "locations"
    public static let summary = "List the busiest locations at a moment, with how many online users are at each."
    public static let parameters = [
        ReportParameter.at, ReportParameter.threshold,
        ReportParameter("limit", .count, default: .text("20"), help: "The most locations listed."),
    ]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> LocationsReport {
        try await run(
            at: arguments.time("at"),
            threshold: arguments.duration("threshold"),
            limit: arguments.count("limit"),
            client: client,
            logger: logger
        )
    }
}
