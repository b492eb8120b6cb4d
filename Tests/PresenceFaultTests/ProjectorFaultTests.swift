import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceTestSupport
import ServiceLifecycleTestKit
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where a task running beside a test leaves the error it ended with.
final class FailureBox: Sendable {
    let error = Mutex<(any Error)?>(nil)
}

extension FaultTests {
    @Suite("Projection under faults")
    struct ProjectorFaultTests {
        static let logger = TestDatabase.logger

        /// Waits for a session to fold a batch, then lets it work a seeded moment (under 300 ms)
        /// more. Returns that session's server process, or `nil` when everything was folded
        /// before a batch was seen.
        static func midBatch(_ client: PostgresClient, _ random: inout SplitMix64) async throws -> Int? {
            var session: Int?
            try await eventually("a batch being folded", timeout: .seconds(60), poll: .milliseconds(2)) {
                session = try await FaultChecks.foldingSession(client)
                if session != nil { return true }
                return try await FaultChecks.folded(client) == FaultChecks.logged(client)
            }
            try await Task.sleep(for: .milliseconds(Int(random.next() % 300)))
            return session
        }

        @Test(
            "immediate stops in the middle of folding a batch: a batch is folded whole or not at all, and the follower carries on after the restart"
        )
        func immediateStopMidProjection() async {
            let seed = FaultSeed(default: 2)
            await seed.replaying {
                try await FaultServer.with { fault, client in
                    var random = seed.generator(2)
                    let events = seed.traffic(users: 2_500, days: 4)
                    let first = events.count * 6 / 10
                    let second = events.count * 85 / 100
                    try await FaultChecks.write(events[..<first], client)
                    let loggedFirst = try await FaultChecks.logged(client)

                    // 1. A catch-up folding the whole log in one batch, stopped in the middle.
                    var configuration = Projector.Configuration()
                    configuration.batchSize = 1_000_000
                    configuration.waitForOtherProjector = true
                    let catchUp = Task { [configuration] in
                        try await Projector(client: client, configuration: configuration, logger: Self.logger).catchUp()
                    }
                    _ = try await Self.midBatch(client, &random)
                    try await fault.crash()
                    _ = await catchUp.result
                    try await fault.restart()
                    let foldedAfterStop = try await FaultChecks.folded(client)
                    #expect(
                        foldedAfterStop == 0 || foldedAfterStop == loggedFirst,
                        "the checkpoint holds \(foldedAfterStop) of a batch of \(loggedFirst) events; \(seed)"
                    )

                    // 2. The follower, stopped in the middle of a batch of 20,000; more events
                    // arrive after the restart, and it must fold them without being restarted.
                    try await FaultChecks.write(events[first..<second], client)
                    configuration.batchSize = 20_000
                    configuration.pollInterval = .milliseconds(200)
                    let follower = Projector(client: client, configuration: configuration, logger: Self.logger)
                    let stopped = FailureBox()
                    try await testGracefulShutdown { trigger in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                do {
                                    try await follower.run()
                                } catch {
                                    stopped.error.withLock { $0 = error }
                                }
                            }
                            defer { trigger.triggerGracefulShutdown() }
                            _ = try await Self.midBatch(client, &random)
                            try await fault.crash()
                            try await Task.sleep(for: .milliseconds(100 + Int(random.next() % 500)))
                            try await fault.restart()
                            try await FaultChecks.write(events[second...], client)
                            let logged = try await FaultChecks.logged(client)
                            try await eventually("the follower to fold all \(logged) events") {
                                if let error = stopped.error.withLock({ $0 }) { throw error }
                                return try await FaultChecks.folded(client) >= logged
                            }
                        }
                    }
                    try await FaultChecks.expectLog(holds: Set(events.map(\.id)), client, seed)
                    try await FaultChecks.expectProjectionsMatchRebuild(client, seed)
                }
            }
        }

        @Test(
            "kill -9 of a presence project process in the middle of a batch: its lock dies with its session, and the next projector folds each event once"
        )
        func killedProjectorProcess() async {
            let seed = FaultSeed(default: 3)
            await seed.replaying {
                try await FaultServer.with { fault, client in
                    var random = seed.generator(3)
                    let events = seed.traffic(users: 2_500, days: 4)
                    let first = events.count * 9 / 10
                    try await FaultChecks.write(events[..<first], client)
                    let loggedFirst = try await FaultChecks.logged(client)
                    let batchSize = 40_000

                    let doomed = try ChildProcess(
                        ["project", "--follow", "--batch-size", String(batchSize), "--database-url", fault.url],
                        outputFile: fault.folder + "/projector-killed.log"
                    )
                    guard let session = try await Self.midBatch(client, &random) else {
                        Issue.record("the projector folded \(loggedFirst) events before a batch was seen: \(doomed.output); \(seed)")
                        doomed.send(SIGKILL)
                        return
                    }
                    doomed.send(SIGKILL)
                    let ending = await doomed.ending()
                    #expect(ending == .signaled(SIGKILL), "\(doomed.output); \(seed)")

                    // Its server session ends (once it finds the client gone) and the advisory
                    // lock with it.
                    try await eventually("the killed projector's session to end") {
                        try await TestDatabase.number(client, "SELECT count(*)::int8 FROM pg_stat_activity WHERE pid = \(session)") == 0
                    }
                    let locks = try await TestDatabase.number(client, "SELECT count(*)::int8 FROM pg_locks WHERE locktype = 'advisory'")
                    #expect(locks == 0, "\(seed)")
                    let foldedAtKill = try await FaultChecks.folded(client)
                    #expect(
                        foldedAtKill % batchSize == 0 || foldedAtKill == loggedFirst,
                        "the checkpoint holds \(foldedAtKill) events, not whole batches of \(batchSize); \(seed)"
                    )

                    // Another process, which does not wait for a lock: it must be free.
                    try await FaultChecks.write(events[first...], client)
                    let next = try ChildProcess(
                        ["project", "--batch-size", "7000", "--database-url", fault.url],
                        outputFile: fault.folder + "/projector-next.log"
                    )
                    let nextEnding = await next.ending()
                    #expect(nextEnding == .exited(0), "\(next.output); \(seed)")
                    let logged = try await FaultChecks.logged(client)
                    #expect(try await FaultChecks.folded(client) == logged, "\(next.output); \(seed)")
                    try await FaultChecks.expectLog(holds: Set(events.map(\.id)), client, seed)
                    try await FaultChecks.expectProjectionsMatchRebuild(client, seed)
                }
            }
        }
    }
}
