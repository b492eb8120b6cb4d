import Logging
import PresenceIngest
import PresenceModel
import PresenceStore
import ServiceLifecycle

/// Runs a ``PresenceTracker`` and its pool for the length of a command's work, then shuts it
/// down gracefully, which writes everything still buffered.
enum TrackerSession {
    /// Runs `body` with a running tracker.
    ///
    /// - Returns: What `body` returned, and the tracker's counters after shutdown.
    /// - Throws: What `body` throws; ``StoreError`` when the database has no event log.
    static func run<Result: Sendable>(
        settings: ConnectionSettings,
        configuration: PresenceTracker.Configuration = PresenceTracker.Configuration(),
        logger: Logger,
        _ body: (PresenceTracker) async throws -> Result
    ) async throws -> (Result, PresenceTracker.Statistics) {
        let client = settings.makeClient(logger: logger)
        let tracker = PresenceTracker(client: client, configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [client, tracker], logger: logger.forServiceGroup)
        return try await withThrowingTaskGroup(of: Void.self, returning: (Result, PresenceTracker.Statistics).self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await EventLog.requireMigrated(client, logger: logger)
                try await EventLog.requireWritable(client, logger: logger)
                let result = try await body(tracker)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return (result, tracker.statistics)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    /// Records every event of a sequence through a tracker, waiting for room when its buffer
    /// is full, and writes them all before it returns.
    ///
    /// - Returns: How many events were sent, and the tracker's counters after shutdown.
    static func record(
        _ events: some Sequence<SeenEvent>,
        settings: ConnectionSettings,
        logger: Logger
    ) async throws -> (sent: Int, statistics: PresenceTracker.Statistics) {
        try await run(settings: settings, logger: logger) { tracker in
            var sent = 0
            for event in events {
                try await tracker.record(event)
                sent += 1
            }
            return sent
        }
    }
}
