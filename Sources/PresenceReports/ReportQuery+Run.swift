import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

extension ReportQuery {
    /// Runs the query with its parameters, every one sent as a bind, and returns all rows.
    ///
    /// The binds carry no type: PostgreSQL takes each one's type from the file (which casts
    /// every parameter, `$1::timestamptz`), as it does for a value pasted into the SQL. Sent as
    /// `text`, each cast would be a conversion the query repeats on every row it filters.
    func rows(_ parameters: [String], client: PostgresClient, logger: Logger) async throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters { bindings.append(UntypedParameter(text: parameter)) }
        let sql = try sql
        do {
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
        } catch {
            throw StoreError(database: error, while: "running the \(rawValue) report")
        }
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
