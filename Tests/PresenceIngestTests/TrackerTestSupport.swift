import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceStore
import PresenceTestSupport
import ServiceLifecycleTestKit

/// Runs `body` with a tracker whose flusher runs (unless `flusherRunning` is false, in which
/// case `body` starts it by calling the given closure), then shuts the tracker down gracefully
/// and returns its final statistics.
func withTracker(
    client: PostgresClient,
    configuration: PresenceTracker.Configuration = PresenceTracker.Configuration(),
    startFlusher: Bool = true,
    _ body: (PresenceTracker, _ startFlusher: @escaping @Sendable () -> Void) async throws -> Void
) async throws -> PresenceTracker.Statistics {
    try await withRunning(
        PresenceTracker(client: client, configuration: configuration, logger: TestDatabase.logger),
        startFlusher: startFlusher,
        body
    )
}

/// Runs `body` beside the tracker's flusher (started at once, or when `body` calls the given
/// closure), then shuts the tracker down gracefully and returns its final statistics.
func withRunning(
    _ tracker: PresenceTracker,
    startFlusher: Bool = true,
    _ body: (PresenceTracker, _ startFlusher: @escaping @Sendable () -> Void) async throws -> Void
) async throws -> PresenceTracker.Statistics {
    try await testGracefulShutdown { trigger in
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in started { break }
                await tracker.run()
            }
            if startFlusher { startedContinuation.yield() }
            defer {
                startedContinuation.yield()
                trigger.triggerGracefulShutdown()
            }
            try await body(tracker) { startedContinuation.yield() }
        }
    }
    return tracker.statistics
}

/// The events in the log, by id and time.
func storedEvents(_ client: PostgresClient) async throws -> [SeenEvent] {
    var events: [SeenEvent] = []
    let rows = try await client.query(
        """
        SELECT id, user_id, (extract(epoch FROM at) * 1000000)::int8, location
        FROM seen_events ORDER BY at, id
        """,
        logger: TestDatabase.logger
    )
    for try await (id, user, microseconds, location) in rows.decode((UUID, String, Int64, String?).self) {
        events.append(SeenEvent(id: id, user: user, at: Timestamp(microsecondsSince1970: microseconds), location: location))
    }
    return events
}
