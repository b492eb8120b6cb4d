import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceStore
import PresenceTestSupport
import ServiceLifecycleTestKit
import Testing

@testable import PresenceIngest

@Suite("Projector")
struct ProjectorTests {
    let logger = TestDatabase.logger
    static let base: Int64 = 1_774_742_400_000_000  // 2026-03-29T00:00:00Z
    static let minute: Int64 = 60_000_000

    /// A seeded stream that puts events right at and around the session gap and the online
    /// threshold, at equal times and across quarter-hour edges, for a few users with awkward
    /// names.
    static func events(seed: UInt64) -> [SeenEvent] {
        var random = SplitMix64(seed: seed)
        let users = ["alice", "bob", "tab\tuser", "ünï", "'); --"]
        let gaps: [Int64] = [
            0, 1, 4 * minute, 5 * minute, 5 * minute + 1, 29 * minute, 30 * minute, 30 * minute + 1, 31 * minute, 45 * minute, 3 * 60 * minute, 7,
        ]
        var events: [SeenEvent] = []
        for user in users {
            var at = base + Int64(random.next() % UInt64(60 * minute))
            for _ in 0..<(10 + Int(random.next() % 30)) {
                at += gaps[Int(random.next() % UInt64(gaps.count))]
                let location = random.next() % 4 == 0 ? nil : "/page/\(random.next() % 5)"
                events.append(
                    SeenEvent(
                        id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                        user: user,
                        at: Timestamp(microsecondsSince1970: at),
                        location: location
                    )
                )
            }
        }
        return events
    }

    func write(_ events: [SeenEvent], client: PostgresClient) async throws {
        try await TestDatabase.store(events, client)
    }

    func project(_ client: PostgresClient, batchSize: Int) async throws {
        var configuration = Projector.Configuration()
        configuration.batchSize = batchSize
        try await Projector(client: client, configuration: configuration, logger: logger).catchUp()
    }

    func projectAll(_ client: PostgresClient, batchSize: Int, count: Int) async throws {
        try await TestDatabase.projectAll(client, count: count, batchSize: batchSize)
    }

    @Test("folding in any batches, any order, with duplicates and late events, equals the definition and a rebuild", arguments: 1...20)
    func incrementalEqualsRebuild(seed: UInt64) async throws {
        try await TestDatabase.withFresh { client, _ in
            var random = SplitMix64(seed: seed &* 7_919)
            var arrivals = Self.events(seed: seed)
            arrivals.shuffle(using: &random)
            // Some events are sent again later: duplicates the log stores once.
            arrivals += arrivals.shuffled(using: &random).prefix(arrivals.count / 5)
            var index = 0
            while index < arrivals.count {
                let chunk = 1 + Int(random.next() % 25)
                try await write(Array(arrivals[index..<min(index + chunk, arrivals.count)]), client: client)
                index += chunk
                if random.next() % 2 == 0 {
                    try await project(client, batchSize: 1 + Int(random.next() % 40))
                }
            }
            try await projectAll(client, batchSize: 1 + Int(random.next() % 40), count: Set(arrivals).count)
            let incremental = try await ProjectionSnapshot.read(client)
            #expect(incremental == ProjectionSnapshot.expected(from: Set(arrivals)))

            let total = try await Projector(client: client, logger: logger).rebuild()
            #expect(total == Set(arrivals).count)
            #expect(try await ProjectionSnapshot.read(client) == incremental)
        }
    }

