import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

extension ReportQuery {
    /// Runs the query with its parameters, every one sent as a bind (the files cast them to
    /// their types), and returns all rows.
    func rows(_ parameters: [String], client: PostgresClient, logger: Logger) async throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters { bindings.append(parameter) }
        do {
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
        } catch {
            throw StoreError(database: error, while: "running the \(rawValue) report")
        }
    }
}

extension Date {
    /// The time in whole microseconds since 1970, as the reports print it.
    var microseconds: Int64 { SeenEvent.microseconds(of: self) }
}
