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

/// `presence erase` and `presence hide` (DESIGN.md, "Erased user" and "Hidden user";
/// Migration 0025), against the projections' definition computed in Swift from the events
/// that are left.
@Suite("Erasing and hiding users")
struct PrivacyTests {
    let logger = TestDatabase.logger

    /// Every row of every table of the schema and its twins whose text, varchar or text[]
    /// column holds `user`: found from the catalog, so that tables added later are covered.
    static func traces(of user: String, _ client: PostgresClient) async throws -> [String] {
        let columns = try await client.query(
            """
            SELECT format('%I.%I', c.table_schema, c.table_name), format('%I', c.column_name), c.data_type = 'ARRAY'
            FROM information_schema.columns AS c
            JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema IN (current_schema(), 'presence_next') AND t.table_type = 'BASE TABLE'
              AND (c.data_type IN ('text', 'character varying') OR c.udt_name IN ('_text', '_varchar'))
            """,
            logger: TestDatabase.logger
        ).collect().map { try $0.decode((String, String, Bool).self) }
        #expect(columns.count > 10, "\(columns)")
        var found: [String] = []
        for (table, column, isArray) in columns {
            // Names from the catalog, quoted by format(); the user goes as a bind.
            let condition = isArray ? "$1 = ANY (\(column))" : "\(column) = $1"
            var bindings = PostgresBindings()
            bindings.append(user)
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(table) WHERE \(condition)", binds: bindings),
                logger: TestDatabase.logger
            ).collect()
            let count = try rows.first?.decode(Int.self) ?? 0
            if count > 0 { found.append("\(table).\(column): \(count)") }
        }
        return found
    }

    @Test("an erasure while writers write and the follower folds leaves no trace of the user; the projections equal the definition of what is left")
    func eraseUnderTraffic() async throws {
        try await TestDatabase.withFresh { client, settings in
            // Two days of the same users, five days apart, so that the first can be packed.
            let recent = OnlineRebuildTests.events(seeds: 1...20)
            let before = recent + recent.map { SeenEvent(user: $0.user, at: $0.at - .seconds(5 * 86_400), location: $0.location) }
            let erased = before[before.count / 2].user
            let later = OnlineRebuildTests.events(seeds: 21...40).filter { $0.user != erased }
            try await TestDatabase.store(before, client)
            try await TestDatabase.projectAll(client, count: Set(before).count)
            // The old days packed, so that their arrays lose the user's entries too.
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .seconds(2 * 86_400)
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() > 0)
            let erasedEvents = Set(before.filter { $0.user == erased }).count
            #expect(erasedEvents > 0)
            #expect(try await Self.traces(of: erased, client).count >= 5)

            var configuration = Projector.Configuration()
            configuration.batchSize = 40
            configuration.pollInterval = .milliseconds(20)
            let follower = Projector(client: client, configuration: configuration, logger: logger)
            let erasure = try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await follower.run() }
                    group.addTask {
                        var writer = EventLogWriter(client: client, logger: logger)
                        for start in stride(from: 0, to: later.count, by: 13) {
                            _ = try await writer.write(Array(later[start..<min(start + 13, later.count)]))
                            try await Task.sleep(for: .milliseconds(3))
                        }
                    }
                    try await Task.sleep(for: .milliseconds(150))
                    let erasure = try await TestDatabase.withLogin(as: .privacy, settings: settings) { privacy, _ in
                        try await Privacy.erase(erased, client: privacy, logger: logger)
                    }
                    let all = Set(before + later).count - erasedEvents
                    try await eventually("the follower folds every event left") {
                        try await TestDatabase.number(client, "SELECT events FROM presence_projector") == all
                    }
                    trigger.triggerGracefulShutdown()
                    group.cancelAll()
                    try? await group.waitForAll()
                    return erasure
                }
            }
            #expect(erasure.events == erasedEvents)
            #expect(try await Self.traces(of: erased, client).isEmpty)
            let left = Set(before + later).filter { $0.user != erased }
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: left))
            // Only the number and the time are kept.
            let kept = try await client.query("SELECT events, erased_at <= now() FROM presence_erasures", logger: logger).collect()
            #expect(try kept.map { try $0.decode((Int, Bool).self) }.map { "\($0.0) \($0.1)" } == ["\(erasedEvents) true"])

            // An event that arrives afterwards is new: the user is back with it alone.
            let again = SeenEvent(user: erased, at: before.map(\.at).max()!, location: "/back")
            try await TestDatabase.store([again], client)
            try await TestDatabase.projectAll(client, count: left.count + 1)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: left.union([again])))
        }
    }

    @Test("an erasure in the middle of a rebuild beside the live projections leaves no trace in either, and the rebuilt ones equal the definition")
    func eraseDuringRebuild() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = OnlineRebuildTests.events(seeds: 1...30)
            let erased = events[events.count / 3].user
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: Set(events).count)
            var configuration = Projector.Configuration()
            configuration.batchSize = 40  // many small steps, so that the erasure falls between two
            let rebuilder = Projector(client: client, configuration: configuration, logger: logger)
            let steps = Shared(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await rebuilder.rebuild { _ in steps.withLock { $0 += 1 } }
                }
                try await eventually("the rebuild has folded some batches into the twins") { steps.withLock { $0 } >= 5 }
                _ = try await Privacy.erase(erased, client: client, logger: logger)
                let stepsBefore = steps.withLock { $0 }
                try await group.waitForAll()
                #expect(steps.withLock { $0 } > stepsBefore, "the rebuild ended before the erasure")
            }
            #expect(try await Self.traces(of: erased, client).isEmpty)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events).filter { $0.user != erased }))
            #expect(try await TestDatabase.number(client, "SELECT events FROM presence_projector") == Set(events.filter { $0.user != erased }).count)
        }
    }

    @Test("an erasure corrects the projections of days that retention dropped from the log")
    func eraseAfterRetention() async throws {
        try await TestDatabase.withFresh { client, _ in
            let events = ProjectorTests.events(seed: 7)
            let erased = events[0].user
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: Set(events).count)
            let dropped = try await Retention(keep: .seconds(86_400)).run(client: client, logger: logger)
            #expect(dropped.contains { $0.outcome == .dropped })
            let inLog = try await TestDatabase.number(client, "SELECT count(*)::int8 FROM seen_events WHERE user_id = \(erased)")
            #expect(inLog < Set(events.filter { $0.user == erased }).count)
            // The log held only the days left; the projections lose the dropped ones too.
            #expect(try await Privacy.erase(erased, client: client, logger: logger).events == inLog)
            #expect(try await Self.traces(of: erased, client).isEmpty)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events).filter { $0.user != erased }))
        }
    }

    @Test("the reader and ingest roles may not hide, show or erase; presence_privacy may, and may not read the log")
    func roles() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await TestDatabase.store([SeenEvent(user: "alice", at: Timestamp.now, location: "/a")], client)
            for role in [TestDatabase.Role.reader, .ingest] {
                try await TestDatabase.withLogin(as: role, settings: settings) { login, _ in
                    for attempt in [
                        { try await Privacy.hide("alice", client: login, logger: logger) ? 1 : 0 },
                        { try await Privacy.unhide("alice", client: login, logger: logger) ? 1 : 0 },
                        { Int(try await Privacy.erase("alice", client: login, logger: logger).events) },
                    ] as [@Sendable () async throws -> Int] {
                        let error = await #expect(throws: StoreError.self) { try await attempt() }
                        #expect(error?.code == .permissionDenied, "\(role): \(String(describing: error))")
                    }
                }
            }
            try await TestDatabase.withLogin(as: .privacy, settings: settings) { privacy, _ in
                let answers = [
                    try await Privacy.hide("alice", client: privacy, logger: logger),
                    try await Privacy.hide("alice", client: privacy, logger: logger),
                    try await Privacy.unhide("alice", client: privacy, logger: logger),
                    try await Privacy.unhide("alice", client: privacy, logger: logger),
                ]
                #expect(answers == [true, false, true, false])
                let error = await #expect(throws: (any Error).self) {
                    try await privacy.query("SELECT count(*) FROM seen_events", logger: logger).collect()
                }
                #expect(String(reflecting: error).contains("permission denied"))
                let erasure = try await Privacy.erase("alice", client: privacy, logger: logger)
                #expect(erasure.events == 1)
            }
            #expect(try await TestDatabase.eventCount(client) == 0)
        }
    }

    @Test("an erasure reads the user's rows through keys: a few hundred rows of tables of tens of thousands")
    func boundedErase() async throws {
        try await TestDatabase.withFresh { client, settings in
            // 1,000 users, each seen twice a day for 20 days, at one of 50 pages.
            let start = Timestamp(rfc3339: "2026-10-01T00:00:00Z")!.microsecondsSince1970
            var events: [SeenEvent] = []
            for user in 0..<1_000 {
                for day in 0..<20 {
                    for visit in 0..<2 {
                        let second = Int64((user * 37 + visit * 600) % 86_400)
                        let at = Timestamp(microsecondsSince1970: start + Int64(day) * 86_400_000_000 + second * 1_000_000)
                        events.append(SeenEvent(user: "user\(user)", at: at, location: "/page/\((user + day) % 50)"))
                    }
                }
            }
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .seconds(3 * 86_400)
            #expect(try await Projector(client: client, configuration: packing, logger: logger).compactActivity() > 10)
            try await client.query("ANALYZE", logger: logger)

            let unpackedVisits = try await TestDatabase.number(client, "SELECT count(*)::int8 FROM location_visits")
            #expect(unpackedVisits * 5 < events.count)
            // With the planner's choice of a scan taken away for small tables, so that the test
            // shows the path a large one takes.
            let nodes = try TestDatabase.plans(
                running: "SET enable_seqscan = off; SELECT presence_erase('user500');",
                on: settings
            ).flatMap(\.root.allNodes)
            let projections: Set<String> = [
                "presence_current", "user_sessions", "user_activity", "user_activity_days", "user_online_spans", "user_online_span_hours",
                "location_visits", "location_visit_days",
            ]
            let reads = nodes.filter { node in
                node.nodeType != "ModifyTable" && (node.relationName.map { projections.contains($0) || $0.hasPrefix("seen_events_") } ?? false)
            }
            #expect(reads.count > 10 && reads.allSatisfy(\.readsThroughIndex), "\(reads.map { ($0.relationName, $0.nodeType) })")
            // The user's 40 events, their days' rows and their days' packed visits (800 rows
            // of 50 pages a day for 16 packed days, each day's rows read twice) ...
            let keyed = reads.filter { $0.relationName != "location_visits" }.map(\.rowsRead).reduce(0, +)
            #expect(keyed < 2_500, "\(reads.filter { $0.rowsRead > 0 }.map { ($0.relationName, $0.nodeType, $0.rowsRead) })")
            // ... and the unpacked visits through their key, from the locations and quarter
            // hours of the events erased: the user's own, at most one an event.
            let visits = reads.filter { $0.relationName == "location_visits" }
            #expect(visits.allSatisfy { $0.nodeType == "Index Scan" }, "\(visits.map(\.nodeType))")
            #expect(visits.map(\.rowsRead).reduce(0, +) <= 40)
            #expect(try await Self.traces(of: "user500", client).isEmpty)
        }
    }

    /// The log partitions a statement read (`seen_events_20261004`, `seen_events_default`).
    static func logPartitionsRead(by sql: String, on settings: ConnectionSettings) throws -> Set<String> {
        let nodes = try TestDatabase.plans(running: sql, on: settings).flatMap(\.root.allNodes)
        return Set(nodes.compactMap(\.relationName).filter { $0.hasPrefix("seen_events_") })
    }

    @Test("an erasure reads only the log's days that can hold the user: their folded quarters' days and those written since the checkpoint")
    func eraseReadsTheUsersDays() async throws {
        try await TestDatabase.withFresh { client, settings in
            let start = Timestamp(rfc3339: "2026-10-01T12:00:00Z")!
            func day(_ number: Int) -> Timestamp { start + .seconds(Int64(number) * 86_400) }
            func partition(_ number: Int) -> String {
                "seen_events_" + day(number).rfc3339.prefix(10).replacingOccurrences(of: "-", with: "")
            }
            // 30 days of ten users; "rare" on two of them, and once in a day without a
            // partition, which lands in the default one.
            let filler = (0..<30).flatMap { number in (0..<10).map { SeenEvent(user: "user\($0)", at: day(number), location: "/") } }
            try await TestDatabase.store(filler + [SeenEvent(user: "rare", at: day(3)), SeenEvent(user: "rare", at: day(17))], client)
            try await client.query(
                "INSERT INTO seen_events (id, user_id, at) VALUES (gen_random_uuid(), 'rare', '2031-01-01T00:00:00Z')",
                logger: logger
            )
            try await TestDatabase.projectAll(client, count: filler.count + 3)
            // One more folded transaction, so that the checkpoint lies past the first.
            let folded = SeenEvent(user: "user0", at: day(29) + .seconds(60))
            try await TestDatabase.store([folded], client)
            try await TestDatabase.projectAll(client, count: filler.count + 4)
            // Written since: "rare" on day 25, someone else on day 28.
            let unfolded = SeenEvent(user: "user1", at: day(28) + .seconds(60))
            try await TestDatabase.store([SeenEvent(user: "rare", at: day(25)), unfolded], client)
            #expect(try await TestDatabase.number(client, "SELECT count(*)::int8 FROM pg_inherits WHERE inhparent = 'seen_events'::regclass") > 30)

            let read = try Self.logPartitionsRead(by: "SELECT presence_erase('rare');", on: settings)
            // Days 3 and 17 from the quarters, 2031 from its quarter (the default partition);
            // 25, 28 and the last folded transaction's 29 from the days written since.
            #expect(read == Set([3, 17, 25, 28, 29].map(partition) + ["seen_events_default"]))
            #expect(try await TestDatabase.number(client, "SELECT events FROM presence_erasures") == 4)
            #expect(try await Self.traces(of: "rare", client).isEmpty)
            #expect(try await TestDatabase.eventCount(client) == filler.count + 2)

            // When the list of days written is not complete from the checkpoint on, every
            // partition is read.
            try await TestDatabase.store([SeenEvent(user: "rare2", at: day(5)), SeenEvent(user: "rare2", at: day(26))], client)
            try await client.query("UPDATE presence_written_days_complete SET from_tx = pg_current_xact_id()", logger: logger)
            let all = try Self.logPartitionsRead(by: "SELECT presence_erase('rare2');", on: settings)
            #expect(all.count > 30 && all.contains("seen_events_default"))
            #expect(try await TestDatabase.number(client, "SELECT sum(events)::int8 FROM presence_erasures") == 4 + 2)
            #expect(try await Self.traces(of: "rare2", client).isEmpty)

            // What is left folds as if neither had been.
            let left = Set(filler + [folded, unfolded])
            try await TestDatabase.projectAll(client, count: left.count)
            #expect(try await TestDatabase.eventCount(client) == left.count)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: left))
        }
    }

    @Test("a user no event can have is refused before the database is asked")
    func badUsers() async throws {
        try await TestDatabase.withFresh { client, _ in
            for user in ["", "a\u{0}b", String(repeating: "x", count: 257)] {
                let error = await #expect(throws: StoreError.self) { try await Privacy.erase(user, client: client, logger: logger) }
                #expect(error?.code == .invalidUser)
            }
        }
    }
}
