import Foundation
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceTestSupport
import ServiceLifecycleTestKit
import Synchronization
import Testing

/// A tracker fed a seeded stream at a steady pace while a fault strikes, and what became of
/// each event it was offered.
final class TrackerRun: Sendable {
    let tracker: PresenceTracker
    let events: [SeenEvent]
    private let outcomes: Mutex<[SeenOutcome?]>
    private let offered = Atomic<Int>(0)

    /// A tracker on `client` with small batches, a short batch age, quick retries and a
    /// buffer of `capacity` events, so that a fault of a second or two fills it.
    init(client: PostgresClient, events: [SeenEvent], capacity: Int = 4_096) {
        var configuration = PresenceTracker.Configuration()
        configuration.capacity = capacity
        configuration.maximumBatchSize = 1_024
        configuration.maximumBatchAge = .milliseconds(20)
        configuration.initialRetryDelay = .milliseconds(50)
        configuration.maximumRetryDelay = .milliseconds(500)
        configuration.shutdownTimeout = .seconds(120)
        tracker = PresenceTracker(client: client, configuration: configuration, logger: TestDatabase.logger)
        self.events = events
        outcomes = Mutex(Array(repeating: nil, count: events.count))
    }

    /// The share of the stream offered so far, 0 to 1.
    var progress: Double { Double(offered.load(ordering: .relaxed)) / Double(max(events.count, 1)) }

    /// Waits until at least `share` of the stream has been offered.
    func reach(_ share: Double) async throws {
        while progress < share { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// Runs the tracker's flusher while `faults` runs beside a producer that offers the whole
    /// stream through `seen()` over about `duration`; then waits until the tracker holds
    /// nothing more and shuts it down gracefully.
    ///
    /// - Returns: The tracker's statistics after shutdown.
    func run(over duration: Duration, faults: @Sendable @escaping () async throws -> Void) async throws -> PresenceTracker.Statistics {
        let tracker = tracker
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await tracker.run() }
                group.addTask { try await self.produce(over: duration) }
                group.addTask { try await faults() }
                // The flusher runs until shutdown; the other two end on their own.
                try await group.next()
                try await group.next()
                try await eventually("the tracker to write all it holds") { tracker.statistics.buffered == 0 }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        return tracker.statistics
    }

    private func produce(over duration: Duration) async throws {
        let chunks = max(1, Int(duration / .milliseconds(10)))
        let chunkSize = max(1, (events.count + chunks - 1) / chunks)
        var index = 0
        while index < events.count {
            let end = min(index + chunkSize, events.count)
            for position in index..<end {
                let event = events[position]
                let outcome = await tracker.seen(user: event.user, at: event.at.date, location: event.location, id: event.id)
                outcomes.withLock { $0[position] = outcome }
            }
            offered.store(end, ordering: .relaxed)
            index = end
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// How many events `seen()` accepted into the buffer, dropped, and rejected.
    var counts: (accepted: Int, dropped: Int, rejected: Int) {
        outcomes.withLock { outcomes in
            var counts = (accepted: 0, dropped: 0, rejected: 0)
            for outcome in outcomes {
                switch outcome {
                case .accepted?: counts.accepted += 1
                case .dropped?: counts.dropped += 1
                case .rejected?, nil: counts.rejected += 1
                }
            }
            return counts
        }
    }

    /// The events `seen()` accepted into the buffer (not dropped): the log must hold each once.
    var acceptedEvents: [SeenEvent] {
        outcomes.withLock { outcomes in
            zip(events, outcomes).compactMap { event, outcome in
                if case .accepted? = outcome { return event }
                return nil
            }
        }
    }
}

extension TrackerRun {
    /// Checks the tracker's counts against what `seen()` answered, and the log against the
    /// events it accepted: accepted = stored + duplicates + dropped exactly, nothing dropped at
    /// shutdown, and every accepted event that was not dropped in the log once.
    func expectAccounting(
        _ statistics: PresenceTracker.Statistics,
        _ client: PostgresClient,
        _ seed: FaultSeed,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let counts = counts
        let accepted = acceptedEvents
        let distinct = Set(accepted.map(\.id))
        #expect(counts.rejected == 0, "\(seed)", sourceLocation: sourceLocation)
        #expect(statistics.accepted == counts.accepted + counts.dropped, "\(statistics); \(seed)", sourceLocation: sourceLocation)
        #expect(
            statistics.droppedTotal == counts.dropped && statistics.dropped[.shutdown, default: 0] == 0,
            "dropped: \(statistics.dropped), seen() answered dropped \(counts.dropped) times; \(seed)",
            sourceLocation: sourceLocation
        )
        #expect(statistics.buffered == 0, "\(seed)", sourceLocation: sourceLocation)
        #expect(
            statistics.accepted == statistics.stored + statistics.duplicates + statistics.droppedTotal,
            "\(statistics); \(seed)",
            sourceLocation: sourceLocation
        )
        #expect(
            statistics.stored == distinct.count && statistics.duplicates == accepted.count - distinct.count,
            "stored \(statistics.stored) and duplicates \(statistics.duplicates), but \(distinct.count) distinct events of \(accepted.count) were accepted; \(seed)",
            sourceLocation: sourceLocation
        )
        try await FaultChecks.expectLog(holds: distinct, client, seed, sourceLocation: sourceLocation)
    }
}
