import PostgresNIO
import PresenceIngest
import PresenceModel

extension TestDatabase {
    /// Writes events into the event log, as the tracker's flusher does.
    ///
    /// - Parameters:
    ///   - events: The events, in any order; those the log holds already count as duplicates.
    ///   - client: The pool to write through.
    /// - Returns: How many were stored and how many were duplicates.
    @discardableResult
    public static func store(_ events: [SeenEvent], _ client: PostgresClient) async throws -> BatchResult {
        var writer = EventLogWriter(client: client, logger: logger)
        return try await writer.write(events)
    }
}
