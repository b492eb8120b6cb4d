import Foundation
import Logging
import PresenceIngest
import PresenceModel
import PresenceTestSupport
import Synchronization
import Testing

/// The tracker's flusher, retries, shutdown and waiting, without a database: it writes
/// through a sink that fails on purpose, on a clock whose sleeps pass at once. They run in
/// milliseconds; the PostgreSQL tests cover the real path.
@Suite("Tracker logic without a database")
struct TrackerLogicTests {
    /// A sink that fails its first `failures` writes (or every one), then keeps what it is given.
    final class ScriptedSink: EventSink {
        struct State {
            var failuresLeft: Int
            var attempts = 0
            var stored: [SeenEvent] = []
        }

        struct Refused: Error {}

        let state: Mutex<State>

        init(failures: Int) {
            state = Mutex(State(failuresLeft: failures))
        }

        func write(_ batch: [SeenEvent]) async throws -> BatchResult {
            try state.withLock { state in
                state.attempts += 1
                if state.failuresLeft > 0 {
                    state.failuresLeft -= 1
                    throw Refused()
                }
                state.stored += batch
                return BatchResult(stored: batch.count, duplicates: 0)
            }
        }
    }

    /// Time that passes at once when slept: each sleep adds its span to the uptime and the
    /// wall clock, and returns after a yield.
    final class SkippingClock: TrackerClock {
        private let start = ContinuousClock.now
        private let skipped = Mutex<Duration>(.zero)
        /// 2026-12-01T00:00:00Z.
        static let wallStart: Int64 = 1_796_083_200_000_000

        /// How much time the sleeps skipped.
        var slept: Duration { skipped.withLock { $0 } }

        var now: Timestamp {
            Timestamp(microsecondsSince1970: Self.wallStart) + uptime
        }

        var uptime: Duration { ContinuousClock.now - start + slept }

        func sleep(for duration: Duration) async throws {
            try Task.checkCancellation()
            skipped.withLock { $0 += duration }
            await Task.yield()
        }
    }

    /// How many tasks are between ``begin()`` and ``end()``, and the most there ever were.
    final class WaitingCount: Sendable {
        private let state = Mutex((now: 0, most: 0))

        func begin() {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
        }
        func end() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    let logger = Logger(label: "tracker-logic")

    @Test("a sink that fails keeps the batch and retries with doubling waits until it takes it: nothing lost or doubled")
    func retries() async throws {
        let sink = ScriptedSink(failures: 5)
        let clock = SkippingClock()
        let statistics = try await withRunning(PresenceTracker(sink: sink, clock: clock, logger: logger)) { tracker, _ in
            for index in 0..<10 { await tracker.seen(user: "u\(index)") }
            try await eventually("all ten stored", poll: .milliseconds(1)) { tracker.statistics.stored == 10 }
        }
        #expect(statistics.accepted == 10 && statistics.stored == 10 && statistics.buffered == 0 && statistics.dropped.isEmpty)
        let state = sink.state.withLock { $0 }
        #expect(Set(state.stored.map(\.id)).count == 10 && state.stored.count == 10)
        // The first batch failed five times: waits of 100, 200, 400, 800 and 1,600 ms.
        #expect(state.attempts >= 6)
        #expect(clock.slept >= .milliseconds(3_100))
        // Events without a time take the tracker's clock.
        #expect(state.stored.allSatisfy { $0.at.microsecondsSince1970 >= SkippingClock.wallStart })
    }

    @Test("at shutdown, a batch the sink never takes is given up after the shutdown timeout and counted as dropped")
    func shutdownGivesUp() async throws {
        let sink = ScriptedSink(failures: .max)
        let clock = SkippingClock()
        // A day to give up in: only the tracker's clock can let that pass within the test.
        var configuration = PresenceTracker.Configuration()
        configuration.shutdownTimeout = .seconds(86_400)
        configuration.maximumRetryDelay = .seconds(600)
        let started = ContinuousClock.now
        let statistics = try await withRunning(
            PresenceTracker(sink: sink, configuration: configuration, clock: clock, logger: logger)
        ) { tracker, _ in
            for index in 0..<5 { await tracker.seen(user: "u\(index)") }
            try await eventually("a first attempt", poll: .milliseconds(1)) { sink.state.withLock { $0.attempts } > 0 }
        }
        #expect(statistics.accepted == 5 && statistics.stored == 0 && statistics.buffered == 0)
        #expect(statistics.dropped == [.shutdown: 5])
        // A day of retries passed on the tracker's clock, and far less on the wall's, however
        // loaded the machine.
        #expect(clock.slept >= .seconds(86_400))
        #expect(ContinuousClock.now - started < .seconds(600))
    }

    @Test("graceful shutdown writes every buffered event, though no batch was due")
    func shutdownDrains() async throws {
        let sink = ScriptedSink(failures: 0)
        var configuration = PresenceTracker.Configuration()
        configuration.maximumBatchAge = .seconds(3_600)
        let statistics = try await withRunning(PresenceTracker(sink: sink, configuration: configuration, logger: logger)) { tracker, _ in
            for index in 0..<7 { await tracker.seen(user: "u\(index)") }
        }
        #expect(statistics.stored == 7 && statistics.buffered == 0)
        #expect(sink.state.withLock { $0.stored.map(\.user) } == (0..<7).map { "u\($0)" })
    }

    @Test("async seen() under the wait policy suspends: every caller waits for room at once, whatever the thread pool")
    func waitSuspends() async throws {
        var configuration = PresenceTracker.Configuration()
        configuration.capacity = 1
        configuration.overflowPolicy = .wait(deadline: .seconds(2))
        // No flusher runs: the buffer stays full.
        let tracker = PresenceTracker(sink: ScriptedSink(failures: 0), configuration: configuration, logger: logger)
        #expect(await tracker.seen(user: "first") == .accepted)
        let callers = 4 * ProcessInfo.processInfo.activeProcessorCount + 8
        // How many callers wait at once. Were they blocking their threads, no more than the
        // cooperative pool's threads (one a core) could: the others would start only as those
        // give up. Suspended, they all wait together, whatever else the machine runs.
        let count = WaitingCount()
        try await withThrowingTaskGroup(of: SeenOutcome.self) { group in
            for index in 0..<callers {
                group.addTask {
                    count.begin()
                    defer { count.end() }
                    return await tracker.seen(user: "waiting-\(index)")
                }
            }
            for try await outcome in group { #expect(outcome == .dropped(.waitTimedOut)) }
        }
        #expect(count.most == callers)
        let statistics = tracker.statistics
        #expect(statistics.accepted == callers + 1 && statistics.dropped == [.waitTimedOut: callers] && statistics.buffered == 1)
    }
}
