import Logging
import PostgresNIO
import PresenceModel

/// A report whose parameters are a range and its zone alone (``ReportParameter/range``).
public protocol ZonedRangeReport: ReportDefinition {
    /// Runs the report.
    ///
    /// - Parameters:
    ///   - range: The range and its zone.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` for a range with `from` ≥ `to` or too many rows, or an unknown
    ///   time zone.
    static func run(_ range: ReportRange, client: PostgresClient, logger: Logger) async throws -> Self
}

extension ZonedRangeReport {
    /// The range and its zone.
    public static var parameters: [ReportParameter] { ReportParameter.range }

    /// Runs the report with the range and zone of `arguments`.
    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> Self {
        try await run(ReportRange(arguments), client: client, logger: logger)
    }

    /// Runs the report over `[from, to)` in the local time of `timeZone`.
    public static func run(from: Timestamp, to: Timestamp, timeZone: String, client: PostgresClient, logger: Logger) async throws -> Self {
        try await run(ReportRange(from: from, to: to, timeZone: timeZone), client: client, logger: logger)
    }
}
