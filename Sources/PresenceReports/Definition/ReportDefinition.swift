import Logging
import PostgresNIO

/// A report described once: its name, what it answers, its parameters, and how it runs from
/// their values. The command line (`presence report NAME`) and the HTTP API
/// (`GET /v1/reports/NAME`) offer every report of ``ReportCatalog`` from this alone; a new
/// report is its SQL file in `Reports/` and its type.
public protocol ReportDefinition: Report {
    /// Its name: the subcommand and the last part of the HTTP path, `hour-by-weekday`.
    static var name: String { get }
    /// One sentence that says what it answers.
    static var summary: String { get }
    /// Its parameters, in the order help texts list them.
    static var parameters: [ReportParameter] { get }
    /// Runs the report.
    ///
    /// - Parameters:
    ///   - arguments: The values of ``parameters``.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> Self
}
