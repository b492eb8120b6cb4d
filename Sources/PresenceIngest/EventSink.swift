import PresenceModel

/// Where a ``PresenceTracker``'s flusher writes its batches.
///
/// ``EventLogWriter`` writes them into the PostgreSQL event log. A test gives the tracker a
/// sink that fails or records on purpose, to check its buffering, retries and shutdown
/// without a database.
public protocol EventSink: Sendable {
    /// Writes a batch, each event once; after it throws, the flusher calls it again with the
    /// same batch, and the events a failed call stored after all count as duplicates.
    ///
    /// - Returns: How many events were stored and how many the sink already had.
    mutating func write(_ batch: [SeenEvent]) async throws -> BatchResult
}

/// How many events of a batch were new and how many the event log already had.
public struct BatchResult: Sendable, Hashable {
    /// Events the log did not have, now stored.
    public var stored: Int
    /// Events the log already had (the same `at` and `id`).
    public var duplicates: Int

    /// Creates a result.
    public init(stored: Int, duplicates: Int) {
        self.stored = stored
        self.duplicates = duplicates
    }
}
