import PresenceIngest
import PresenceTestSupport
import ServiceLifecycleTestKit
import Testing

/// The sharded buffer under contention: many threads on more rings than processors, a small
/// buffer that stays full against a slowed flusher, some invalid events, and a graceful
/// shutdown in the middle while the threads go on (the flusher drains until it finds the
/// buffer empty; what comes after stays buffered). Under every policy each snapshot balances,
/// and at the end every counter equals what the callers were told and the log, exactly.
@Suite("Contention: many threads, every policy, shutdown in the middle", .serialized)
struct ContentionTests {
    static let policies: [PresenceTracker.OverflowPolicy] = [.dropNewest, .dropOldest, .wait(deadline: .milliseconds(2))]

    @Test("the counters balance in every snapshot and equal the callers' outcomes and the log", arguments: policies)
    func balance(policy: PresenceTracker.OverflowPolicy) async throws {
        try await TestDatabase.withFresh { client, _ in
            try await OverloadTests.slowWrites(client, seconds: 0.02)
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = 509
            configuration.maximumBatchSize = 64
            configuration.bufferShards = 7
            configuration.overflowPolicy = policy
            let tracker = PresenceTracker(client: client, configuration: configuration, logger: TestDatabase.logger)
            let stop = OverloadTests.Stop()
            let clock = ContinuousClock()
            var snapshots = 0
            let offerings = try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: [OverloadTests.Offering].self) { group in
                    group.addTask {
                        await tracker.run()
                        return []
                    }
                    group.addTask { await OverloadTests.offer(tracker, threads: 8, until: stop, invalidEvery: 97) }
                    let started = clock.now
                    var shutDown = false
                    while clock.now - started < .seconds(2) {
                        try await Task.sleep(for: .milliseconds(10))
                        let snapshot = tracker.statistics
                        #expect(snapshot.isBalanced, "\(snapshot)")
                        #expect(snapshot.buffered <= configuration.capacity + configuration.maximumBatchSize)
                        snapshots += 1
                        if !shutDown && clock.now - started > .seconds(1) {
                            trigger.triggerGracefulShutdown()
                            shutDown = true
                        }
                    }
                    stop.set()
                    var offerings: [OverloadTests.Offering] = []
                    for try await result in group { offerings += result }
                    return offerings
                }
            }
            let final = tracker.statistics
            func told(_ outcome: SeenOutcome) -> Int { offerings.compactMap { $0.outcomes[outcome] }.reduce(0, +) }
            let calls = offerings.map(\.calls).reduce(0, +)
            let rejected = offerings.flatMap(\.outcomes).filter { if case .rejected = $0.key { true } else { false } }.map(\.value).reduce(0, +)
            #expect(final.isBalanced, "\(final)")
            #expect(final.accepted == calls - rejected, "\(final)")
            #expect(final.rejectedTotal == rejected && rejected > 0)
            #expect(final.dropped[.newest] ?? 0 == told(.dropped(.newest)))
            #expect(final.dropped[.waitTimedOut] ?? 0 == told(.dropped(.waitTimedOut)))
            #expect(told(.accepted) == final.accepted - (final.dropped[.newest] ?? 0) - (final.dropped[.waitTimedOut] ?? 0))
            #expect(final.droppedTotal > 0, "the buffer was full: \(final)")
            #expect(final.duplicates == 0 && final.dropped[.shutdown] == nil)
            #expect(try await TestDatabase.eventCount(client) == final.stored)
            print("contention \(policy): \(calls) calls from 8 threads on 7 rings, \(snapshots) balanced snapshots; \(final)")
        }
    }
}
