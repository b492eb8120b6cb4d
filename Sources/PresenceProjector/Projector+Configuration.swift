import PresenceStore

extension Projector {
    /// How the projector reads and waits.
    public struct Configuration: Sendable, Hashable {
        /// The most events folded in one transaction. Default 20,000.
        public var batchSize = 20_000
        /// In `run()`, how often to look for new events when no notification arrives (the
        /// fallback for writers that do not notify). Default 1 second.
        public var pollInterval: Duration = .seconds(1)
        /// In `run()`, the longest pause between two looks at committed events that wait for
        /// an older transaction to end (the read horizon); the pause starts at 20 ms and
        /// doubles. Default 1 second.
        public var horizonPollLimit: Duration = .seconds(1)
        /// In `run()`, how far ahead the follower keeps the log's day partitions, and how
        /// often it looks (``PartitionMaintenance``), which is also how often it looks for a
        /// day of activity to pack (``quarterRowsKept``); a round that fails is tried again a
        /// minute later.
        public var partitionMaintenance = PartitionMaintenance.Configuration()
        /// How long before the last event folded a UTC day's activity stays in rows per user
        /// and quarter hour, which the projector updates as events arrive and which are the
        /// quickest to read, before it is packed into one row per user and day, with the
        /// day's online spans and location visits (``Projector/compactActivity()``,
        /// Migrations 0016 and 0022). Every answer is exact either way; late events for a
        /// packed day are merged into its rows. Default 35 days: a week's active users with
        /// their 30-day look-back read no packed day.
        public var quarterRowsKept: Duration = .seconds(35 * 86_400)
        /// Whether to wait while another projector works on the same database, rather than
        /// fail at once. Default `false`.
        public var waitForOtherProjector = false

        /// Creates the default configuration.
        public init() {}
    }
}