    @Test("the worked example of DESIGN.md")
    func workedExample() async throws {
        func at(_ text: String) -> Int64 { RFC3339.parse(text)! }
        let bob = SeenEvent(user: "bob", at: Timestamp(microsecondsSince1970: at("2026-03-29T00:40:00Z")), location: "/a")
        let events = [
            SeenEvent(user: "alice", at: Timestamp(microsecondsSince1970: at("2026-03-29T00:10:00Z")), location: "/a"),
            SeenEvent(user: "alice", at: Timestamp(microsecondsSince1970: at("2026-03-29T00:40:00Z")), location: "/b"),
            SeenEvent(user: "alice", at: Timestamp(microsecondsSince1970: at("2026-03-29T01:10:00.000001Z")), location: "/c"),
            bob, bob,
        ]
        try await TestDatabase.withFresh { client, _ in
            try await write(events, client: client)
            try await projectAll(client, batchSize: 2, count: 4)
            let snapshot = try await ProjectionSnapshot.read(client)
            #expect(
                snapshot.sessions == [
                    "alice|\(at("2026-03-29T00:10:00Z"))|\(at("2026-03-29T00:40:00Z"))|2",
                    "alice|\(at("2026-03-29T01:10:00.000001Z"))|\(at("2026-03-29T01:10:00.000001Z"))|1",
                    "bob|\(at("2026-03-29T00:40:00Z"))|\(at("2026-03-29T00:40:00Z"))|1",
                ]
            )
            #expect(
                snapshot.current == [
                    "alice|\(at("2026-03-29T00:10:00Z"))|\(at("2026-03-29T01:10:00.000001Z"))|/c|3",
                    "bob|\(at("2026-03-29T00:40:00Z"))|\(at("2026-03-29T00:40:00Z"))|/a|1",
                ]
            )
            // Each of alice's events lies more than the 5-minute threshold after the one
            // before: three spans, each online for 5 minutes from its event.
            #expect(
                snapshot.online == [
                    "alice|\(at("2026-03-29T00:10:00Z"))|\(at("2026-03-29T00:10:00Z"))|1|/a",
                    "alice|\(at("2026-03-29T00:40:00Z"))|\(at("2026-03-29T00:40:00Z"))|1|/b",
                    "alice|\(at("2026-03-29T01:10:00.000001Z"))|\(at("2026-03-29T01:10:00.000001Z"))|1|/c",
                    "bob|\(at("2026-03-29T00:40:00Z"))|\(at("2026-03-29T00:40:00Z"))|1|/a",
                ]
            )
        }
    }

    @Test("a writer that holds its transaction open while later writers commit is not skipped")
    func lateCommitNotSkipped() async throws {
        try await TestDatabase.withFresh { client, _ in
            // Today's partition exists, so the late writer creates none (which would wait for the
            // early transaction's lock on the default partition).
            let now = Timestamp.now.microsecondsSince1970
            let early = SeenEvent(user: "early", at: Timestamp(microsecondsSince1970: now - 60_000_000), location: "/e")
            let late = SeenEvent(user: "late", at: Timestamp(microsecondsSince1970: now - 59_000_000), location: "/l")
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query(
                    "INSERT INTO seen_events (id, user_id, at) VALUES (\(early.id), \(early.user), to_timestamp(\(Double(early.at.microsecondsSince1970) / 1e6)))",
                    logger: logger
                )
                try await write([late], client: client)
                // 'late' has committed, but 'early' may still commit with a smaller id: wait.
                try await project(client, batchSize: 100)
                #expect(try await ProjectionSnapshot.read(client).current.isEmpty)
                try await connection.query("COMMIT", logger: logger)
            }
            try await projectAll(client, batchSize: 100, count: 2)
            #expect(try await ProjectionSnapshot.read(client).current.map { $0.split(separator: "|")[0] } == ["early", "late"])
        }
    }

    @Test("a projector stopped mid-run and started again, and two projectors at once, fold each event once")
    func interruptedAndConcurrent() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = (1...6).flatMap { Self.events(seed: $0) }
            try await write(events, client: client)

            // Stopped at random points: a cancelled batch rolls back whole.
            for delay in [1, 3, 7, 15] {
                let task = Task { try await project(client, batchSize: 3) }
                try await Task.sleep(for: .milliseconds(delay))
                task.cancel()
                _ = await task.result
            }
            // A stopped projector leaves no lock behind: one that may not wait starts at once.
            try await project(client, batchSize: 3)
            // Two projectors at once, on their own connections; the second waits for the first.
            var waiting = Projector.Configuration()
            waiting.batchSize = 5
            waiting.waitForOtherProjector = true
            let configuration = waiting
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await Projector(client: client, configuration: configuration, logger: logger).catchUp() }
                }
                try await group.waitForAll()
            }
            try await projectAll(client, batchSize: 5, count: Set(events).count)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events)))
        }
    }

    @Test("the batch function itself never double-applies, even without the projector's lock")
    func concurrentBatches() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = (1...4).flatMap { Self.events(seed: $0 + 100) }
            try await write(events, client: client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        while true {
                            let rows = try await client.query("SELECT presence_project(4)", logger: logger).collect()
                            if try rows.first?.decode(Int.self) == 0 { return }
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await projectAll(client, batchSize: 4, count: Set(events).count)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events)))
        }
    }

    @Test("a second projector that may not wait is told another one works")
    func busy() async throws {
        try await TestDatabase.withFresh { client, _ in
            try await client.withConnection { connection in
                _ = try await connection.query(
                    "SELECT pg_advisory_lock(hashtextextended('presence_projector', 0))",
                    logger: logger
                ).collect()
                let error = await #expect(throws: ProjectorError.self) { try await Projector(client: client, logger: logger).catchUp() }
                #expect(error?.code == .busy)
                _ = try await connection.query(
                    "SELECT pg_advisory_unlock(hashtextextended('presence_projector', 0))",
                    logger: logger
                ).collect()
            }
        }
    }

    @Test("online_users and online_count use the threshold of presence_settings")
    func onlineView() async throws {
        try await TestDatabase.withFresh { client, _ in
            let now = Timestamp.now.microsecondsSince1970
            try await write(
                [
                    SeenEvent(user: "now", at: Timestamp(microsecondsSince1970: now - 60_000_000), location: "/x"),
                    SeenEvent(user: "recent", at: Timestamp(microsecondsSince1970: now - 240_000_000), location: "/y"),
                    SeenEvent(user: "gone", at: Timestamp(microsecondsSince1970: now - 600_000_000), location: "/z"),
                ],
                client: client
            )
            try await projectAll(client, batchSize: 10, count: 3)
            func online() async throws -> [String] {
                var users: [String] = []
                for try await user in try await client.query("SELECT user_id FROM online_users", logger: logger).decode(String.self) {
                    users.append(user)
                }
                return users
            }
            #expect(try await online() == ["now", "recent"])
            try await client.query("UPDATE presence_settings SET online_threshold = '2 minutes'", logger: logger)
            #expect(try await online() == ["now"])
            let rows = try await client.query("SELECT users FROM online_count", logger: logger).collect()
            #expect(try rows.first?.decode(Int.self) == 1)
        }
    }
}

@Suite("Projector following the log")
struct ProjectorFollowTests {
    @Test("run() folds events as the tracker writes them, and stops on graceful shutdown")
    func follows() async throws {
        try await TestDatabase.withFresh { client, _ in
            var configuration = Projector.Configuration()
            configuration.pollInterval = .seconds(600)  // so that only the notifications can wake it in time
            let projector = Projector(client: client, configuration: configuration, logger: TestDatabase.logger)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await projector.run() }
                    var writer = EventLogWriter(client: client, logger: TestDatabase.logger)
                    let now = Timestamp.now.microsecondsSince1970
                    _ = try await writer.write((0..<5).map { SeenEvent(user: "u\($0)", at: Timestamp(microsecondsSince1970: now - Int64($0))) })
                    // Generous: on a busy server, other tests' CREATE and DROP DATABASE hold the
                    // read horizon back for seconds.
                    let deadline = ContinuousClock.now + .seconds(90)
                    var folded = 0
                    while folded < 5, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                        let rows = try await client.query("SELECT events FROM presence_projector", logger: TestDatabase.logger).collect()
                        folded = try rows.first?.decode(Int.self) ?? 0
                    }
                    #expect(folded == 5)
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
        }
    }
}
