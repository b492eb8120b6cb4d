import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

extension ReportQuery {
    /// Runs the query with its parameters, every one sent as a bind (`nil` as NULL), and
    /// returns all rows.
    ///
    /// The binds carry no type: PostgreSQL takes each one's type from the file (which casts
    /// every parameter, `$1::timestamptz`), as it does for a value pasted into the SQL. Sent as
    /// `text`, each cast would be a conversion the query repeats on every row it filters.
    func rows(_ parameters: [String?], client: PostgresClient, logger: Logger) async throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters {
            if let parameter { bindings.append(UntypedParameter(text: parameter)) } else { bindings.appendNull() }
        }
        let sql = try sql
        do {
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
        } catch {
            throw StoreError(database: error, while: "running the \(rawValue) report")
        }
    }
}

extension ReportQuery {
    /// Runs a report of a range in local time, after the checks every such report makes: the
    /// range is not empty, and the zone is one PostgreSQL knows. The query's parameters are
    /// the range's `from` and `to`, then `between`, then the zone as `AT TIME ZONE` takes it.
    func rows(_ range: ReportRange, between: [String] = [], client: PostgresClient, logger: Logger) async throws -> [PostgresRow] {
        try ReportError.requireRange(from: range.from, to: range.to)
        let zone = try await TimeZoneCheck.resolve(range.timeZone, client: client, logger: logger)
        return try await rows([range.from.rfc3339, range.to.rfc3339] + between + [zone], client: client, logger: logger)
    }
}

/// A parameter in text form whose type the server infers from the query (type `unknown`).
struct UntypedParameter: PostgresDynamicTypeEncodable {
    var text: String

    var psqlType: PostgresDataType { .unknown }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}
