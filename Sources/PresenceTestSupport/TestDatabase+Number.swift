import PostgresNIO

extension TestDatabase {
    /// The one integer a query answers (its first column of its first row), for checks.
    ///
    /// - Parameters:
    ///   - client: The pool to ask through.
    ///   - query: A query whose first row's first column is an integer.
    /// - Returns: That integer, or -1 when the query answers no row.
    public static func number(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int {
        let rows = try await client.query(query, logger: logger).collect()
        return try rows.first?.decode(Int.self) ?? -1
    }

    /// How many events the log holds.
    public static func eventCount(_ client: PostgresClient) async throws -> Int {
        try await number(client, "SELECT count(*)::int8 FROM seen_events")
    }
}
