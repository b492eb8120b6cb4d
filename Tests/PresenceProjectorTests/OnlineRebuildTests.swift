import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceStore
import PresenceTestSupport
import ServiceLifecycleTestKit
import Testing

@testable import PresenceIngest

/// A rebuild that does not stop the world (Migrations/0011): readers keep reading, writers
/// keep writing and the follower keeps folding while it runs; it goes on after an
/// interruption; and it ends equal to the definition, computed in Swift from the events.
@Suite("Rebuilding beside readers, writers and the follower")
struct OnlineRebuildTests {
    let logger = TestDatabase.logger

    /// Seeded events of a few users, with late events and duplicates among them.
    static func events(seeds: ClosedRange<UInt64>) -> [SeenEvent] {
        seeds.flatMap { ProjectorTests.events(seed: $0) }
    }

    func write(_ events: [SeenEvent], client: PostgresClient) async throws {
        try await TestDatabase.store(events, client)
    }

    @Test("while writers write, readers read and the follower folds, a rebuild ends equal to the definition; no reader waits long or sees less")
    func rebuildUnderTraffic() async throws {
        try await TestDatabase.withFresh { client, _ in
            let before = Self.events(seeds: 1...30)
            try await write(before, client: client)
            try await TestDatabase.projectAll(client, count: Set(before).count)
            let usersBefore = Set(before.map(\.user)).count

            let later = Self.events(seeds: 31...60)
            var configuration = Projector.Configuration()
            configuration.batchSize = 40  // many small steps, so that traffic meets each of them
            configuration.pollInterval = .milliseconds(50)
            let follower = Projector(client: client, configuration: configuration, logger: logger)
            let readings = Shared<(count: Int, smallest: Int, slowest: Duration)>((0, .max, .zero))
            let steps = Shared(0)

            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await follower.run() }
                    group.addTask {
                        // Writers: the later events in small batches, some sent twice.
                        var index = 0
                        while index < later.count {
                            let chunk = Array(later[index..<min(index + 17, later.count)])
                            try await write(chunk + chunk.prefix(3), client: client)
                            index += 17
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    }
                    group.addTask {
                        // Readers: the users and the sessions, again and again, until the rebuild ends.
                        while !Task.isCancelled {
                            let started = ContinuousClock.now
                            let rows = try await client.query(
                                "SELECT (SELECT count(*) FROM presence_current)::int8, (SELECT count(*) FROM online_users)::int8, (SELECT count(*) FROM user_sessions)::int8",
                                logger: logger
                            ).collect()
                            let counts = try rows.first?.decode((Int, Int, Int).self)
                            let users = counts?.0 ?? 0
                            let took = ContinuousClock.now - started
                            readings.withLock { $0 = ($0.count + 1, min($0.smallest, users), max($0.slowest, took)) }
                            try await Task.sleep(for: .milliseconds(2))
                        }
                    }
                    let rebuilder = Projector(client: client, configuration: configuration, logger: logger)
                    let rebuilt = try await rebuilder.rebuild { _ in steps.withLock { $0 += 1 } }
                    #expect(rebuilt >= Set(before).count)

                    // Let the writers finish and the follower fold the rest, then stop them all.
                    let deadline = ContinuousClock.now + .seconds(120)
                    var folded = 0
                    while folded < Set(before + later).count, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                        let rows = try await client.query("SELECT events FROM presence_projector", logger: logger).collect()
                        folded = try rows.first?.decode(Int.self) ?? 0
                    }
                    trigger.triggerGracefulShutdown()
                    group.cancelAll()
                    try? await group.waitForAll()
                }
            }

            let all = Set(before + later)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: all))
            let seen = readings.withLock { $0 }
            #expect(seen.count > 10)
            #expect(seen.smallest >= usersBefore, "a reader saw \(seen.smallest) users, fewer than the \(usersBefore) before the rebuild")
            #expect(seen.slowest < .seconds(5), "a reader waited \(seen.slowest)")
            #expect(steps.withLock { $0 } > 10)
            // The twins are empty again, ready for the next rebuild.
            let twins = try await client.query(
                "SELECT (SELECT count(*) FROM presence_next.presence_current)::int8, (SELECT events FROM presence_next.presence_projector)",
                logger: logger
            ).collect()
            let (twinRows, twinEvents) = try twins.first?.decode((Int, Int).self) ?? (-1, -1)
            #expect(twinRows == 0 && twinEvents == 0)
        }
    }

    @Test("a rebuild that stopped halfway goes on where it was, and ends equal to the definition")
    func resumesAfterAnInterruption() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = Self.events(seeds: 61...80)
            try await write(events, client: client)
            try await TestDatabase.projectAll(client, count: Set(events).count)

            // What a rebuild that crashed after three batches of 25 leaves behind: its twins
            // and their checkpoint, each batch committed.
            try await client.withConnection { connection in
                _ = try await connection.query("SELECT presence_start_rebuild()", logger: logger).collect()
                for _ in 0..<3 {
                    _ = try await connection.query("BEGIN", logger: logger).collect()
                    _ = try await connection.query(
                        "SELECT set_config('search_path', 'presence_next, ' || current_setting('search_path'), true)",
                        logger: logger
                    ).collect()
                    _ = try await connection.query("SELECT * FROM presence_fold(25)", logger: logger).collect()
                    _ = try await connection.query("COMMIT", logger: logger).collect()
                }
            }
            let live = try await ProjectionSnapshot.read(client)

            let reports = Shared<[RebuildProgress]>([])
            var configuration = Projector.Configuration()
            configuration.batchSize = 25
            let total = try await Projector(client: client, configuration: configuration, logger: logger).rebuild { progress in
                reports.withLock { $0.append(progress) }
            }
            #expect(total == Set(events).count)
            let progress = reports.withLock { $0 }
            #expect(progress.first?.resumed == true)
            #expect(progress.first?.folded == 75 + 25)
            #expect(progress.first?.estimatedTotal == Set(events).count)
            #expect(progress.last?.folded == Set(events).count)
            #expect(try await ProjectionSnapshot.read(client) == live)
            #expect(live == ProjectionSnapshot.expected(from: Set(events)))
        }
    }
}
